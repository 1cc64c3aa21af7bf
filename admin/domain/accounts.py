"""Users, for Kominfo admins: list, create, change role/regency/password/active flag, delete.

Every write calls ``services.accounts`` (which checks ``User`` create/update/delete in
the policy and keeps the primary role assignment in step), so the panel and the
API's user mutations behave the same; a change applies on the next request.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import i18n
from admin.context import Panel, csrf_checked, signed_in
from admin.rendering import redirect, render_page
from admin.resources import DomainPage
from core.errors import BadUserInput, not_found

router = APIRouter()
BASE = "/user"


def _visible_users(access):
    from models import User

    decision = access.require("User", "read")
    queryset = User.all().prefetch_related("regency").order_by("username")
    return queryset if decision.everywhere else queryset.filter(regency__code__in=sorted(decision.regencies))


async def _choices():
    from models import Regency
    from services.accounts import ACCOUNT_ROLES

    regencies = [(f"{r.name} ({r.code})", r.code) for r in await Regency.all().order_by("code")]
    return list(ACCOUNT_ROLES), regencies


@router.get(BASE + "/list", name="user_list")
async def user_list(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    from permissions.management import roles_of

    users = await _visible_users(panel.access)
    rows = [(u, await roles_of(u.username)) for u in users]
    return render_page(request, "simpul/users.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"), "users": rows,
        "can_create": panel.access.decide("User", "create").allowed,
        "can_delete": panel.access.decide("User", "delete").allowed,
    })


async def _form(request: Request, panel: Panel, user=None, *, error: str | None = None, status_code: int = 200):
    roles, regencies = await _choices()
    return render_page(request, "simpul/user_form.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"),
        "user": user, "roles": roles, "regencies": regencies, "error": error,
    }, status_code=status_code)


async def _user_in_scope(panel: Panel, user_id: str):
    try:
        pk = int(user_id)
    except ValueError:
        raise not_found("User", user_id) from None
    user = await _visible_users(panel.access).filter(pk=pk).first()
    if user is None:
        raise not_found("User", user_id)
    return user


@router.get(BASE + "/create", name="user_create_view")
async def user_create_view(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    panel.access.require("User", "create")
    return await _form(request, panel)


@router.post(BASE + "/create", name="user_create")
async def user_create(request: Request, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.accounts import create_user

    form = await request.form()
    try:
        await create_user(
            panel.access, username=str(form.get("username") or ""), password=str(form.get("password") or ""),
            role=str(form.get("role") or ""), regency_code=str(form.get("regency_code") or "") or None,
        )
    except BadUserInput as error:
        return await _form(request, panel, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


@router.get(BASE + "/update/{user_id}", name="user_update_view")
async def user_update_view(request: Request, user_id: str, panel: Panel = Depends(signed_in)) -> Response:
    return await _form(request, panel, await _user_in_scope(panel, user_id))


@router.post(BASE + "/update/{user_id}", name="user_update")
async def user_update(request: Request, user_id: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.accounts import update_user

    user = await _user_in_scope(panel, user_id)
    form = await request.form()
    role = str(form.get("role") or "")
    code = str(form.get("regency_code") or "") or None
    active = form.get("is_active") == "on"
    current_code = user.regency.code if user.regency else None
    try:
        await update_user(
            panel.access, user.pk,
            password=str(form.get("password")) if form.get("password") else None,
            role=role if role and role != user.role else None,
            regency_code=code if code != current_code else None,
            is_active=active if active != user.is_active else None,
        )
    except BadUserInput as error:
        return await _form(request, panel, user, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


@router.post(BASE + "/delete/{user_id}", name="user_delete")
async def user_delete(request: Request, user_id: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.accounts import delete_user

    user = await _user_in_scope(panel, user_id)
    try:
        await delete_user(panel.access, user.pk)
    except BadUserInput as error:
        request.state.error_detail = None
        return render_page(request, "errors/simpul_error.html", {
            "status_code": 400, "error_title": i18n.gettext("error_title"), "error_text": i18n.error_text(error),
        }, status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


def install(app) -> None:
    app.state.resources.add_page(DomainPage(
        url=BASE + "/list", label_key="users", icon="fas fa-users",
        visible_to=lambda access: access.decide("User", "read").allowed,
    ))
    app.include_router(router)
