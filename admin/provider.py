"""Sign-in for the panel with the API's own ``User`` accounts (no second admin table).

fastapi-admin's ``UsernamePasswordProvider`` needs its own ``AbstractAdmin`` model and
checks passwords itself; this provider keeps fastapi-admin's login page and paths
(``/admin/login``, ``/admin/logout``) but signs in through
``services.accounts.authenticate`` (bcrypt, throttled per client) and keeps the
session in the shared cache (admin/sessions.py).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi_admin.providers import Provider
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER, HTTP_401_UNAUTHORIZED

from admin import i18n
from admin.context import Panel, csrf_checked, login_csrf_checked, session_store
from admin.rendering import render_page
from admin.sessions import ANONYMOUS_SECONDS, COOKIE_NAME, REMEMBERED_SECONDS, SIGNED_IN_SECONDS
from core.errors import Unauthenticated


def set_session_cookie(request: Request, response: Response, token: str, max_age: int | None) -> None:
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age, path=request.app.admin_path, httponly=True,
        samesite="lax", secure=request.url.scheme == "https",
    )


class SimpulLoginProvider(Provider):
    """fastapi-admin's ``login_provider`` slot (its templates read ``login_path``/``logout_path``)."""

    name = "login_provider"
    login_path = "/login"
    logout_path = "/logout"
    template = "providers/login/login.html"

    def install(self, app) -> None:
        setattr(app, self.name, self)
        router = APIRouter()
        router.add_api_route(self.login_path, self.login_view, methods=["GET"], name="login_view")
        router.add_api_route(self.login_path, self.login, methods=["POST"], name="login")
        router.add_api_route(self.logout_path, self.logout, methods=["POST"], name="logout")
        app.include_router(router)

    async def login_view(self, request: Request) -> Response:
        store = session_store(request)
        session = await store.load(request.cookies.get(COOKIE_NAME))
        if session is not None and session.user_id is not None:
            return RedirectResponse(request.app.admin_path + "/", status_code=HTTP_303_SEE_OTHER)
        if session is None:
            session = await store.create(None, ANONYMOUS_SECONDS)
        response = self._login_page(request, session.csrf)
        set_session_cookie(request, response, session.token, None)
        return response

    async def login(self, request: Request, session=Depends(login_csrf_checked)) -> Response:
        from services.accounts import authenticate

        form = await request.form()
        username = str(form.get("username") or "")
        password = str(form.get("password") or "")
        try:
            user = await authenticate(username, password, request.client.host if request.client else None)
        except Unauthenticated:
            return self._login_page(request, session.csrf, error=i18n.gettext("login_failed"),
                                    status_code=HTTP_401_UNAUTHORIZED)
        store = session_store(request)
        await store.delete(session.token)
        remember = form.get("remember_me") == "on"
        ttl = REMEMBERED_SECONDS if remember else SIGNED_IN_SECONDS
        signed_in = await store.create(user.pk, ttl, epoch=user.session_epoch)
        response = RedirectResponse(request.app.admin_path + "/", status_code=HTTP_303_SEE_OTHER)
        set_session_cookie(request, response, signed_in.token, ttl if remember else None)
        return response

    async def logout(self, request: Request, panel: Panel = Depends(csrf_checked)) -> Response:
        await session_store(request).delete(panel.session.token)
        response = RedirectResponse(request.app.admin_path + self.login_path, status_code=HTTP_303_SEE_OTHER)
        response.delete_cookie(COOKIE_NAME, path=request.app.admin_path)
        return response

    def _login_page(self, request: Request, csrf: str, *, error: str | None = None, status_code: int = 200):
        return render_page(
            request, self.template,
            {"login_title": i18n.gettext("login_title"), "error": error, "csrf_token": csrf},
            status_code=status_code,
        )
