"""Policy rules and role assignments, for whoever may ``manage`` the ``Policy`` (Kominfo admins).

Calls ``permissions.management``; every change bumps the shared policy revision,
so it applies on the next request in every worker.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import i18n
from admin.context import csrf_checked, requires
from admin.rendering import redirect, render_page
from admin.resources import DomainPage
from core.errors import BadUserInput

router = APIRouter()
BASE = "/policy"
MANAGE_POLICY = requires("Policy", "manage")
#: form fields → management function arguments, per change the page offers.
CHANGES = {
    "add-rule": ("add_rule", ("role", "domain", "object", "action")),
    "remove-rule": ("remove_rule", ("role", "domain", "object", "action")),
    "assign-role": ("assign_role", ("username", "role", "domain")),
    "revoke-role": ("revoke_role", ("username", "role", "domain")),
}


async def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    from models import User
    from permissions import management
    from permissions.terms import ACTIONS, ANY

    assignments = []
    for username in await User.all().order_by("username").values_list("username", flat=True):
        assignments += [(username, role, domain) for role, domain in await management.roles_of(username)]
    registry = request.app.state.registry
    return render_page(request, "simpul/policies.html", {
        "page_title": i18n.gettext("policies"), "resource_label": i18n.gettext("policies"),
        "rules": await management.list_rules(), "assignments": assignments, "error": error,
        "objects": [ANY, *management.policy_objects(registry)], "actions": [ANY, *ACTIONS],
    }, status_code=status_code)


@router.get(BASE + "/list", name="policy_list", dependencies=[Depends(MANAGE_POLICY)])
async def policy_list(request: Request) -> Response:
    return await _page(request)


@router.post(BASE + "/{change}", name="policy_change", dependencies=[Depends(MANAGE_POLICY), Depends(csrf_checked)])
async def policy_change(request: Request, change: str) -> Response:
    from fastapi import HTTPException

    from permissions import management

    if change not in CHANGES:
        raise HTTPException(status_code=404)
    function, names = CHANGES[change]
    form = await request.form()
    values = [str(form.get(n) or "").strip() for n in names]
    extra = {"registry": request.app.state.registry} if function == "add_rule" else {}
    try:
        await getattr(management, function)(*values, **extra)
    except BadUserInput as error:
        return await _page(request, error=i18n.error_text(error), status_code=HTTP_400_BAD_REQUEST)
    return redirect(request.app.admin_path + BASE + "/list")


def install(app) -> None:
    app.state.resources.add_page(DomainPage(
        url=BASE + "/list", label_key="policies", icon="fas fa-user-shield",
        visible_to=MANAGE_POLICY.allows,
    ))
    app.include_router(router)
