"""The PostgreSQL pool hands a connection back without asyncpg's session reset (core/database.py).

The reset (``CLOSE ALL; RESET ALL; UNLISTEN *; pg_advisory_unlock_all()``) is a round trip after
every statement Tortoise runs outside a transaction; nothing of ours leaves session state behind.
"""
from __future__ import annotations

import pytest
from tortoise import connections

from core.database import connection_config, keep_session_on_release
from models import Regency
from models.enums import RegencyKind


def test_only_the_asyncpg_pool_is_told_not_to_reset():
    assert connection_config("postgres://postgres@127.0.0.1:5432/x")["credentials"]["reset"] is keep_session_on_release
    assert "reset" not in connection_config("sqlite://:memory:")["credentials"]
    assert "reset" not in connection_config("psycopg://postgres@127.0.0.1:5432/x")["credentials"]


def _postgres():
    return connections.get("default").capabilities.dialect == "postgres"


async def test_a_released_connection_sends_nothing_more():
    if not _postgres():
        pytest.skip("PostgreSQL only (set DATABASE_URL): SQLite has no pool")
    pool = connections.get("default")._pool
    sent: list[str] = []

    def log(record) -> None:
        sent.append(record.query)

    connection = await pool.acquire()
    raw = connection._con  # the connection itself, past the pool's proxy (which dies on release)
    raw.add_query_logger(log)
    try:
        assert await connection.fetchval("SELECT 1") == 1
    finally:
        await pool.release(connection)
        raw.remove_query_logger(log)
    # The statement itself, and no reset after it.
    assert sent == ["SELECT 1"]


async def test_a_transaction_left_open_is_still_rolled_back_on_release():
    if not _postgres():
        pytest.skip("PostgreSQL only (set DATABASE_URL): SQLite has no pool")
    pool = connections.get("default")._pool
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    await connection.execute(
        "INSERT INTO regency (code, name, kind, province, is_provider) VALUES ('99.99', 'Left open', 'KOTA', 'X', false)"
    )
    await pool.release(connection)
    # asyncpg rolls back an unfinished transaction whatever the reset does: the row was never committed.
    assert not await Regency.filter(code="99.99").exists()
    # And the pool keeps serving: the same connection answers the next statement outside a transaction.
    await Regency.create(code="99.98", name="After", kind=RegencyKind.KOTA, province="X")
    assert await Regency.filter(code="99.98").exists()
