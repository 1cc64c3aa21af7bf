"""``create_admin_app(registry)``: the fastapi-admin application the lead mounts at ``/admin``.

We build our own ``FastAPIAdmin`` instance (fastapi-admin's module-level ``app`` keeps
resources in class attributes shared by every instance) and configure it without
its async ``configure()``, so mounting needs no start-up hook:

- templates: fastapi-admin's layout and widgets, with our overrides in front (admin/templates);
- assets: its CSS/JS/fonts served from admin/static at ``/static``, pinned (admin/assets.py);
- language: Indonesian by default, ``?language=en_US`` switches (remembered in a cookie);
- sessions: ``core.cache.cache_client()`` — Redis when REDIS_URL is set, else in-process;
- login: our provider over the API's ``User`` accounts (admin/provider.py);
- pages: domain pages (the dashboard, users, policies, audit, complaint workflow) then the generated ones.
"""
from __future__ import annotations

from admin import compat  # noqa: F401  (must precede every fastapi_admin import)

from fastapi_admin.app import FastAPIAdmin
from starlette.types import ASGIApp, Receive, Scope, Send

from admin import i18n
from admin.assets import mount_static
from admin.domain import accounts, audit, complaints, dashboard, policies
from admin.provider import SimpulLoginProvider
from admin.rendering import install_error_pages, setup_templates
from admin.resources import PanelResources
from admin.routes import router as generated_pages
from admin.sessions import SessionStore
from core.cache import cache_client
from models.registry import Registry

LANGUAGE_COOKIE = "language"


class LanguageMiddleware:
    """Pick the request's language: ``?language=``, else the cookie, else Indonesian."""

    def __init__(self, app: ASGIApp, admin_path: str):
        self.app = app
        self.admin_path = admin_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import HTTPConnection

        connection = HTTPConnection(scope)
        chosen = i18n.supported(connection.query_params.get("language"))
        i18n.set_locale(chosen or connection.cookies.get(LANGUAGE_COOKIE) or i18n.DEFAULT_LOCALE)
        if not chosen:
            return await self.app(scope, receive, send)

        async def remember(message):
            if message["type"] == "http.response.start":
                cookie = f"{LANGUAGE_COOKIE}={chosen}; Path={self.admin_path}; Max-Age=31536000; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, remember)


def create_admin_app(registry: Registry, *, admin_path: str = "/admin", redis_url: str | None = None) -> ASGIApp:
    """The panel for the models of ``registry``; mount it at ``admin_path``.

    ``redis_url`` defaults to the settings' REDIS_URL (None there = in-process sessions).
    Tortoise must be initialised by the host application.
    """
    setup_templates()
    app = FastAPIAdmin(title="Simpul", docs_url=None, redoc_url=None, openapi_url=None)
    # Instance attributes: fastapi-admin declares these on the class, shared by every instance.
    app.resources, app.model_resources = [], {}
    app.admin_path = admin_path
    app.language_switch = True
    app.logo_url = None
    app.favicon_url = None
    app.redis = cache_client(redis_url) if redis_url is not None else cache_client()
    app.state.registry = registry
    app.state.resources = PanelResources.from_registry(registry, admin_path)
    app.state.sessions = SessionStore(app.redis)
    mount_static(app)
    SimpulLoginProvider().install(app)
    # The dashboard first: its "/" (Beranda) comes before the generated pages' plain welcome.
    for domain in (dashboard, complaints, accounts, policies, audit):
        domain.install(app)
    app.include_router(generated_pages)
    install_error_pages(app)
    app.add_middleware(LanguageMiddleware, admin_path=admin_path)
    return app
