"""How many WebSockets one worker serves, how many one client may hold, how many operations run on one.

Three caps (core/settings.py), each refused the way the protocol lets a client see why:

- ``MAX_WEBSOCKETS`` per worker process and ``MAX_WEBSOCKETS_PER_CLIENT`` per client
  address: a connection beyond either is accepted and closed at once with
  ``4429 Too many connections …`` (closing before accepting would reach a browser as a
  bare failed handshake, without code or reason).
- ``MAX_SUBSCRIPTIONS_PER_CONNECTION``: a ``subscribe`` beyond it gets a
  graphql-transport-ws ``error`` message coded ``BAD_USER_INPUT`` (reason
  ``TOO_MANY_SUBSCRIPTIONS``); the connection and its other operations go on.

The counts live in the memory of one worker process: with several workers a client
may hold up to ``workers × MAX_WEBSOCKETS_PER_CLIENT`` sockets in the worst case.
The client address is ``scope["client"]``, already resolved through the trusted
proxies (server/middleware.py); a connection whose address is unknown counts only
towards the worker's cap.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

#: graphql-transport-ws uses 4429 for "too many" (its own: too many initialisation requests).
TOO_MANY_CONNECTIONS = 4429


class ConnectionCounter:
    """Open WebSockets of this worker process, in total and per client address."""

    def __init__(self, *, per_client: int, total: int):
        self.per_client = per_client
        self.total = total
        self._open = 0
        self._by_client: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return self._open

    def admit(self, address: str | None) -> str | None:
        """Count a new connection from ``address``; or, over a cap, count nothing and say why (a close reason)."""
        if self._open >= self.total:
            return f"Too many connections to this server (at most {self.total}); try again later."
        if address is not None and self._by_client[address] >= self.per_client:
            return f"Too many connections from your address (at most {self.per_client}); close one first."
        self._open += 1
        if address is not None:
            self._by_client[address] += 1
        return None

    def release(self, address: str | None) -> None:
        """The connection admitted for ``address`` ended."""
        self._open -= 1
        if address is not None:
            self._by_client[address] -= 1
            if self._by_client[address] <= 0:
                del self._by_client[address]


async def refuse_connection(scope, receive, send, reason: str) -> None:
    """Accept the handshake (in the client's subprotocol) and close at once with 4429 and ``reason``."""
    websocket = WebSocket(scope, receive, send)
    offered = scope.get("subprotocols") or []
    subprotocol = GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered else None
    await websocket.accept(subprotocol=subprotocol)
    await websocket.close(code=TOO_MANY_CONNECTIONS, reason=reason)


class LimitedTransportWSHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's graphql-transport-ws handler, whose per-connection cap answers with a coded error.

    Strawberry's own check (the same count: every operation in flight on the connection)
    sends ``Subscription limit reached`` without ``extensions.code``; the contract wants one.
    """

    async def handle_subscribe(self, message: Any) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            limit is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            await self.send_message({
                "id": message["id"],
                "type": "error",
                "payload": [{
                    "message": f"This connection already runs {limit} operations, the most one connection may; "
                    "complete one first (or open another connection).",
                    "extensions": {
                        "code": "BAD_USER_INPUT", "reason": "TOO_MANY_SUBSCRIPTIONS", "params": {"limit": limit},
                    },
                }],
            })
            return
        await super().handle_subscribe(message)
