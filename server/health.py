"""Is this worker fit to serve? ``/health`` and the start both ask here.

- the database answers, accepts writes (a cheap probe that writes nothing), and
  its schema is at the latest migration on disk;
- the shared cache answers. Without it the API keeps serving (each worker falls
  back to what it knows), so a cache outage is "degraded", not "down".
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tortoise import connections

from core.cache import cache_client, cache_is_up

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: How long a probe may take before the part counts as down (a health check must answer quickly).
PROBE_SECONDS = 2.0
NOT_MIGRATED = "the database schema is not at the latest migration: run `make migrate` (python -m server.manage migrate)"


@dataclass(frozen=True)
class Health:
    database: str  # ok | down | read-only | not migrated
    cache: str  # ok | down

    @property
    def serving(self) -> bool:
        """Requests can be answered: the database works (the cache only degrades the service)."""
        return self.database == "ok"

    def as_json(self) -> dict[str, str]:
        status = "ok" if self.database == self.cache == "ok" else ("degraded" if self.serving else "down")
        return {"status": status, "database": self.database, "cache": self.cache}


async def check_health(redis_url: str | None) -> Health:
    database, cache = await asyncio.gather(_database_state(), _cache_state(redis_url))
    return Health(database=database, cache=cache)


@lru_cache(maxsize=1)
def migrations_on_disk() -> tuple[str, ...]:
    """The migration files this code ships with; read once (they do not change under a running process)."""
    return tuple(sorted(p.stem for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py")))


async def pending_migrations() -> list[str]:
    """Migration files on disk that the database has not applied (all of them for an empty database)."""
    on_disk = migrations_on_disk()
    try:
        _, rows = await connections.get("default").execute_query(
            "SELECT name FROM tortoise_migrations WHERE app = 'models'"
        )
    except Exception:  # noqa: BLE001 - no table yet: nothing applied
        return list(on_disk)
    applied = {row["name"] for row in rows}
    return [name for name in on_disk if name not in applied]


async def _database_state() -> str:
    try:
        return await asyncio.wait_for(_probe_database(), PROBE_SECONDS)
    except Exception:  # noqa: BLE001 - unreachable, timed out or broken: down
        return "down"


async def _probe_database() -> str:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        [row] = await conn.execute_query_dict("SHOW transaction_read_only")
        if row["transaction_read_only"] != "off":
            return "read-only"
    else:
        path = getattr(conn, "filename", None)
        if path and path != ":memory:" and not os.path.exists(path):
            return "down"  # the file was deleted under us: writes would vanish with the process
        # Takes the write lock without writing: fails on a read-only or locked-out file.
        await conn.execute_script("BEGIN IMMEDIATE; ROLLBACK;")
    if await pending_migrations():
        return "not migrated"
    return "ok"


async def _cache_state(redis_url: str | None) -> str:
    try:
        up = await asyncio.wait_for(cache_is_up(cache_client(redis_url)), PROBE_SECONDS)
    except Exception:  # noqa: BLE001
        up = False
    return "ok" if up else "down"
