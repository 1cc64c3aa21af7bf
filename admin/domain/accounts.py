"""The account pages: list (with each account's roles), create, change role/regency/password/active flag, delete.

``User`` is a declared model, so its menu entry and its scope come from the
registry like every other model's: the list shows the accounts the caller may
read (``permissions.rows``), and ``/user/list`` here takes the place of the
generated list page. Every write calls ``services.users`` (which checks ``User``
create/update/delete in the policy, moves the account role assignment, refuses to
remove the last administrator and writes the audit log, source ``admin``), so the
panel and the API's user mutations behave the same; a change applies on the next
request.

People, not the API, fill these forms: a new account's role defaults to the least
powerful one, a password is typed twice, a refused form comes back as it was typed
with the message under its field, and deleting an account asks first (a ``<dialog>``,
or without JavaScript a confirmation page: the delete runs only with ``confirmed=yes``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import i18n
from admin.context import Panel, csrf_checked, requires, signed_in
from admin.domain.policies import CONFIRMED, domain_label, role_label
from admin.rendering import redirect, render_page
from core.errors import BadUserInput, not_found
from permissions import rows as scope

router = APIRouter()
BASE = "/user"
MODEL = "User"
#: The API's field names in service errors → the form's input names.
FORM_FIELDS = {"regencyCode": "regency_code", "isActive": "is_active"}


@dataclass
class Account:
    """An account as the pages show it: the row, and its role as read from the policy store."""

    user: Any  # models.User, its regency fetched
    role: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)

    @property
    def role_label(self) -> str:
        return role_label(self.role) if self.role else ""


async def _accounts(queryset) -> list[tuple[Account, list[tuple[str, str]]]]:
    from services.users import grants_of_users, shown_role

    rows = await queryset.prefetch_related("regency")
    grants = await grants_of_users(u.username for u in rows)
    return [
        (Account(u, shown_role(grants[u.username], u.regency.code if u.regency else None)), grants[u.username])
        for u in rows
    ]


async def _choices(panel: Panel, action: str) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str]]]:
    """(role, label, held in every regency) least powerful first, and (label, code) of the regencies the caller
    may place accounts in."""
    from models import Regency
    from services.users import ACCOUNT_ROLES

    decision = panel.access.decide(MODEL, action)
    # ACCOUNT_ROLES is in order of precedence, most powerful first; a caller whose grant is
    # limited to some regencies can only hand out roles held in a regency.
    roles = [r for r in reversed(ACCOUNT_ROLES) if decision.everywhere or not ACCOUNT_ROLES[r]]
    query = Regency.all().order_by("name")
    if not decision.everywhere:
        query = query.filter(code__in=sorted(decision.regencies))
    regencies = [(f"{r.name} ({r.code})", r.code) for r in await query]
    return [(r, role_label(r), ACCOUNT_ROLES[r]) for r in roles], regencies


async def _list(request: Request, panel: Panel, *, error: str | None = None, status_code: int = 200) -> Response:
    from models import Regency

    accounts = await _accounts(scope.rows(panel.registry[MODEL], panel.access, "read").order_by("username"))
    regencies = dict(await Regency.all().values_list("code", "name"))
    return render_page(request, "simpul/users.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"),
        "users": [(a, [(role_label(r), domain_label(d, regencies)) for r, d in grants]) for a, grants in accounts],
        "can_create": panel.access.decide(MODEL, "create").allowed,
        "can_update": panel.access.decide(MODEL, "update").allowed,
        "can_delete": panel.access.decide(MODEL, "delete").allowed,
        "done": None if error else request.query_params.get("done"),
        "error": error,
        "me": panel.user.pk,
    }, status_code=status_code)


@router.get(BASE + "/list", name="user_list", dependencies=[Depends(requires(MODEL, "read"))])
async def user_list(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    return await _list(request, panel)


async def _form(request: Request, panel: Panel, user=None, *, error: BadUserInput | None = None,
                values: dict | None = None, status_code: int = 200):
    roles, regencies = await _choices(panel, "update" if user is not None else "create")
    if user is not None and user.role and user.role not in {r for r, _, _ in roles}:
        roles.append((user.role, role_label(user.role), False))  # shown as it is, even if the caller could not give it
    field = None
    if error is not None:
        named = error.extensions.get("field")
        field = FORM_FIELDS.get(named, named)
    return render_page(request, "simpul/user_form.html", {
        "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"),
        "user": user, "roles": roles, "regencies": regencies,
        "error": i18n.error_text(error) if error is not None else None, "error_field": field,
        "values": values or {},
    }, status_code=status_code)


async def _account_in_scope(panel: Panel, user_id: str, action: str) -> Account:
    """The account, or 404 when absent or outside the caller's scope for ``action``."""
    row = await scope.get_row(panel.registry[MODEL], panel.access, user_id, action)
    if row is None:
        raise not_found(MODEL, user_id)
    return (await _accounts(panel.registry[MODEL].model.filter(pk=row.pk)))[0][0]


def _typed(form) -> dict[str, str]:
    """What the person typed, to show again after a refusal (never the passwords)."""
    return {name: str(form.get(name) or "") for name in ("username", "role", "regency_code")} | {
        "is_active": "on" if form.get("is_active") == "on" else ""}


def _password(form, *, required: bool) -> str | None:
    """The new password (None: keep the old one), once both fields agree.

    A check for people typing into the page's two fields; a form posted without the repeat
    field at all (a script, like the API's single ``password``) is taken as it is.
    """
    password = str(form.get("password") or "")
    if "password_confirm" in form and password != str(form.get("password_confirm") or ""):
        raise BadUserInput("The two passwords differ.", field="password_confirm", reason="PASSWORD_MISMATCH")
    return password if password or required else None


@router.get(BASE + "/create", name="user_create_view", dependencies=[Depends(requires(MODEL, "create"))])
async def user_create_view(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    return await _form(request, panel)


@router.post(BASE + "/create", name="user_create", dependencies=[Depends(requires(MODEL, "create"))])
async def user_create(request: Request, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.users import create_user

    form = await request.form()
    try:
        await create_user(
            panel.access, username=str(form.get("username") or "").strip(), password=_password(form, required=True),
            role=str(form.get("role") or ""), regency_code=str(form.get("regency_code") or "") or None,
            source="admin",
        )
    except BadUserInput as error:
        return await _form(request, panel, error=error, values=_typed(form), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list?done=saved")


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
            password=_password(form, required=False),
            role=role if role and role != account.role else None,
            regency_code=code if code != current_code else None,
            is_active=active if active != account.is_active else None,
            source="admin",
        )
    except BadUserInput as error:
        return await _form(request, panel, account, error=error, values=_typed(form), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list?done=saved")


@router.post(BASE + "/delete/{user_id}", name="user_delete", dependencies=[Depends(requires(MODEL, "delete"))])
async def user_delete(request: Request, user_id: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from services.users import delete_user

    account = await _account_in_scope(panel, user_id, "delete")
    form = await request.form()
    if form.get("confirmed") != CONFIRMED:
        return render_page(request, "simpul/users.html", {
            "page_title": i18n.gettext("users"), "resource_label": i18n.gettext("users"),
            "confirm": {
                "sentence": i18n.gettext("account_confirm_delete") % {
                    "username": account.username, "role": account.role_label or "-"},
                "action": f"{request.app.admin_path}{BASE}/delete/{account.pk}",
                "cancel": f"{request.app.admin_path}{BASE}/list",
            },
        })
    try:
        await delete_user(panel.access, account.pk, source="admin")
    except BadUserInput as error:
        return await _list(request, panel, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list?done=deleted")


def install(app) -> None:
    # The menu entry is the generated one of the User resource (shown to whoever may read accounts).
    if MODEL in app.state.registry:
        app.include_router(router)
