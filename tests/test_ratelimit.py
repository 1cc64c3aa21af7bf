"""core.ratelimit on process memory and, when REDIS_URL is set, on the real Redis.

Keys carry a random suffix: Redis outlives the test run, and other test runs
may share it.
"""
from __future__ import annotations

import asyncio
import uuid

import pytest
from limits.aio.storage import MemoryStorage, RedisStorage

from core.ratelimit import RateLimit, limits_storage, limits_storage_uri
from core.settings import get_settings


@pytest.fixture(params=["memory", "redis"])
def redis_url(request) -> str | None:
    """Each test runs on memory, and on Redis too when the run has REDIS_URL."""
    if request.param == "memory":
        return None
    if not get_settings().redis_url:
        pytest.skip("REDIS_URL is not set: the Redis storage runs in `make test-postgres`")
    return get_settings().redis_url


def key(name: str) -> str:
    return f"test:{name}:{uuid.uuid4().hex}"


async def test_hits_up_to_the_limit_then_refuses(redis_url):
    limit = RateLimit("3/minute", redis_url=redis_url)
    k = key("limit")
    assert [await limit.hit(k) for _ in range(4)] == [True, True, True, False]
    assert await limit.test(k) is False


async def test_test_records_nothing(redis_url):
    limit = RateLimit("1/minute", redis_url=redis_url)
    k = key("test-only")
    assert await limit.test(k) and await limit.test(k)
    assert await limit.hit(k) is True
    assert await limit.test(k) is False


async def test_keys_are_counted_separately(redis_url):
    limit = RateLimit("1/minute", redis_url=redis_url)
    a, b = key("a"), key("b")
    assert await limit.hit(a)
    assert not await limit.hit(a)
    assert await limit.hit(b)


async def test_retry_after_is_zero_while_allowed_and_within_the_window_when_refused(redis_url):
    limit = RateLimit("2/minute", redis_url=redis_url)
    k = key("retry")
    await limit.hit(k)
    assert await limit.retry_after(k) == 0
    await limit.hit(k)
    assert 0 < await limit.retry_after(k) <= 60


async def test_reset_forgets_the_hits(redis_url):
    limit = RateLimit("1/minute", redis_url=redis_url)
    k = key("reset")
    await limit.hit(k)
    await limit.reset(k)
    assert await limit.test(k)
    assert await limit.retry_after(k) == 0


async def test_hits_expire_when_the_window_passes(redis_url):
    # Given a key that used up a one-second window
    limit = RateLimit("2/1 second", redis_url=redis_url)
    k = key("window")
    await limit.hit(k)
    await limit.hit(k)
    assert not await limit.test(k)
    # When well over a window has passed, then it may hit again
    await asyncio.sleep(1.5)
    assert await limit.hit(k)


def test_storage_follows_the_redis_url():
    assert limits_storage_uri(None) == "async+memory://"
    assert limits_storage_uri("redis://127.0.0.1:6379/0") == "async+redis://127.0.0.1:6379/0"
    assert limits_storage_uri("rediss://cache:6380/1") == "async+rediss://cache:6380/1"
    assert limits_storage_uri("unix:///run/redis.sock?db=0") == "async+redis+unix:///run/redis.sock?db=0"
    assert isinstance(limits_storage(None), MemoryStorage)
    assert isinstance(limits_storage("redis://127.0.0.1:6379/0"), RedisStorage)


def test_default_storage_comes_from_the_settings():
    storage = RateLimit("1/minute")._limiter.storage
    expected = RedisStorage if get_settings().redis_url else MemoryStorage
    assert isinstance(storage, expected)


async def test_redis_hits_land_in_the_simpul_namespace():
    url = get_settings().redis_url
    if not url:
        pytest.skip("REDIS_URL is not set")
    from core.cache import cache_client

    k = key("namespaced")
    await RateLimit("5/minute", redis_url=url).hit(k)
    assert [found async for found in cache_client(url).scan_iter(match=f"simpul:limits*{k}*")]


def test_a_rate_limits_cannot_read_is_refused():
    with pytest.raises(ValueError):
        RateLimit("five per fortnight")


async def test_an_unreachable_redis_allows_the_attempt():
    # Nothing listens on port 1: the limit fails open rather than locking everyone out.
    limit = RateLimit("1/minute", redis_url="redis://127.0.0.1:1/0")
    k = key("down")
    assert await limit.hit(k) and await limit.hit(k)
    assert await limit.test(k)
    assert await limit.retry_after(k) == 0
    await limit.reset(k)
