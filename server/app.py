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
from tortoise import Tortoise, connections

from admin import create_admin_app
from core.cache import cache_client, cache_is_up
from core.database import MODEL_MODULES, tortoise_config
from core.settings import Settings, get_settings
from schema.builder import build_schema
from schema.http import graphql_app
from server.assembly import assemble, prepare_database
from services.agreement_rules import keep_agreements_current

log = logging.getLogger("simpul")


async def database_is_up() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "down" for the health check
        return False


async def health(request: Request) -> JSONResponse:
    database = "ok" if await database_is_up() else "down"
    cache = "ok" if await cache_is_up(cache_client(request.app.state.settings.redis_url)) else "down"
    healthy = database == cache == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database, "cache": cache}
    return JSONResponse(body, status_code=200 if healthy else 503)


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
    registry = assemble(model_modules)
    schema = build_schema(registry)
    graphql = graphql_app(schema, settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        housekeeping = None
        if manage_database:
            await Tortoise.init(config=tortoise_config(settings.database_url, model_modules))
            await prepare_database(registry)
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
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Mount("/admin", app=create_admin_app(registry, redis_url=settings.redis_url)),
        Route("/", lambda request: RedirectResponse("/graphql")),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.registry = registry
    app.state.schema = schema
    return app
