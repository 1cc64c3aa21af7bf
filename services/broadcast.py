"""One Redis subscription per channel per worker process, shared by every listener in that process.

Before this, every GraphQL subscription opened its own Redis pub/sub connection and
did its own reads for every message: 3,000 of them made one change cost 3,000
connections' worth of work. A :class:`Broadcast` instead

- starts one *pump* task when its first local listener arrives: the pump subscribes
  to the channel once and reads every message; the last listener to leave stops it,
  so an idle worker holds no subscription;
- decodes each message once and hands the same :class:`Delivery` to the queue of
  every listener that wants it. A listener registers under a key (a tracking code,
  a user id) to hear only the messages with that key, or under ``None`` to hear them all;
- lets the listeners of one message share their work: ``delivery.once(key, work)``
  runs ``work`` once per message however many listeners ask (a complaint's public
  view, one visibility check per kind of decision), so the cost of a message grows with
  the number of *different* questions asked about it, not with the number of listeners.

Slow listeners. The pump never waits for a listener; each keeps its own queue of
undelivered messages, bounded two ways:

- a message that *supersedes* an undelivered one takes its place (for complaint changes:
  a later change of the same complaint, since every message is answered by re-reading the
  complaint, history included), so a burst about one thing takes one place;
- a listener with more than ``queue_size`` messages pending is dropped: its queue is
  emptied and its next read raises :class:`ListenerOverrun`; the others lose nothing.
  We drop the listener rather than its oldest messages on purpose: a listener that
  silently missed a change would go on showing a stale state without knowing it;
  told, it can re-read and listen again.

If the shared subscription itself fails (Redis gone), every listener's next read
raises :class:`FeedLost`; the next listener to arrive starts a new subscription.

    async with broadcast.listen("ADU-3215-2026-000123-K7QX9M") as listener:   # subscribed once this returns
        async for delivery in listener:
            view = await delivery.once("view", lambda: read_view(delivery.item))
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from core.cache import cache_client

log = logging.getLogger("simpul.events")

T = TypeVar("T")
R = TypeVar("R")


class FeedLost(RuntimeError):
    """The worker's shared subscription to the channel ended (the cache went away); listen again."""


class ListenerOverrun(RuntimeError):
    """The listener fell more than its queue size behind and was dropped; re-read, then listen again."""


_OVERRUN = object()
_LOST = object()


class Delivery(Generic[T]):
    """One message, as every local listener receives it: ``item`` plus the work they share."""

    __slots__ = ("item", "_work")

    def __init__(self, item: T):
        self.item = item
        self._work: dict[Hashable, asyncio.Future] = {}

    async def once(self, key: Hashable, work: Callable[[], Awaitable[R]]) -> R:
        """``await work()``, run once for this message whichever listener asks first; the others
        share its result (or its exception). A listener cancelled while waiting does not cancel
        the work the others wait for."""
        task = self._work.get(key)
        if task is None:
            task = self._work[key] = asyncio.ensure_future(work())
            task.add_done_callback(_retrieve)
        return await asyncio.shield(task)


def _retrieve(task: asyncio.Future) -> None:
    # The listeners that asked see the exception; this only keeps asyncio from logging it as lost
    # when every one of them was cancelled first.
    if not task.cancelled():
        task.exception()


class Listener(Generic[T]):
    """One local listener: iterate it for :class:`Delivery` items, oldest first."""

    def __init__(self, key: Hashable | None, queue_size: int):
        self.key = key
        self.queue_size = queue_size
        #: Undelivered messages, by what a later message would supersede (a fresh object when nothing can).
        self._pending: OrderedDict[Hashable, Delivery[T]] = OrderedDict()
        self._arrived = asyncio.Event()
        self._ended: object | None = None

    def __aiter__(self) -> "Listener[T]":
        return self

    async def __anext__(self) -> Delivery[T]:
        while not self._pending and self._ended is None:
            self._arrived.clear()
            await self._arrived.wait()
        if self._ended is _OVERRUN:
            raise ListenerOverrun(f"fell more than {self.queue_size} messages behind")
        if self._ended is _LOST:
            raise FeedLost("the shared subscription ended")
        return self._pending.popitem(last=False)[1]

    def pending(self) -> int:
        return len(self._pending)

    def _offer(self, delivery: Delivery[T], supersedes: Hashable | None) -> bool:
        """Queue ``delivery`` in place of an undelivered one it supersedes; False (and the listener
        ended) when that would make more than ``queue_size`` pending."""
        if supersedes is not None and supersedes in self._pending:
            del self._pending[supersedes]
        elif len(self._pending) >= self.queue_size:
            self._end(_OVERRUN)
            return False
        self._pending[object() if supersedes is None else supersedes] = delivery
        self._arrived.set()
        return True

    def _end(self, signal: object) -> None:
        self._pending.clear()
        self._ended = signal
        self._arrived.set()


class Broadcast(Generic[T]):
    """The local end of one pub/sub channel: one Redis subscription, any number of listeners.

    ``decode`` turns a message's text into an item (None to ignore it); ``key_of`` names the
    item's key, which picks the listeners registered under it (plus those registered under None).
    ``supersedes``, when given, names what an item makes redundant: a listener's undelivered item
    with the same value is replaced by the newer one (None: nothing).
    Counting and sharing are per worker process (per event loop); every worker has its own.
    """

    def __init__(
        self,
        channel: str,
        decode: Callable[[Any], T | None],
        key_of: Callable[[T], Hashable],
        supersedes: Callable[[T], Hashable | None] | None = None,
    ):
        self.channel = channel
        self._decode = decode
        self._key_of = key_of
        self._supersedes = supersedes
        self._keyed: dict[Hashable, set[Listener[T]]] = {}
        self._everything: set[Listener[T]] = set()
        self._pump: asyncio.Task | None = None
        self._subscribed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening = 0
        #: Redis subscriptions this broadcast opened so far (one per busy period; for tests and metrics).
        self.subscriptions_opened = 0

    # --- what tests and metrics read ------------------------------------------------------------

    def listening(self) -> int:
        """Listeners of this process whose subscription is confirmed (they hear every later message)."""
        return self._listening

    def has_subscription(self) -> bool:
        """Whether this process holds its Redis subscription to the channel now."""
        return self._pump is not None and not self._pump.done()

    # --- listening ------------------------------------------------------------------------------

    @asynccontextmanager
    async def listen(self, key: Hashable | None = None, *, queue_size: int = 100) -> AsyncIterator[Listener[T]]:
        """Listen for the messages with ``key`` (every message when None); subscribed once this returns,
        so no message published later is missed. Raises :class:`FeedLost` if the subscription fails."""
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        listener: Listener[T] = Listener(key, queue_size)
        self._add(listener)
        counted = False
        try:
            await self._until_subscribed()
            self._listening += 1
            counted = True
            yield listener
        finally:
            if counted:
                self._listening -= 1
            self._remove(listener)

    def _add(self, listener: Listener[T]) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test session, a fork): nothing of the old one works
            self._keyed, self._everything, self._pump, self._listening = {}, set(), None, 0
            self._loop = loop
        if listener.key is None:
            self._everything.add(listener)
        else:
            self._keyed.setdefault(listener.key, set()).add(listener)
        if self._pump is None:
            self._subscribed = asyncio.Event()
            self._pump = asyncio.create_task(self._run(self._subscribed), name=f"broadcast {self.channel}")

    def _remove(self, listener: Listener[T]) -> None:
        self._discard(listener)
        if not self._everything and not self._keyed and self._pump is not None:
            # Nobody listens: give the subscription (and its Redis connection) back.
            self._pump.cancel()
            self._pump = None

    def _discard(self, listener: Listener[T]) -> None:
        if listener.key is None:
            self._everything.discard(listener)
            return
        group = self._keyed.get(listener.key)
        if group is not None:
            group.discard(listener)
            if not group:
                del self._keyed[listener.key]

    async def _until_subscribed(self) -> None:
        pump, subscribed = self._pump, self._subscribed
        assert pump is not None and subscribed is not None
        if subscribed.is_set():
            return
        waiter = asyncio.ensure_future(subscribed.wait())
        try:
            await asyncio.wait({waiter, pump}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not subscribed.is_set():
            raise FeedLost(f"could not subscribe to {self.channel}")

    # --- the pump -------------------------------------------------------------------------------

    async def _run(self, subscribed: asyncio.Event) -> None:
        pubsub = cache_client().pubsub()
        self.subscriptions_opened += 1
        try:
            await pubsub.subscribe(self.channel)
            async for message in pubsub.listen():
                kind = message.get("type")
                if kind == "subscribe":
                    subscribed.set()
                elif kind == "message":
                    self._deliver(message.get("data"))
            self._lost(RuntimeError("the subscription was closed"))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - every listener hears of it instead
            self._lost(error)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(self.channel)
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _deliver(self, data: Any) -> None:
        item = self._decode(data)
        if item is None:
            return
        delivery = Delivery(item)
        supersedes = self._supersedes(item) if self._supersedes is not None else None
        # Sync from here on: every listener gets this message before the pump reads the next one.
        for listener in [*self._keyed.get(self._key_of(item), ()), *self._everything]:
            if not listener._offer(delivery, supersedes):
                log.warning("dropped a listener of %s that fell %s messages behind", self.channel, listener.queue_size)
                self._discard(listener)

    def _lost(self, error: BaseException) -> None:
        if self._pump is not asyncio.current_task():
            return  # already replaced: a stopped pump's end concerns nobody
        log.warning("lost the subscription to %s: %s", self.channel, error)
        listeners = [*self._everything, *(listener for group in self._keyed.values() for listener in group)]
        self._keyed, self._everything, self._pump = {}, set(), None
        for listener in listeners:
            listener._end(_LOST)
