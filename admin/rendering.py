"""Pages and error pages, rendered with fastapi-admin's Jinja environment and layout.

Everything goes through Starlette's current ``TemplateResponse(request, name, context)``
(see admin/compat.py). Every page gets the caller's menu and CSRF token; an error
page never shows a traceback.
"""
from __future__ import annotations

import logging
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi_admin.template import templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from admin import i18n
from core.errors import Forbidden, NotFound, Unauthenticated

log = logging.getLogger("simpul.admin")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def setup_templates() -> None:
    """Put our overrides in front of fastapi-admin's templates and install per-request gettext."""
    search_path = templates.env.loader.searchpath
    if str(TEMPLATES) not in search_path:
        search_path.insert(0, str(TEMPLATES))
    i18n.install(templates.env)


def render_page(request: Request, name: str, context: dict | None = None, *, status_code: int = 200) -> Response:
    panel = getattr(request.state, "panel", None)
    base = {
        "resources": panel.resources.menu(panel.access) if panel else [],
        "csrf_token": panel.session.csrf if panel else "",
        "panel": panel,
        "title": i18n.gettext("panel_title"),
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=HTTP_303_SEE_OTHER)


def error_page(request: Request, status_code: int) -> Response:
    kind = {401: "not_found", 403: "forbidden", 404: "not_found"}.get(status_code, "error")
    context = {
        "status_code": status_code,
        "error_title": i18n.gettext(f"{kind}_title"),
        "error_text": i18n.gettext("csrf_failed") if status_code == 403 and _is_csrf(request) else i18n.gettext(f"{kind}_text"),
    }
    return render_page(request, "errors/simpul_error.html", context, status_code=status_code)


def _is_csrf(request: Request) -> bool:
    return getattr(request.state, "error_detail", None) == "csrf"


def install_error_pages(app) -> None:
    from admin.context import LoginRequired

    async def login_required(request: Request, exc: Exception) -> Response:
        return redirect(request.app.admin_path + request.app.login_provider.login_path)

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        request.state.error_detail = exc.detail
        return error_page(request, exc.status_code)

    async def api_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Unauthenticated):
            return await login_required(request, exc)
        return error_page(request, 404 if isinstance(exc, NotFound) else 403)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("admin panel error on %s %s", request.method, request.url.path)
        return error_page(request, 500)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HTTPException, http_error)
    for error in (NotFound, Forbidden, Unauthenticated):
        app.add_exception_handler(error, api_error)
    app.add_exception_handler(Exception, internal_error)
