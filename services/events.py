"""Complaint changes and revoked callers, published by the services and heard by the API's WebSockets.

The messages travel over the shared cache's pub/sub channels (Redis when
``REDIS_URL`` is set, so every worker sees every other worker's changes;
otherwise fakeredis, which only reaches listeners in the same process).
A message says *which* complaint changed (or whose sessions ended), nothing more:
subscribers re-read the row under their own permissions before showing anything.

Inside one worker, every GraphQL subscription and every WebSocket listens through
one shared subscription per channel (:mod:`services.broadcast`), however many there are:

    async with watch_complaints("ADU-3215-2026-000123-K7QX9M", queue_size=100) as changes:
        async for delivery in changes:          # delivery.item is a ComplaintChanged
            ...

``complaint_feed()`` opens a subscription of its own (one Redis connection), for
scripts and tests that want the raw messages.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass

from core.cache import cache_client
from services.broadcast import Broadcast, FeedLost, Listener, ListenerOverrun

log = logging.getLogger("simpul.events")

#: Next to the cache's other ``simpul:*`` keys.
CHANNEL = "simpul:complaints:changed"


@dataclass(frozen=True)
class ComplaintChanged:
    complaint_id: int
    tracking_code: str
    regency_code: str


async def publish_complaint_changed(complaint_id: int, tracking_code: str, regency_code: str) -> None:
    """Tell every subscriber (in every worker) that the complaint changed. Call it after the commit.

    A cache outage is logged, not raised: the change itself is already saved.
    """
    message = json.dumps(asdict(ComplaintChanged(int(complaint_id), tracking_code, regency_code)))
    try:
        await cache_client().publish(CHANNEL, message)
    except Exception as error:  # noqa: BLE001 - live updates are best effort
        log.warning("could not publish a complaint change: %s", error)


def _code_key(tracking_code: str) -> str:
    # Codes are upper case; people type them any way (services.tracking.normalise).
    return tracking_code.strip().upper()


def _decode(data) -> ComplaintChanged | None:
    try:
        values = json.loads(data)
        return ComplaintChanged(int(values["complaint_id"]), str(values["tracking_code"]), str(values["regency_code"]))
    except (TypeError, ValueError, KeyError) as error:
        log.warning("ignoring a malformed complaint change message: %s", error)
        return None


#: This worker's one subscription to complaint changes; listeners register under a tracking code or None.
complaint_broadcast: Broadcast[ComplaintChanged] = Broadcast(
    CHANNEL, _decode, key_of=lambda change: _code_key(change.tracking_code),
    # Subscribers re-read the complaint (status and whole history) for every change, so an
    # undelivered change of a complaint says nothing a later one of the same complaint does not.
    supersedes=lambda change: change.complaint_id,
)


def watch_complaints(
    tracking_code: str | None = None, *, queue_size: int = 100
) -> AbstractAsyncContextManager[Listener[ComplaintChanged]]:
    """Listen for changes of the complaint with ``tracking_code`` (any letter case), or of every
    complaint when None, through the worker's shared subscription. Subscribed once entered.

    An undelivered change of a complaint is replaced by a later change of the same complaint;
    iterating raises :class:`ListenerOverrun` when more than ``queue_size`` changes (of as many
    complaints) wait undelivered, and :class:`FeedLost` when the shared subscription ended.
    """
    key = None if tracking_code is None else _code_key(tracking_code)
    return complaint_broadcast.listen(key, queue_size=queue_size)


class ComplaintFeed:
    """An open subscription of its own; iterate it for :class:`ComplaintChanged` items."""

    def __init__(self, pubsub):
        self._pubsub = pubsub

    def __aiter__(self) -> AsyncIterator[ComplaintChanged]:
        return self._changes()

    async def _changes(self) -> AsyncIterator[ComplaintChanged]:
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            change = _decode(message.get("data"))
            if change is not None:
                yield change


@asynccontextmanager
async def complaint_feed() -> AsyncIterator[ComplaintFeed]:
    """Subscribe on a connection of its own; confirmed by the server before the body runs, so no later
    change is missed. The API does not use it (see :func:`watch_complaints`)."""
    pubsub = cache_client().pubsub()
    try:
        await pubsub.subscribe(CHANNEL)
        async for message in pubsub.listen():
            if message.get("type") == "subscribe":
                break
        yield ComplaintFeed(pubsub)
    finally:
        try:
            await pubsub.unsubscribe(CHANNEL)
        finally:
            await pubsub.aclose()


# --- revoked callers ----------------------------------------------------------------------------

#: A user whose existing sessions must end now (deactivated, deleted, password or regency changed).
REVOCATIONS = "simpul:callers:revoked"


async def publish_caller_revoked(user_id: int) -> None:
    """Tell every worker to close the open WebSockets of ``user_id``. Call it after the commit.

    Best effort like complaint changes: the next operation on such a socket is refused anyway,
    because every operation looks its caller up afresh.
    """
    try:
        await cache_client().publish(REVOCATIONS, str(int(user_id)))
    except Exception as error:  # noqa: BLE001 - the per-operation check still holds
        log.warning("could not publish a revocation: %s", error)


def _decode_user_id(data) -> int | None:
    text = data.decode() if isinstance(data, bytes) else str(data)
    return int(text) if text.isascii() and text.isdigit() else None


#: This worker's one subscription to revocations; each signed-in WebSocket listens under its user id.
revocation_broadcast: Broadcast[int] = Broadcast(REVOCATIONS, _decode_user_id, key_of=lambda user_id: user_id)


async def until_revoked(user_id: int) -> bool:
    """Return True once ``user_id``'s sessions are revoked (listening from the first step on);
    False if the shared subscription was lost, after which only the per-operation check holds."""
    try:
        async with revocation_broadcast.listen(int(user_id), queue_size=1) as revocations:
            await anext(revocations)
    except ListenerOverrun:
        pass  # revoked more than once before we looked: revoked all the same
    except FeedLost:
        log.warning("revocations unheard for user %s: the shared subscription was lost", user_id)
        return False
    return True
