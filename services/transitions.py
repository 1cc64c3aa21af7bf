"""Moving a complaint through the desk's statuses (staff): the one way a status changes.

The rules are data in :mod:`services.workflow` (transitions, service levels);
here they are applied to a row, in one transaction with its history entry and
audit entry, and announced to subscribers after the commit.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.clock import now_utc
from core.errors import BadUserInput, not_found
from core.values import parse_id_or_none
from models.complaint import Complaint
from models.enums import ComplaintStatus
from models.history import ComplaintEvent
from models.regency import Regency
from services import audit, events
from services.workflow import SERVICE_LEVELS, check_transition, due_at_for

#: Fields the audit log records for a status change.
TRANSITION_FIELDS = ("status", "resolved_at", "due_at")
NOTE_MAX_LENGTH = 2000


def _target_status(to: Any) -> ComplaintStatus:
    try:
        return ComplaintStatus(to.value if isinstance(to, ComplaintStatus) else to)
    except ValueError:
        allowed = ", ".join(s.value for s in ComplaintStatus)
        raise BadUserInput(f"to must be one of {allowed}; got {to!r}.", field="to",
                           reason="NOT_ONE_OF", params={"allowed": list(ComplaintStatus)}) from None


async def _clock_start(complaint: Complaint, previous: ComplaintStatus, target: ComplaintStatus, now: dt.datetime) -> dt.datetime:
    """When the deadline of ``target`` starts counting (see workflow.SERVICE_LEVELS)."""
    level = SERVICE_LEVELS.get(target)
    if level is None or level.clock_starts_at == target or previous == ComplaintStatus.RESOLVED:
        # A reopened complaint (RESOLVED → IN_PROGRESS) gets a fresh follow-up period from the reopening.
        return now
    started = (
        await ComplaintEvent.filter(complaint_id=complaint.pk, status=level.clock_starts_at)
        .order_by("-at", "-id")
        .first()
        .values_list("at", flat=True)
    )
    return started or now


def _note(text: str | None, label: str) -> str:
    text = (text or "").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise BadUserInput(f"{label} must be at most {NOTE_MAX_LENGTH} characters (got {len(text)}).", field=label,
                           reason="TOO_LONG", params={"max": NOTE_MAX_LENGTH, "length": len(text)})
    return text


async def transition_complaint(
    access,
    complaint_id: Any,
    to: ComplaintStatus | str,
    note: str | None = None,
    *,
    public_note: str | None = None,
    source: str = "api",
) -> Complaint:
    """Move a complaint to ``to`` as the caller of ``access``; returns the updated row.

    ``note`` stays with the desk; ``public_note`` is what the citizen reads in the tracker.

    - Unauthenticated/Forbidden when the caller's role may not transition complaints at all;
    - NotFound, with the same message, when the id does not exist or is outside the caller's regencies;
    - BadUserInput naming the allowed next statuses for a move the workflow does not have.

    Sets ``resolved_at`` on RESOLVED (clears it when reopened), recomputes
    ``due_at``, and writes the history entry and the audit entry in the same
    transaction; subscribers hear about it after the commit.
    """
    access.require("Complaint", "transition")
    target = _target_status(to)
    note = _note(note, "note")
    public_note = _note(public_note, "publicNote")
    pk = parse_id_or_none(complaint_id)
    if pk is None:
        raise not_found("Complaint", complaint_id)
    async with in_transaction():
        scope = access.row_filter(Complaint, "transition") or Q()
        # Lock the row so two people moving the same complaint at once cannot both pass the check.
        complaint = (
            await Complaint.filter(scope).filter(pk=pk).select_for_update(of=("complaint",)).first()
        )
        if complaint is None:
            raise not_found("Complaint", complaint_id)
        previous = ComplaintStatus(complaint.status)
        check_transition(previous, target)
        before = audit.snapshot(complaint, TRANSITION_FIELDS)
        now = now_utc()
        complaint.status = target
        if target == ComplaintStatus.RESOLVED:
            complaint.resolved_at = now
        elif target == ComplaintStatus.IN_PROGRESS:
            complaint.resolved_at = None
        complaint.due_at = due_at_for(target, await _clock_start(complaint, previous, target, now))
        await complaint.save(update_fields=[*TRANSITION_FIELDS, "updated_at"])
        await ComplaintEvent.create(
            complaint=complaint, status=target, at=now, note=note, public_note=public_note,
            actor=access.user, actor_name=access.user.username if access.user else "",
        )
        await audit.record(
            actor=access.user, action="transition", model="Complaint", object_id=complaint.pk,
            before=before, after=audit.snapshot(complaint, TRANSITION_FIELDS), source=source,
        )
        regency_code = await Regency.get(pk=complaint.regency_id).values_list("code", flat=True)
    await events.publish_complaint_changed(complaint.pk, complaint.tracking_code, regency_code)
    return complaint
