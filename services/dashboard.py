"""The figures of the panel's home page (Beranda), for one caller.

Everything is counted from the declarations, like the API's ``<plural>Aggregate``
(services/aggregates.py): for each model that declares ``Simpul.groupable`` and
that the caller may read, how many rows, how many match each declared condition
(``overdue``), and how many per value of each groupable field (a date or time
per month, over the last twelve months on the WIB calendar).

The rows are the caller's own desk (:func:`desk_rows`): their read scope
(``permissions.rows``), narrowed to the regencies their role is held in when it is
held in some and not everywhere. Staff of Karawang read Bekasi's signed
agreements (the public does), but the figures on their home page are Karawang's;
Kominfo's are every regency's.

Plus the complaint desk's service level (:func:`service_level`): the share of
complaints handled within the SP4N-LAPOR! deadlines of services/workflow.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from core.clock import WIB, now_utc
from models.enums import ComplaintStatus
from models.history import ComplaintEvent
from permissions import rows as scope
from services.aggregates import by_month, count_groups, groupable_fields
from services.calendar import add_working_days, public_holidays
from services.workflow import SERVICE_LEVELS

if TYPE_CHECKING:
    from models.registry import ModelSpec, Registry
    from permissions.access import Access

#: How many months a chart per month shows, the current one last.
MONTHS_SHOWN = 12


# --- whose rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """The rows a caller's home page counts for one model."""

    rows: QuerySet
    #: Codes of the regencies the figures are narrowed to; empty when they are the caller's whole read scope.
    regencies: frozenset[str] = frozenset()


def desk_rows(spec: "ModelSpec", access: "Access") -> Desk | None:
    """The caller's rows of ``spec`` for the home page, or None when they may not read it at all."""
    decision = access.decide(spec.name, "read")
    if not decision.allowed:
        return None
    rows = scope.rows(spec, access, "read")
    path = spec.declaration.regency_path
    if decision.everywhere or not decision.regencies or path is None:
        return Desk(rows)
    narrowed = rows.filter(Q(**{f"{path}__in": sorted(decision.regencies)}))
    # Only a model that also shows published rows to the public reads beyond the caller's regencies.
    return Desk(narrowed, decision.regencies if decision.published else frozenset())


# --- counts per model -------------------------------------------------------------------------


@dataclass
class Figures:
    """One model's figures: the total, a count per condition, and groups per groupable field."""

    spec: "ModelSpec"
    total: int
    #: Condition name → how many rows match it.
    conditions: dict[str, int]
    #: Groupable field name → groups (services.aggregates.count_groups), months filled with zeros.
    groups: dict[str, list[SimpleNamespace]]
    #: Regency codes the figures were narrowed to (see :class:`Desk`).
    regencies: frozenset[str] = frozenset()
    #: The months shown for a date or time field (``2026-03``), oldest first.
    months: list[str] = field(default_factory=list)


async def figures(spec: "ModelSpec", access: "Access", *, now: dt.datetime | None = None) -> Figures | None:
    """The home page's figures of one groupable model, or None when the caller may not read it."""
    desk = desk_rows(spec, access)
    if desk is None:
        return None
    rows = desk.rows
    months = last_months(now or now_utc())
    conditions = {
        name: await rows.filter(spec.condition_filter(name, True)).count() for name in spec.declaration.conditions
    }
    groups: dict[str, list[SimpleNamespace]] = {}
    for grouped in groupable_fields(spec):
        if by_month(grouped):
            start = month_start(months[0], grouped.python_type)
            counted = await count_groups(spec, rows.filter(**{f"{grouped.name}__gte": start}), [grouped.name])
            groups[grouped.name] = _every_month(spec, counted, f"{grouped.name}_month", months)
        else:
            groups[grouped.name] = await count_groups(spec, rows, [grouped.name])
    return Figures(spec, await rows.count(), conditions, groups, desk.regencies, months)


async def home_figures(registry: "Registry", access: "Access", *, now: dt.datetime | None = None) -> list[Figures]:
    """:func:`figures` of every groupable model the caller may read, in the registry's order."""
    found = []
    for spec in registry:
        if spec.declaration.groupable:
            counted = await figures(spec, access, now=now)
            if counted is not None:
                found.append(counted)
    return found


def last_months(now: dt.datetime, count: int = MONTHS_SHOWN) -> list[str]:
    """``["2025-12", ..., "2026-11"]``: the ``count`` months up to ``now``'s on the WIB calendar."""
    today = now.astimezone(WIB)
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def month_start(month: str, kind: type) -> dt.date | dt.datetime:
    """The first moment of ``2026-03`` on the WIB calendar (a date for a date field)."""
    year, number = (int(part) for part in month.split("-"))
    if kind is dt.date:
        return dt.date(year, number, 1)
    return dt.datetime(year, number, 1, tzinfo=WIB)


def _every_month(spec: "ModelSpec", counted: list[SimpleNamespace], attribute: str, months: list[str]) -> list[SimpleNamespace]:
    """One group per month shown, a month without rows counted 0; later months (a date in the future) left out."""
    found = {getattr(group.key, attribute): group for group in counted}
    zero = {name: 0 for name in spec.declaration.conditions}
    return [
        found.get(month) or SimpleNamespace(key=SimpleNamespace(**{attribute: month}), count=0, **zero)
        for month in months
    ]


# --- the complaint desk's service level -------------------------------------------------------


@dataclass(frozen=True)
class ServiceLevel:
    """How a desk kept the SP4N-LAPOR! deadlines (verification in 3 working days, follow-up in 5).

    A complaint is *on time* when it owes nothing any more and never passed a deadline;
    *late* when one of its steps came after the deadline in force, or it is overdue now;
    *pending* while it owes a step whose deadline has not passed (it may still go either way).
    """

    on_time: int
    late: int
    pending: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def share(self) -> float | None:
        """On time among the decided, 0 to 1; None when nothing is decided yet."""
        return self.on_time / self.decided if self.decided else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


#: A step of a complaint's history: the status it reached, and when.
Step = tuple[ComplaintStatus, dt.datetime]


def verdict(
    history: Sequence[Step], due_at: dt.datetime | None, now: dt.datetime, holidays: Collection[dt.date],
    deadline=None,
) -> str:
    """``"on_time"``, ``"late"`` or ``"pending"`` for one complaint (see :class:`ServiceLevel`).

    ``history`` is its steps in order (the first is its receipt); ``due_at`` the deadline it
    has now (the row's own, as the ``overdue`` filter reads it). Each earlier step's deadline
    is the one the workflow gave when the step was taken (services/complaints.py
    ``services.transitions._clock_start``): counted from the step itself, or from the latest entry into the status
    its rule's clock starts at; a reopened complaint (RESOLVED → IN_PROGRESS) starts afresh.
    """
    deadline = deadline or (lambda start, days: add_working_days(start, days, holidays))
    entered: dict[ComplaintStatus, dt.datetime] = {}
    late = False
    previous: ComplaintStatus | None = None
    due: dt.datetime | None = None
    for status, at in history:
        if due is not None and at > due:
            late = True
        entered[status] = at
        level = SERVICE_LEVELS.get(status)
        if level is None:
            due = None
        else:
            fresh = level.clock_starts_at == status or previous == ComplaintStatus.RESOLVED
            due = deadline(at if fresh else entered.get(level.clock_starts_at, at), level.working_days)
        previous = status
    if due_at is not None:
        if now > due_at:
            return "late"
        return "late" if late else "pending"
    return "late" if late else "on_time"


async def service_level(complaints: QuerySet, *, now: dt.datetime | None = None) -> ServiceLevel:
    """The service level of the complaints of ``complaints`` (a scoped queryset, e.g. :func:`desk_rows`).

    Two statements: the complaints' deadlines now, and their histories.
    """
    now = now or now_utc()
    due = dict(await complaints.values_list("id", "due_at"))
    histories: dict[int, list[Step]] = {pk: [] for pk in due}
    events = (
        ComplaintEvent.filter(complaint_id__in=Subquery(complaints.values("id")))
        .order_by("complaint_id", "at", "id")
        .values_list("complaint_id", "status", "at")
    )
    for pk, status, at in await events:
        if pk in histories:
            histories[pk].append((ComplaintStatus(status), at))
    holidays = public_holidays()
    deadlines: dict[tuple[dt.date, int], dt.datetime] = {}

    def deadline(start: dt.datetime, days: int) -> dt.datetime:
        # A deadline depends only on the WIB day it starts from: computed once per day and length.
        key = (start.astimezone(WIB).date(), days)
        if key not in deadlines:
            deadlines[key] = add_working_days(start, days, holidays)
        return deadlines[key]

    tally = {"on_time": 0, "late": 0, "pending": 0}
    for pk, history in histories.items():
        tally[verdict(history, due[pk], now, holidays, deadline)] += 1
    return ServiceLevel(**tally)
