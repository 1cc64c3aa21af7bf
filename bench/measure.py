"""Times one request over R repeats, and counts the SQL statements and response bytes of one more."""
from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

try:
    from tests.sql_counter import count_statements
except ImportError:  # a checkout without the test helpers still gets its timings
    count_statements = None

#: Sends one request; returns the size of the HTTP response body in bytes, None when there is no HTTP.
Request = Callable[[], Awaitable[int | None]]


@dataclass(frozen=True)
class Scenario:
    name: str
    request: Request


@dataclass(frozen=True)
class Figures:
    name: str
    median_ms: float
    p95_ms: float
    #: SQL statements one request sends; None when the counter is not importable.
    statements: int | None
    response_bytes: int | None


async def measure(scenario: Scenario, repeat: int) -> Figures:
    # The warm-up pays the first-use costs (policy load, prepared statements, lazy imports)
    # that a running server paid long ago.
    await scenario.request()
    # Collect the garbage of earlier scenarios now, so that no scenario pays for another's.
    gc.collect()
    durations_ms = []
    for _ in range(repeat):
        began = time.perf_counter()
        await scenario.request()
        durations_ms.append((time.perf_counter() - began) * 1000)
    statements, response_bytes = await count_statements_of(scenario.request)
    return Figures(
        name=scenario.name,
        median_ms=statistics.median(durations_ms),
        p95_ms=nearest_rank(durations_ms, 95),
        statements=statements,
        response_bytes=response_bytes,
    )


def nearest_rank(values: list[float], percent: int) -> float:
    """The smallest value with at least ``percent`` % of the values at or below it (a value actually measured)."""
    ordered = sorted(values)
    return ordered[math.ceil(percent / 100 * len(ordered)) - 1]


async def count_statements_of(request: Request) -> tuple[int | None, int | None]:
    """SQL statements and response bytes of one request, sent outside the timed runs.

    The counter turns on Tortoise's debug logging, whose cost must not show up in the timings.
    """
    if count_statements is None:
        return None, await request()
    with count_statements() as statements:
        response_bytes = await request()
    return len(statements), response_bytes
