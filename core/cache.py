"""The shared cache: Redis when REDIS_URL is set, otherwise an in-process fake with the same API.

Sessions, rate limits and the policy revision all live here, so several
workers behind a load balancer agree as long as they share one Redis.
"""
from __future__ import annotations

from functools import lru_cache

import fakeredis
import redis.asyncio as redis_asyncio

from core.settings import get_settings


@lru_cache(maxsize=4)
def cache_client(redis_url: str | None = None) -> redis_asyncio.Redis:
    url = redis_url if redis_url is not None else get_settings().redis_url
    if url:
        # Bounded waits: an unreachable Redis degrades a request by a second, never hangs it.
        return redis_asyncio.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=2)
    return fakeredis.FakeAsyncRedis(decode_responses=True)


async def cache_is_up(client: redis_asyncio.Redis | None = None) -> bool:
    try:
        return bool(await (client or cache_client()).ping())
    except Exception:  # noqa: BLE001 - any failure means "down" for the health check
        return False
