"""The complaint desk's state machine and service levels, as data.

Modelled on SP4N-LAPOR! (see /work/shared/data/domain-notes.md): a report is
verified within 3 working days of receipt, and the regency posts its follow-up
(tindak lanjut) within 5 working days of verification. The admin panel reads
:data:`TRANSITIONS` to show only the buttons that can work.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from core.errors import BadUserInput
from models.enums import ComplaintStatus as S
from services.calendar import add_working_days, public_holidays

#: Where a complaint may go next from each status. Terminal statuses have no way out.
TRANSITIONS: dict[S, tuple[S, ...]] = {
    S.RECEIVED: (S.VERIFIED, S.REJECTED),
    S.VERIFIED: (S.IN_PROGRESS, S.REJECTED),
    S.IN_PROGRESS: (S.RESOLVED,),
    S.RESOLVED: (S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (),
    S.REJECTED: (),
}


@dataclass(frozen=True)
class ServiceLevel:
    """The desk has ``working_days`` to finish the step; the clock starts when the complaint entered ``clock_starts_at``."""

    working_days: int
    clock_starts_at: S
    #: What the desk owes by the deadline, for people reading the panel.
    owed: str


#: Deadline of each status; a status missing here (RESOLVED, CLOSED, REJECTED) has no deadline.
SERVICE_LEVELS: dict[S, ServiceLevel] = {
    S.RECEIVED: ServiceLevel(3, S.RECEIVED, "verification"),
    # Starting the work does not restart the clock: the follow-up is owed 5 working days after verification.
    S.VERIFIED: ServiceLevel(5, S.VERIFIED, "follow-up"),
    S.IN_PROGRESS: ServiceLevel(5, S.VERIFIED, "follow-up"),
}


def allowed_transitions(status: S | str) -> tuple[S, ...]:
    """Statuses a complaint in ``status`` may move to, in the order the panel shows them."""
    return TRANSITIONS[S(status)]


def check_transition(current: S | str, target: S | str) -> None:
    """Raise BadUserInput naming the allowed next statuses when ``current`` → ``target`` is not a move of the workflow."""
    current, target = S(current), S(target)
    allowed = TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        message = f"A complaint in status {current.value} is final and cannot move to {target.value}."
    else:
        choices = " or ".join(s.value for s in allowed)
        message = f"A complaint in status {current.value} can move to {choices}, not {target.value}."
    raise BadUserInput(message, field="to", allowed=[s.value for s in allowed])


def due_at_for(
    status: S | str, since: dt.datetime, holidays: Collection[dt.date] | None = None
) -> dt.datetime | None:
    """Deadline (UTC) of a complaint in ``status`` whose clock started at ``since``; None when the status has none.

    ``since`` is the moment the complaint entered the status named by the rule's
    ``clock_starts_at`` (receipt for RECEIVED, verification for VERIFIED and
    IN_PROGRESS). ``holidays`` defaults to the configured public holidays.
    """
    level = SERVICE_LEVELS.get(S(status))
    if level is None:
        return None
    return add_working_days(since, level.working_days, public_holidays() if holidays is None else holidays)
