"""The admin panel mounted the way core/app.py mounts it, and a browser-like client for it."""
from __future__ import annotations

import re
from collections.abc import Sequence

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.world import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def admin_asgi(model_modules: Sequence[str] = ("models",)) -> Starlette:
    """A Starlette app with only the panel at /admin (Tortoise is initialised by conftest)."""
    from admin import create_admin_app
    from models.registry import registry_from_modules

    return Starlette(routes=[Mount("/admin", app=create_admin_app(registry_from_modules(list(model_modules))))])


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


class AdminClient:
    """A person at a browser: cookies kept, redirects not followed (tests look at them)."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        page = await self.http.get("/admin/login")
        return await self.http.post("/admin/login", data={
            "username": username, "password": password, "csrf_token": csrf_of(page.text),
        })

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def csrf(self) -> str:
        return csrf_of((await self.http.get("/admin/")).text)

    async def post(self, path: str, data: dict | list | None = None, *, csrf: bool | str = True) -> httpx.Response:
        """POST a form; ``csrf=True`` adds this session's token, a string sends that token, False none."""
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf is True:
            fields.append(("csrf_token", await self.csrf()))
        elif isinstance(csrf, str):
            fields.append(("csrf_token", csrf))
        return await self.http.post(path, content=_as_form(fields), headers={"content-type": "application/x-www-form-urlencoded"})


def _as_form(fields: list[tuple[str, object]]) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, "" if v is None else str(v)) for k, v in fields])


def client_for(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", follow_redirects=False)
