"""One PostgreSQL connection for the whole of a GraphQL read, instead of one from the pool per statement.

A read runs several statements (the caller's account, the list, its count, one per relation
level); Tortoise takes each from the pool and gives it back. Registered as the outermost
middleware but one (``app.add_middleware(PinnedConnection)``), this puts a client in Tortoise's
per-task connection slot (the one ``in_transaction`` uses) for each HTTP request to ``/graphql``,
which takes one pool connection at the request's first statement and keeps it to the end.

Only a **query** is pinned, once ``DocumentRules`` has said which operation the request runs
(``OPERATION_TYPE`` in the scope): before that, and for a mutation, every statement takes its own
connection from the pool as without this module. A mutation may wait with nothing to send the
database: a sign-in checks bcrypt for a quarter of a second and a throttled one sleeps up to
4 s; holding a connection meanwhile would let a guessing client drain the pool. WebSockets
(subscriptions) are never pinned; SQLite has no pool and is left alone.

Statements of one request share the connection one at a time (graphql-core runs sibling fields
concurrently; asyncpg runs one statement per connection). A transaction opened during a pinned
read runs on the pinned connection; statements of the same request outside it meanwhile take
connections from the pool, as before, so none of them waits for the transaction or joins it.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext
from tortoise.exceptions import ConfigurationError, TransactionManagementError

from schema.document_rules import OPERATION_TYPE

GRAPHQL_PATH = "/graphql"


class PinnedClient(AsyncpgDBClient):
    """Tortoise's asyncpg client for one request: every statement on one pooled connection, taken lazily.

    ``wanted()`` says whether pinning applies yet; when it does not, or the client was released, or a
    transaction holds the connection, a statement goes to the pool like the parent client's own.
    """

    def __init__(self, parent: AsyncpgDBClient, wanted: Callable[[], bool]) -> None:  # noqa: D107
        # The parent's settings, executor and capabilities as they are (like Tortoise's TransactionWrapper,
        # without running the connection set-up of __init__).
        self.__dict__.update(parent.__dict__)
        self._parent = parent
        self._wanted = wanted
        self._lock = asyncio.Lock()
        self._connection = None
        self._lent = False  # a transaction runs on the pinned connection
        self._released = False
        #: How many times this request took a connection from the pool for itself (tests read it).
        self.acquired = 0

    def pinning(self) -> bool:
        return not self._released and not self._lent and self._wanted()

    def acquire_connection(self):
        return _Statement(self)

    def _in_transaction(self) -> TransactionContext:
        if not self.pinning():
            return self._parent._in_transaction()
        return _TransactionOnPinned(self)

    async def _take(self) -> Any:
        """The pinned connection, taken from the pool on first use. Call with ``_lock`` held."""
        if self._connection is None:
            parent = self._parent
            if not parent._pool:
                async with parent._pool_init_lock:
                    if not parent._pool:
                        await parent.create_connection(with_db=True)
            self._connection = await parent._pool.acquire()
            self.acquired += 1
        return self._connection

    async def release(self) -> None:
        """Give the connection back; anything of this request still running goes to the pool from now on."""
        self._released = True
        async with self._lock:  # a statement still on it (a loader of a cancelled request) finishes first
            connection, self._connection = self._connection, None
        if connection is not None:
            await self._parent._pool.release(connection)


class _Statement:
    """``async with client.acquire_connection() as connection``: the pinned connection, or the pool's."""

    __slots__ = ("client", "pooled")

    def __init__(self, client: PinnedClient) -> None:
        self.client = client
        self.pooled = None

    async def __aenter__(self) -> Any:
        client = self.client
        if client.pinning():
            await client._lock.acquire()
            if client.pinning():  # still: a transaction may have taken the connection while we waited
                try:
                    return await client._take()
                except BaseException:
                    client._lock.release()
                    raise
            client._lock.release()
        self.pooled = client._parent.acquire_connection()
        return await self.pooled.__aenter__()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self.pooled is not None:
            await self.pooled.__aexit__(exc_type, exc, tb)
        else:
            self.client._lock.release()


class _TransactionOnPinned(TransactionContext):
    """``in_transaction()`` during a pinned read: BEGIN … COMMIT on the pinned connection (Tortoise's
    ``TransactionContextPooled`` without taking another connection from the pool)."""

    def __init__(self, client: PinnedClient) -> None:
        self.pinned = client
        self.client: TransactionWrapper | None = None
        self.token = None
        self.elsewhere: TransactionContext | None = None

    async def __aenter__(self) -> TransactionWrapper:
        pinned = self.pinned
        async with pinned._lock:  # no statement of the request is on the connection now
            if not pinned.pinning():  # another transaction took it meanwhile: this one uses the pool
                self.elsewhere = pinned._parent._in_transaction()
            else:
                await pinned._take()
                pinned._lent = True
        if self.elsewhere is not None:
            return await self.elsewhere.__aenter__()
        self.client = TransactionWrapper(pinned)
        self.token = connections.set(pinned.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            self._give_back()
            raise
        return self.client

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self.elsewhere is not None:
            await self.elsewhere.__aexit__(exc_type, exc, tb)
            return
        try:
            if not self.client._finalized:
                if exc_type is None:
                    await self.client.commit()
                elif exc_type is not TransactionManagementError:  # a failed transaction cannot roll back
                    await self.client.rollback()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        connections.reset(self.token)
        self.pinned._lent = False


class PinnedConnection:
    """ASGI middleware: a :class:`PinnedClient` for each HTTP request to ``/graphql`` on PostgreSQL."""

    def __init__(self, app: ASGIApp, connection_name: str = "default") -> None:  # noqa: D107
        self.app = app
        self.connection_name = connection_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parent = self._pool_client(scope)
        if parent is None:
            await self.app(scope, receive, send)
            return
        client = PinnedClient(parent, lambda: scope.get(OPERATION_TYPE) == "query")
        token = connections.set(self.connection_name, client)
        try:
            await self.app(scope, receive, send)
        finally:
            connections.reset(token)
            await client.release()

    def _pool_client(self, scope: Scope) -> AsyncpgDBClient | None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") != GRAPHQL_PATH:
            return None
        try:
            client = connections.get(self.connection_name)
        except ConfigurationError:  # no database configured (an app built without one)
            return None
        # Exactly the pool client: not SQLite, and not a request already inside someone's transaction.
        return client if type(client) is AsyncpgDBClient else None
