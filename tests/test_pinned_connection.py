"""A GraphQL read takes one pool connection for all its statements (server/pinned_connection.py); writes do not pin.

PostgreSQL only: SQLite has one connection and no pool.
"""
from __future__ import annotations

import asyncio
import uuid

import asyncpg.pool
import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

import services.accounts
from models import Regency
from models.enums import RegencyKind
from server.pinned_connection import PinnedClient, PinnedConnection
from tests.sql_counter import count_statements

READ = """{ complaints(first: 10, orderBy: [{createdAt: DESC}]) {
  totalCount nodes { trackingCode title status regency { name } app { name } } } }"""


@pytest.fixture(autouse=True)
def postgres_only():
    if connections.get("default").capabilities.dialect != "postgres":
        pytest.skip("PostgreSQL only (set DATABASE_URL): SQLite has no pool")


@pytest.fixture
def pool_acquires(monkeypatch):
    """Every connection taken from the asyncpg pool (the real pool, counted and let through)."""
    taken: list[int] = []
    real_acquire = asyncpg.pool.Pool.acquire

    def counting_acquire(self, *args, **kwargs):
        taken.append(1)
        return real_acquire(self, *args, **kwargs)

    monkeypatch.setattr(asyncpg.pool.Pool, "acquire", counting_acquire)
    return taken


@pytest.fixture
async def pinned(app_off, tokens):
    """``pinned(role)`` posts to the Strawberry-answered app behind the middleware; ``plain(role)`` without it."""
    address = f"198.51.100.{uuid.uuid4().hex[:8]}"
    clients = {}
    for name, asgi in (("pinned", PinnedConnection(app_off)), ("plain", app_off)):
        transport = httpx.ASGITransport(app=asgi, client=(address, 50000))
        clients[name] = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def post(kind: str, role: str, query: str, variables: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {}
        response = await clients[kind].post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()

    yield post
    for client in clients.values():
        await client.aclose()


async def test_a_read_takes_one_connection_and_answers_the_same(pinned, world, pool_acquires):
    # Given the answer without the middleware
    plain = await pinned("plain", "staff.karawang", READ)
    pool_acquires.clear()
    # When the same read goes through the middleware
    with count_statements() as statements:
        answer = await pinned("pinned", "staff.karawang", READ)
    # Then the same answer, its statements (the caller, the page, its count, regencies, apps) on one connection
    assert "errors" not in answer and answer == plain
    assert len(statements) >= 4
    assert len(pool_acquires) == 1


async def test_the_connection_goes_back_to_the_pool(pinned, world):
    pool = connections.get("default")._pool
    await pinned("pinned", "kominfo", READ)
    idle = pool.get_idle_size()
    for _ in range(3):
        await pinned("pinned", "kominfo", READ)
    assert pool.get_idle_size() == idle


async def test_a_sign_in_holds_no_connection_while_it_checks_the_password(pinned, world, monkeypatch):
    # A sign-in waits on bcrypt (and, throttled, sleeps up to 4 s): a mutation must not hold a connection meanwhile,
    # or guessing clients could drain the pool. Given a signed-in caller (their account is read first)
    pool = connections.get("default")._pool
    in_use: list[int] = []
    real_verify = services.accounts.verify_password

    def verifying(*args):
        in_use.append(pool.get_size() - pool.get_idle_size())
        return real_verify(*args)

    monkeypatch.setattr(services.accounts, "verify_password", verifying)
    # When they sign in again with a wrong password through the middleware
    login = 'mutation { login(username: "staff.karawang", password: "wrong") { token } }'
    answer = await pinned("pinned", "staff.karawang", login)
    # Then no connection was out of the pool while the password was checked
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert in_use == [0]


async def test_a_write_through_the_middleware_commits(pinned, world):
    submit = """mutation { submitComplaint(input: {regencyCode: "32.15", title: "Lampu mati", body: "Sejak Senin.",
      category: COMPLAINT, reporterName: "Siti", reporterContact: "0812-0000-0000"}) { trackingCode } }"""
    answer = await pinned("pinned", "anonymous", submit)
    code = answer["data"]["submitComplaint"]["trackingCode"]
    track = await pinned("pinned", "anonymous", f'{{ trackComplaint(trackingCode: "{code}") {{ status }} }}')
    assert track["data"]["trackComplaint"]["status"] == "RECEIVED"


async def test_a_transaction_in_a_pinned_read_runs_on_the_pinned_connection(world, pool_acquires):
    # Given a request's pinned client with its connection taken
    client = PinnedClient(connections.get("default"), lambda: True)
    token = connections.set("default", client)
    try:
        assert await Regency.filter(code="32.15").exists()
        assert client.acquired == 1
        pool_acquires.clear()
        # When a transaction runs, and a statement of the same request outside it runs meanwhile
        seen_outside = None
        async with in_transaction():
            await Regency.create(code="99.01", name="Dalam transaksi", kind=RegencyKind.KOTA, province="X")

            async def outside() -> bool:
                return await Regency.filter(code="99.01").exists()

            with _outside_of_transaction(client):
                seen_outside = await asyncio.create_task(outside())
        # Then the transaction took no other connection; the statement outside it took one from the pool
        # and did not see the uncommitted row; the committed row is there afterwards
        assert len(pool_acquires) == 1
        assert seen_outside is False
        assert await Regency.filter(code="99.01").exists()
        # And a transaction that fails leaves nothing behind, and the connection keeps serving
        with pytest.raises(RuntimeError):
            async with in_transaction():
                await Regency.create(code="99.02", name="Dibatalkan", kind=RegencyKind.KOTA, province="X")
                raise RuntimeError("stop")
        assert not await Regency.filter(code="99.02").exists()
        assert client.acquired == 1
    finally:
        connections.reset(token)
        await client.release()


class _outside_of_transaction:
    """Within ``in_transaction()``, run the block with the request's client (not the transaction's) in the slot,
    as a sibling resolver that started before the transaction would have it."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        self.token = connections.set("default", self.client)

    def __exit__(self, *exc):
        connections.reset(self.token)


def test_websockets_and_other_paths_are_left_alone():
    middleware = PinnedConnection(app=None)
    assert middleware._pool_client({"type": "websocket", "path": "/graphql"}) is None
    assert middleware._pool_client({"type": "http", "path": "/admin/complaint/list"}) is None
