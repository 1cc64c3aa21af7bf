"""HTTP and WebSocket transport of the GraphQL API: who is calling, and the per-request context."""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.errors import Unauthenticated
from core.settings import Settings
from schema.caller import close_revoked
from schema.compiled.runner import ReadCompiler
from schema.context import Context
from schema.request_body import RequestRefused, check_graphql_body, read_body
from schema.ws_limits import ConnectionCounter, LimitedTransportWSHandler, refuse_connection
from services import events
from services.tokens import subject_of_authorization

log = logging.getLogger("simpul.compiled")


#: GraphiQL's page and its pinned scripts and styles, served at ``/graphql/static/`` (server/app.py): GraphiQL
#: works without internet (schema/static/vendor/README.md).
IDE_STATIC = Path(__file__).resolve().parent / "static"


def client_address(connection: HTTPConnection) -> str | None:
    return connection.client.host if connection.client else None


class SimpulGraphQL(GraphQL):
    """Strawberry's ASGI app; a Bearer token that is not ours is refused (401) before anything runs.

    WebSockets are capped per worker, per client address and (operations) per connection: schema/ws_limits.py.
    """

    graphql_transport_ws_handler_class = LimitedTransportWSHandler

    def __init__(self, schema, settings: Settings, registry=None, **kwargs: Any):
        super().__init__(schema, **kwargs)
        self.settings = settings
        #: Read queries made of generated fields run as one compiled statement (schema/compiled/).
        self.compiler = ReadCompiler(schema, registry, settings) if registry is not None else None
        #: This worker's open WebSockets (one app per worker process).
        self.websockets = ConnectionCounter(
            per_client=settings.max_websockets_per_client, total=settings.max_websockets
        )

    async def render_graphql_ide(self, request) -> HTMLResponse:
        """GraphiQL from our own copies of React and GraphiQL; strawberry's page loads them from unpkg.com."""
        static = request.scope.get("root_path", "") + "/graphql/static"
        return HTMLResponse((IDE_STATIC / "graphiql.html").read_text(encoding="utf-8").replace("{{STATIC}}", static))

    async def get_context(self, request: HTTPConnection, response: Any) -> Context:
        # The caller's access is resolved after validation (schema/caller.py), not here.
        return Context(
            request=request, client_address=client_address(request), caller=request.scope.get("simpul.caller"),
            transport="websocket" if request.scope["type"] == "websocket" else "http",
            operation_name_given=request.scope.get("simpul.operation_name_given"),
        )

    async def on_ws_connect(self, context: Context) -> Any:
        """Subscriptions sign in with `{"Authorization": "Bearer <token>"}` in `connection_init`."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.caller = subject_of_authorization(header)
            await context.resolve_access()
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message, "code": error.code}) from None
        if context.caller is not None:
            watcher = asyncio.create_task(_close_when_revoked(context.request, context.caller.user_id))
            context.request.scope.setdefault("simpul.watchers", []).append(watcher)
        return await super().on_ws_connect(context)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            address = scope["client"][0] if scope.get("client") else None
            refusal = self.websockets.admit(address)
            if refusal is not None:
                await refuse_connection(scope, receive, send, refusal)
                return
            try:
                await super().__call__(scope, receive, send)
            finally:
                self.websockets.release(address)
                for watcher in scope.get("simpul.watchers", []):
                    watcher.cancel()
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        body = None
        try:
            if scope["method"] == "POST":
                raw = await read_body(scope, receive, self.settings.max_body_bytes)
                body = check_graphql_body(scope, raw, self.settings)
                scope["simpul.operation_name_given"] = body.operation_name_given
                receive = _replay(body.raw)
        except RequestRefused as refused:
            await refused.response()(scope, receive, send)
            return
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
        if body is not None and self.compiler is not None and self.compiler.enabled:
            answer = await self.compiler.answer(body.payload, scope["simpul.caller"])
            if answer is not None:
                if self.compiler.mode == "verify":
                    scope["simpul.verify_body"] = body.payload
                    answer = await self._verified(answer, scope, receive)
                await _json_response(answer)(scope, receive, send)
                return
        await super().__call__(scope, receive, _graphql_shaped_errors(send))

    async def _verified(self, compiled: bytes, scope, receive) -> bytes:
        """GRAPHQL_COMPILE=verify: the interpreted answer too; a difference is an error, never a silent answer."""
        sent: list[dict] = []

        async def keep(message: dict) -> None:
            sent.append(message)

        await super().__call__(scope, receive, _graphql_shaped_errors(keep))
        interpreted = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        if json.loads(interpreted) == json.loads(compiled):
            return compiled
        log.error("compiled and interpreted answers differ for %s\ncompiled:    %s\ninterpreted: %s",
                  json.dumps(scope.get("simpul.verify_body"))[:2000], compiled[:4000], interpreted[:4000])
        return json.dumps({"errors": [{
            "message": "The compiled and interpreted answers differ (GRAPHQL_COMPILE=verify); see the log.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }]}).encode()


async def _close_when_revoked(websocket, user_id: int) -> None:
    """Close the socket (4403) the moment its user's sessions are revoked, subscriptions and all.

    Every socket of the worker listens through one shared subscription (services/events.py)."""
    if await events.until_revoked(user_id):
        await close_revoked(websocket)


def _json_response(body: bytes) -> Response:
    # A verify-mode difference is reported as a server error.
    status = 500 if body.startswith(b'{"errors"') else 200
    return Response(body, status_code=status, media_type="application/json")


def _replay(raw: bytes):
    """A ``receive`` that hands Strawberry the body already read (and checked) once."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive


def _graphql_shaped_errors(send):
    """Strawberry answers a few refusals (unknown ``operationName``, a method it does not serve) with
    plain text; give them the contract's shape: a JSON ``errors`` list whose entries carry a code."""
    held: dict | None = None

    async def send_shaped(message: dict) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] >= 400 and content_type.startswith(b"text/plain"):
                held = message
                return
        elif held is not None and message["type"] == "http.response.body":
            code = "INTERNAL_SERVER_ERROR" if held["status"] >= 500 else "BAD_USER_INPUT"
            text = message.get("body", b"").decode("utf-8", "replace") if held["status"] < 500 else "Internal server error."
            body = json.dumps({"errors": [{"message": text, "extensions": {"code": code}}]}).encode()
            headers = [(k, v) for k, v in held.get("headers", []) if k not in (b"content-type", b"content-length")]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await send(message)

    return send_shaped


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def graphql_app(schema, settings: Settings, registry=None) -> SimpulGraphQL:
    return SimpulGraphQL(
        schema,
        settings,
        registry,
        graphql_ide="graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
    )
