"""Complaint changes, published after every submit and transition and read by the GraphQL subscription.

The messages travel over the shared cache's pub/sub channel (Redis when
``REDIS_URL`` is set, so every worker sees every other worker's changes;
otherwise fakeredis, which only reaches subscribers in the same process).
A message says *which* complaint changed, nothing more: subscribers re-read
the row under their own permissions before showing anything.

    async with complaint_feed() as feed:      # subscribed once this line returns
        async for change in feed:
            ...

``complaint_changes()`` is the same as a plain async iterator, for a resolver
that just wants to ``async for`` over it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass

from core.cache import cache_client

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


class ComplaintFeed:
    """An open subscription; iterate it for :class:`ComplaintChanged` items."""

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
    """Subscribe; the subscription is confirmed by the server before the body runs, so no later change is missed."""
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


async def complaint_changes() -> AsyncIterator[ComplaintChanged]:
    """Every change published from now on, until the consumer stops iterating."""
    async with complaint_feed() as feed:
        async for change in feed:
            yield change


def _decode(data) -> ComplaintChanged | None:
    try:
        values = json.loads(data)
        return ComplaintChanged(int(values["complaint_id"]), str(values["tracking_code"]), str(values["regency_code"]))
    except (TypeError, ValueError, KeyError) as error:
        log.warning("ignoring a malformed complaint change message: %s", error)
        return None


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


async def revoked_callers() -> AsyncIterator[int]:
    """User ids revoked from now on (subscribed once the first ``__anext__`` is awaited)."""
    pubsub = cache_client().pubsub()
    try:
        await pubsub.subscribe(REVOCATIONS)
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            data = message.get("data")
            text = data.decode() if isinstance(data, bytes) else str(data)
            if text.isascii() and text.isdigit():
                yield int(text)
    finally:
        try:
            await pubsub.unsubscribe(REVOCATIONS)
        finally:
            await pubsub.aclose()
