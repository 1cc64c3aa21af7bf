"""Counting attempts per key over a moving time window, shared by every worker through Redis.

A thin wrapper over the `limits` library: it picks the storage from the
settings (Redis when ``REDIS_URL`` is set, process memory otherwise) and
offers the four questions login throttling and complaint submission ask:

    failures = RateLimit("5/15 minutes")
    if not await failures.test("login:user:kominfo"):   # would one more be refused?
        wait = await failures.retry_after("login:user:kominfo")
    await failures.hit("login:user:kominfo")             # record one attempt
    await failures.reset("login:user:kominfo")           # forget them (e.g. after a success)

Keys are the caller's strings; namespace them (``login:user:<name>``,
``login:addr:<ip>``, ``complaint:addr:<ip>``) so features never share a count.

If the storage is unreachable the limit *fails open* (every attempt is
allowed, a warning is logged), as the policy revision does: a Redis outage
must not lock every user out. bcrypt's cost still slows guessing meanwhile.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import time
from collections.abc import Coroutine
from functools import lru_cache
from typing import Any, TypeVar

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from core.settings import get_settings

log = logging.getLogger("simpul.ratelimit")

#: Prefix of every key this module writes to Redis, next to the cache's ``simpul:*`` keys.
REDIS_KEY_PREFIX = "simpul:limits"
_UNSET = object()
T = TypeVar("T")


def limits_storage_uri(redis_url: str | None) -> str:
    """The `limits` storage URI for a Redis URL (``redis://``, ``rediss://``, ``unix://``), or in-process memory."""
    if not redis_url:
        return "async+memory://"
    if redis_url.startswith("unix://"):
        return "async+redis+" + redis_url
    return "async+" + redis_url


@lru_cache(maxsize=4)
def limits_storage(redis_url: str | None):
    """One storage per URL and process, so every RateLimit of a process counts in the same place.

    For Redis we use redis-py's asyncio client (``implementation="redispy"``, which
    needs redis>=5.2), the client the rest of the platform uses, rather than coredis.
    """
    uri = limits_storage_uri(redis_url)
    if not redis_url:
        return storage_from_string(uri)
    return storage_from_string(uri, implementation="redispy", key_prefix=REDIS_KEY_PREFIX, wrap_exceptions=True)


class RateLimit:
    """At most ``rate`` hits per key in any moving window, e.g. ``RateLimit("5/15 minutes")``.

    ``rate`` uses the `limits` notation: ``"10/minute"``, ``"5/15 minutes"``, ``"3/2 seconds"``.
    ``redis_url`` defaults to the settings' ``REDIS_URL`` (None = process memory).
    """

    def __init__(self, rate: str, *, redis_url: str | None | object = _UNSET):
        #: The parsed limit (amount and window); ``ValueError`` for a rate `limits` cannot read.
        self.item = parse(rate)
        url = get_settings().redis_url if redis_url is _UNSET else redis_url
        # A moving window, not a fixed one: "5 failures within 15 minutes" must hold at any
        # moment, not reset at the top of each quarter hour.
        self._limiter = MovingWindowRateLimiter(limits_storage(url))  # type: ignore[arg-type]

    @property
    def window_seconds(self) -> int:
        return self.item.get_expiry()

    async def hit(self, key: str) -> bool:
        """Record one attempt; False (and nothing recorded) when the key has used up its window already."""
        try:
            return await _detached(self._limiter.hit(self.item, key))
        except StorageError as error:
            _storage_down(error)
            return True

    async def test(self, key: str) -> bool:
        """True when one more hit would be allowed; records nothing."""
        try:
            return await _detached(self._limiter.test(self.item, key))
        except StorageError as error:
            _storage_down(error)
            return True

    async def used(self, key: str) -> int:
        """Hits of ``key`` in the current window."""
        stats = await self._stats(key)
        return 0 if stats is None else self.item.amount - stats.remaining

    async def reset(self, key: str) -> None:
        """Forget every hit of ``key``."""
        try:
            await _detached(self._limiter.clear(self.item, key))
        except StorageError as error:
            _storage_down(error)

    async def retry_after(self, key: str) -> int:
        """Whole seconds until the next hit would be allowed; 0 when it is allowed now."""
        stats = await self._stats(key)
        if stats is None or stats.remaining > 0:
            return 0
        # For a moving window, reset_time is when the oldest hit in the window expires.
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _stats(self, key: str):
        """The window's statistics for ``key``, or None while the storage is unreachable."""
        try:
            return await _detached(self._limiter.get_window_stats(self.item, key))
        except StorageError as error:
            _storage_down(error)
            return None


async def _detached(call: Coroutine[Any, Any, T]) -> T:
    """Await a storage call in an empty context.

    The memory storage starts a background expiry task from inside a call and keeps a
    reference to it for the life of the process; a task holds the context it was started
    in, so it would pin the caller's context (the request's database connection or
    transaction included) forever. Running the call as a task with a fresh context
    keeps the two apart.
    """
    return await asyncio.create_task(call, context=contextvars.Context())


def _storage_down(error: Exception) -> None:
    log.warning("rate limit storage unavailable, allowing the attempt: %s", error)
