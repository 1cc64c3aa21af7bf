"""HTTP and WebSocket transport of the GraphQL API: who is calling, and the per-request context."""
from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.errors import Unauthenticated
from core.settings import Settings
from schema.context import Context
from services.tokens import subject_of_authorization


def client_address(connection: HTTPConnection) -> str | None:
    return connection.client.host if connection.client else None


class SimpulGraphQL(GraphQL):
    """Strawberry's ASGI app; a Bearer token that is not ours is refused (401) before anything runs."""

    async def get_context(self, request: HTTPConnection, response: Any) -> Context:
        # The caller's access is resolved after validation (schema/caller.py), not here.
        return Context(request=request, client_address=client_address(request), caller=request.scope.get("simpul.caller"))

    async def on_ws_connect(self, context: Context) -> Any:
        """Subscriptions sign in with `{"Authorization": "Bearer <token>"}` in `connection_init`."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.caller = subject_of_authorization(header)
            await context.resolve_access()
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message, "code": error.code}) from None
        return await super().on_ws_connect(context)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            header = _header(scope, b"authorization")
            try:
                scope["simpul.caller"] = subject_of_authorization(header)
            except Unauthenticated as error:
                response = JSONResponse(
                    {"data": None, "errors": [{"message": error.message, "extensions": {"code": error.code}}]},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def graphql_app(schema, settings: Settings) -> SimpulGraphQL:
    return SimpulGraphQL(
        schema,
        graphql_ide="graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
