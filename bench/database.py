"""A throwaway database for one run: a SQLite file in a temporary folder, or a fresh PostgreSQL database.

Either way Tortoise is connected and the schema generated on entry, and the
database is gone on exit, also when the run fails or is interrupted.
"""
from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections

from core.database import MODEL_MODULES, tortoise_config

POSTGRES_SCHEMES = ("postgres", "postgresql")


@dataclass(frozen=True)
class Database:
    url: str
    #: How the report names it, e.g. ``PostgreSQL 15.20`` or ``SQLite 3.45.1``.
    engine: str
    #: Where it lives, e.g. the database name on the server or the SQLite file.
    location: str


@asynccontextmanager
async def throwaway_database(server_url: str | None) -> AsyncIterator[Database]:
    """An empty, connected database on the server of ``server_url`` (PostgreSQL), else a temporary SQLite file."""
    is_postgres = bool(server_url) and urlsplit(server_url).scheme in POSTGRES_SCHEMES
    created = _postgres_database(server_url) if is_postgres else _sqlite_database()
    async with created as (url, location):
        await Tortoise.init(config=tortoise_config(url, MODEL_MODULES))
        try:
            await Tortoise.generate_schemas()
            yield Database(url=url, engine=await _engine_version(is_postgres), location=location)
        finally:
            # PostgreSQL refuses to drop a database that still has our connections open.
            await Tortoise.close_connections()


@asynccontextmanager
async def _sqlite_database() -> AsyncIterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="simpul-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        yield f"sqlite://{path}", str(path)


@asynccontextmanager
async def _postgres_database(server_url: str) -> AsyncIterator[tuple[str, str]]:
    server = urlsplit(server_url)._replace(scheme="postgres")  # the scheme Tortoise knows
    name = f"simpul_bench_{uuid.uuid4().hex[:10]}"
    # CREATE and DROP DATABASE run from the server's maintenance database, never from the one dropped.
    maintenance = urlunsplit(server._replace(path="/postgres"))
    await _run_on_server(maintenance, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(server._replace(path=f"/{name}")), name
    finally:
        await _run_on_server(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _run_on_server(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _engine_version(is_postgres: bool) -> str:
    conn = connections.get("default")
    if is_postgres:
        _, rows = await conn.execute_query("SHOW server_version")
        return f"PostgreSQL {rows[0][0]}"
    _, rows = await conn.execute_query("SELECT sqlite_version()")
    return f"SQLite {rows[0][0]}"
