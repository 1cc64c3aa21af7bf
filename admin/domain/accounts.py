"""The account pages: list (with each account's roles), create, change role/regency/password/active flag, delete.

``User`` is a declared model, so its menu entry and its scope come from the
registry like every other model's: the list shows the accounts the caller may
read (``permissions.rows``), and ``/user/list`` here takes the place of the
generated list page. Every write calls ``services.users`` (which checks ``User``
create/update/delete in the policy and moves the account role assignment), so the
panel and the API's user mutations behave the same; a change applies on the next
request.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import i18n
from admin.context import Panel, csrf_checked, requires, signed_in
from admin.rendering import redirect, render_page
from core.errors import BadUserInput, not_found
from permissions import rows as scope

router = APIRouter()
BASE = "/user"
MODEL = "User"


@dataclass
class Account:
    """An account as the pages show it: the row, and its role as read from the policy store."""

    user: Any  # models.User, its regency fetched
    role: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


async def _accounts(queryset) -> list[tuple[Account, list[tuple[str, str]]]]:
    from services.users import grants_of_users, shown_role

    rows = await queryset.prefetch_related("regency")
    grants = await grants_of_users(u.username for u in rows)
    return [
        (Account(u, shown_role(grants[u.username], u.regency.code if u.regency else None)), grants[u.username])
        for u in rows
    ]


async def _choices():
    from models import Regency
    from services.users import ACCOUNT_ROLES

    regencies = [(f"{r.name} ({r.code})", r.code) for r in await Regency.all().order_by("code")]
    return list(ACCOUNT_ROLES), regencies


@router.get(BASE + "/list", name="user_list", dependencies=[Depends(requires(MODEL, "read"))])
async def user_list(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    accounts = await _accounts(scope.rows(panel.registry[MODEL], panel.access, "read").order_by("username"))
    return render_page(request, "simpul/users.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"), "users": accounts,
        "can_create": panel.access.decide(MODEL, "create").allowed,
        "can_delete": panel.access.decide(MODEL, "delete").allowed,
    })


async def _form(request: Request, panel: Panel, user=None, *, error: str | None = None, status_code: int = 200):
    roles, regencies = await _choices()
    return render_page(request, "simpul/user_form.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"),
        "user": user, "roles": roles, "regencies": regencies, "error": error,
    }, status_code=status_code)


async def _account_in_scope(panel: Panel, user_id: str, action: str) -> Account:
    """The account, or 404 when absent or outside the caller's scope for ``action``."""
    row = await scope.get_row(panel.registry[MODEL], panel.access, user_id, action)
    if row is None:
        raise not_found(MODEL, user_id)
    return (await _accounts(panel.registry[MODEL].model.filter(pk=row.pk)))[0][0]


@router.get(BASE + "/create", name="user_create_view", dependencies=[Depends(requires(MODEL, "create"))])
async def user_create_view(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    return await _form(request, panel)


@router.post(BASE + "/create", name="user_create", dependencies=[Depends(requires(MODEL, "create"))])
async def user_create(request: Request, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.users import create_user

    form = await request.form()
    try:
        await create_user(
            panel.access, username=str(form.get("username") or ""), password=str(form.get("password") or ""),
            role=str(form.get("role") or ""), regency_code=str(form.get("regency_code") or "") or None,
        )
    except BadUserInput as error:
        return await _form(request, panel, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


@router.get(BASE + "/update/{user_id}", name="user_update_view", dependencies=[Depends(requires(MODEL, "update"))])
async def user_update_view(request: Request, user_id: str, panel: Panel = Depends(signed_in)) -> Response:
    return await _form(request, panel, await _account_in_scope(panel, user_id, "update"))


@router.post(BASE + "/update/{user_id}", name="user_update", dependencies=[Depends(requires(MODEL, "update"))])
async def user_update(request: Request, user_id: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.users import update_user

    account = await _account_in_scope(panel, user_id, "update")
    form = await request.form()
    role = str(form.get("role") or "")
    code = str(form.get("regency_code") or "") or None
    active = form.get("is_active") == "on"
    current_code = account.regency.code if account.regency else None
    try:
        await update_user(
            panel.access, account.pk,
            password=str(form.get("password")) if form.get("password") else None,
            role=role if role and role != account.role else None,
            regency_code=code if code != current_code else None,
            is_active=active if active != account.is_active else None,
        )
    except BadUserInput as error:
        return await _form(request, panel, account, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


@router.post(BASE + "/delete/{user_id}", name="user_delete", dependencies=[Depends(requires(MODEL, "delete"))])
async def user_delete(request: Request, user_id: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.users import delete_user

    account = await _account_in_scope(panel, user_id, "delete")
    try:
        await delete_user(panel.access, account.pk)
    except BadUserInput as error:
        request.state.error_detail = None
        return render_page(request, "errors/simpul_error.html", {
            "status_code": 400, "error_title": i18n.gettext("error_title"), "error_text": i18n.error_text(error),
        }, status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


def install(app) -> None:
    # The menu entry is the generated one of the User resource (shown to whoever may read accounts).
    if MODEL in app.state.registry:
        app.include_router(router)
