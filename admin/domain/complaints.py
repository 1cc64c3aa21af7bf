"""The complaint workflow on the complaint's page: its status in colour, the next steps as buttons, the history.

The generated form shows ``status`` read-only: a status changes only through
``services.transitions.transition_complaint`` (allowed steps, history entry,
``resolvedAt``, audit), exactly as the API's ``transitionComplaint``.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi_admin.template import templates
from markupsafe import Markup
from starlette.responses import Response

from admin import clock, i18n
from admin.badges import badge
from admin.context import Panel, csrf_checked, requires
from admin.domain import DetailExtension, register_extension
from admin.rendering import redirect
from core.errors import BadUserInput, not_found
from permissions import rows as scope
# A complaint created from the panel gets its tracking code, deadline and first history entry
# like every other path: the save hooks are registered by the app's assembly (server.assembly).
from services.transitions import transition_complaint
from services.workflow import allowed_transitions

MODEL = "Complaint"
router = APIRouter()


async def workflow_block(panel: Panel, spec, row, error: str | None = None) -> Markup:
    from models import ComplaintEvent

    may_transition = panel.access.decide(MODEL, "transition").allowed
    steps = [getattr(s, "value", s) for s in allowed_transitions(row.status)] if may_transition else []
    history = await ComplaintEvent.filter(complaint_id=row.pk).order_by("at", "id")
    html = templates.get_template("simpul/complaint_workflow.html").render(
        status=badge(spec.scalars["status"], row.status),
        steps=[(step, i18n.value_label(step), badge(spec.scalars["status"], step)) for step in steps],
        may_transition=may_transition,
        history=[
            (badge(spec.scalars["status"], e.status), clock.shown(e.at), e.actor_name, e.note, e.public_note)
            for e in history
        ],
        action=f"{panel.request.app.admin_path}/{spec.name.lower()}/transition/{row.pk}",
        csrf_token=panel.session.csrf,
        error=error,
    )
    return Markup(html)


@router.post("/complaint/transition/{pk}", name="complaint_transition",
             dependencies=[Depends(requires(MODEL, "transition"))])
async def transition(request: Request, pk: str, panel: Panel = Depends(csrf_checked)) -> Response:
    spec = panel.registry[MODEL]
    form = await request.form()
    if await scope.get_row(spec, panel.access, pk) is None:
        raise not_found(MODEL, pk)
    try:
        await transition_complaint(
            panel.access, pk, str(form.get("to") or ""), str(form.get("note") or "") or None,
            public_note=str(form.get("public_note") or "") or None, source="admin",
        )
    except BadUserInput as error:
        from admin.routes import update_view_with_error

        return await update_view_with_error(request, panel, spec.name.lower(), pk, i18n.error_text(error, MODEL))
    # Back to the complaint with a success message naming the new status.
    return redirect(f"{request.app.admin_path}/{spec.name.lower()}/update/{pk}?notice=moved")


def install(app) -> None:
    if MODEL not in app.state.registry:
        return
    register_extension(DetailExtension(model=MODEL, locked_fields=frozenset({"status"}), render=workflow_block))
    app.include_router(router)
