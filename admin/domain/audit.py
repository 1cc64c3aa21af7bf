"""The audit log, for whoever may ``manage`` the ``Policy`` (Kominfo admins): who changed what, when, from where.

Entries hold personal data in their before/after values, hence the same
restriction as the policy pages.
"""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from admin import clock, i18n
from admin.context import requires
from admin.rendering import render_page
from admin.resources import DomainPage

router = APIRouter()
BASE = "/audit"
#: Entries hold personal data: the same requirement as the policy pages.
MANAGE_POLICY = requires("Policy", "manage")
PAGE_SIZE = 25


def _pretty(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


@router.get(BASE + "/list", name="audit_list", dependencies=[Depends(MANAGE_POLICY)])
async def audit_list(request: Request) -> Response:
    from models import AuditEntry

    queryset = AuditEntry.all()
    chosen = {}
    for name in ("model", "action", "actor_name", "object_id"):
        value = request.query_params.get(name, "").strip()
        if value:
            queryset = queryset.filter(**{name: value})
            chosen[name] = value
    try:
        page_num = max(1, int(request.query_params.get("page_num", 1)))
    except ValueError:
        page_num = 1
    total = await queryset.count()
    entries = await queryset.offset((page_num - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return render_page(request, "simpul/audit.html", {
        "page_title": i18n.gettext("audit_log"), "resource_label": i18n.gettext("audit_log"),
        "entries": [(e, _pretty(e.before), _pretty(e.after)) for e in entries],
        "shown_time": clock.shown,
        "chosen": chosen, "total": total, "page_num": page_num,
        "page_count": max(1, -(-total // PAGE_SIZE)),
        "models": await AuditEntry.all().order_by("model").distinct().values_list("model", flat=True),
    })


def install(app) -> None:
    app.state.resources.add_page(DomainPage(
        url=BASE + "/list", label_key="audit_log", icon="fas fa-history",
        visible_to=MANAGE_POLICY.allows,
    ))
    app.include_router(router)
