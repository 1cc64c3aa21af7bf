"""Who is asking, on every panel request: their session, their ``User`` and their ``Access``.

Pages depend on :func:`signed_in` (or :func:`csrf_checked` for anything that
writes). The ``Access`` is built afresh for every request with
``permissions.access.access_for``, the same as the GraphQL API, so a changed
role or rule applies on the very next request.

A hand-written page declares what it requires on its route, as the API's
hand-written operations do on their fields (``schema/requires.py``)::

    @router.get("/policy/list", dependencies=[Depends(requires("Policy", "manage"))])

and nothing of the page runs for a caller whose role lacks it (403; a login
redirect when nobody is signed in).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from starlette.status import HTTP_403_FORBIDDEN

from admin.sessions import COOKIE_NAME, CSRF_FIELD, CSRF_HEADER, Session, SessionStore


class LoginRequired(Exception):
    """No signed-in session: the panel answers with a redirect to its login page."""


@dataclass
class Panel:
    request: Request
    session: Session
    user: Any  # models.User
    access: Any  # permissions.access.Access

    @property
    def registry(self):
        return self.request.app.state.registry

    @property
    def resources(self):
        return self.request.app.state.resources


def session_store(request: Request) -> SessionStore:
    return request.app.state.sessions


async def signed_in(request: Request) -> Panel:
    from models import User
    from permissions.access import access_for

    session = await session_store(request).load(request.cookies.get(COOKIE_NAME))
    if session is None or session.user_id is None:
        raise LoginRequired()
    user = await User.get_or_none(pk=session.user_id, is_active=True, session_epoch=session.epoch)
    if user is None:  # removed, deactivated or given a new password since signing in
        await session_store(request).delete(session.token)
        raise LoginRequired()
    request.state.admin = user  # fastapi-admin's avatar template reads it
    panel = Panel(request=request, session=session, user=user, access=await access_for(user))
    request.state.panel = panel
    return panel


async def _submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _forbidden_form() -> HTTPException:
    return HTTPException(status_code=HTTP_403_FORBIDDEN, detail="csrf")


async def csrf_checked(request: Request, panel: Panel = Depends(signed_in)) -> Panel:
    """A signed-in caller whose form carries the session's CSRF token; otherwise 403 and nothing runs."""
    if not panel.session.csrf_matches(await _submitted_csrf(request)):
        raise _forbidden_form()
    return panel


async def login_csrf_checked(request: Request) -> Session:
    """The login form's (anonymous) session, when the form carries its CSRF token."""
    session = await session_store(request).load(request.cookies.get(COOKIE_NAME))
    if session is None or not session.csrf_matches(await _submitted_csrf(request)):
        raise _forbidden_form()
    return session


class Requirement:
    """A FastAPI dependency: the signed-in caller's role may ``action`` the ``obj`` somewhere.

    Also answers whether a menu entry shows (:meth:`allows`), so a page's link and the
    page itself never disagree.
    """

    def __init__(self, obj: str, action: str):
        self.object = obj
        self.action = action

    async def __call__(self, panel: Panel = Depends(signed_in)) -> Panel:
        panel.access.require(self.object, self.action)
        return panel

    def allows(self, access) -> bool:
        return access.decide(self.object, self.action).allowed

    def __repr__(self) -> str:
        return f"requires({self.object!r}, {self.action!r})"


def requires(obj: str, action: str) -> Requirement:
    """What a panel route needs: ``dependencies=[Depends(requires("Policy", "manage"))]``."""
    return Requirement(obj, action)
