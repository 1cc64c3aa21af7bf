"""The one ASGI application: GraphQL at /graphql, the panel at /admin/, health at /health."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route, WebSocketRoute
from tortoise import Tortoise

from admin import create_admin_app
from admin.assets import StaticAssets
from core.database import MODEL_MODULES, tortoise_config
from core.settings import Settings, SettingsError, get_settings
from schema.builder import build_schema
from schema.http import IDE_STATIC, graphql_app
from server.assembly import assemble, prepare_database
from server.middleware import SecurityHeaders, TrustedProxies
from server.pinned_connection import PinnedConnection
from server.health import NOT_MIGRATED, check_health, pending_migrations
from services.agreement_rules import keep_agreements_current

log = logging.getLogger("simpul")


async def health(request: Request) -> JSONResponse:
    """200 when every part is ok; 503 naming the part that is not (a load balancer takes the worker out)."""
    state = await check_health(request.app.state.settings.redis_url)
    body = state.as_json()
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


def refuse_unsafe_settings(settings: Settings) -> None:
    """Settings that would lose data or lock writers out are refused before anything starts."""
    if settings.workers > 1 and not settings.is_postgres:
        raise SettingsError(
            f"WORKERS={settings.workers} needs PostgreSQL: SQLite takes one writer at a time, so several workers "
            "would fail each other's writes with 'database is locked'. Set DATABASE_URL=postgres://… or WORKERS=1."
        )


async def open_database(settings: Settings, model_modules: Sequence[str], registry) -> None:
    """Connect, refuse an unmigrated schema, sync the declared grants; on any failure, close again
    (an open SQLite connection is a thread that would keep a failed process from exiting)."""
    await Tortoise.init(config=tortoise_config(settings.database_url, model_modules))
    try:
        pending = await pending_migrations()
        if pending:
            raise SettingsError(f"{NOT_MIGRATED.capitalize()}; missing: {', '.join(pending)}.")
        await prepare_database(registry)
    except BaseException:
        await Tortoise.close_connections()
        raise


def create_app(
    settings: Settings | None = None,
    model_modules: Sequence[str] = MODEL_MODULES,
    *,
    manage_database: bool = True,
) -> Starlette:
    """Build the application for these model modules.

    ``manage_database=False`` leaves Tortoise to the caller (the tests open one
    database for the whole session).
    """
    settings = settings or get_settings()
    refuse_unsafe_settings(settings)
    registry = assemble(model_modules)
    schema = build_schema(registry)
    graphql = graphql_app(schema, settings, registry)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        housekeeping = None
        if manage_database:
            await open_database(settings, model_modules, registry)
            # Agreements past their end date read EXPIRED from that day on, with no one editing them.
            housekeeping = asyncio.create_task(keep_agreements_current())
        try:
            yield
        finally:
            if housekeeping is not None:
                housekeeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await housekeeping
            if manage_database:
                await Tortoise.close_connections()

    async def sdl(request: Request) -> PlainTextResponse:
        return PlainTextResponse(schema.as_str() + "\n", media_type="text/plain; charset=utf-8")

    routes = [
        Route("/health", health),
        Route("/graphql/schema.graphql", sdl),
        Mount("/graphql/static", app=StaticAssets(IDE_STATIC)),  # GraphiQL's own React and GraphiQL, offline
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Mount("/admin", app=create_admin_app(registry, redis_url=settings.redis_url)),
        Route("/", lambda request: RedirectResponse("/graphql")),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    # A GraphQL query's statements share one pool connection (PostgreSQL; server/pinned_connection.py).
    app.add_middleware(PinnedConnection)
    # Outermost first: the client's real address is known before anything (rate limits) reads it.
    app.add_middleware(SecurityHeaders)
    if settings.forwarded_allow_ips:
        app.add_middleware(TrustedProxies, trusted_hosts=list(settings.forwarded_allow_ips))
    app.state.settings = settings
    app.state.registry = registry
    app.state.schema = schema
    app.state.compiler = graphql.compiler
    return app
