"""Rules an agreement must keep across its fields, and the status it shows as time passes.

``check_agreement`` is Agreement's declared validator (``Agreement.Simpul.validator``):
the generic CRUD service calls it, for the API and the panel alike, before
every create and update is saved.

Expiry is *stored*, not computed at read time: an agreement that is SIGNED or
ACTIVE and whose ``valid_until`` has passed (in WIB) is written as EXPIRED,
both when it is saved (here, in ``check_agreement``) and by
:func:`expire_lapsed_agreements`, which the app runs at startup and then once
a day. So the ``status`` column is the truth everywhere: the list filter
``status: {eq: EXPIRED}``, sorting, counts, the panel and the displayed value
all agree without the generic layers knowing about agreements.
:func:`effective_status` and :func:`expired_filter` describe the same rule for
code that must be exact between two runs of the job.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.errors import BadUserInput
from models.agreement import Agreement
from models.enums import AgreementKind, AgreementStatus as St
from services import audit
from services.calendar import WIB, today_wib

log = logging.getLogger("simpul.agreements")

#: Statuses of an agreement that has been signed (a PKS may follow such an MoU).
SIGNED_STATUSES = (St.SIGNED, St.ACTIVE, St.EXPIRED)
#: Statuses that lapse to EXPIRED once ``valid_until`` has passed.
LAPSING_STATUSES = (St.SIGNED, St.ACTIVE)
#: Statuses that require ``signed_on``.
NEEDS_SIGNING_DATE = (St.SIGNED, St.ACTIVE)


async def check_agreement(agreement: Agreement, relations: Mapping[str, Any] | None = None) -> None:
    """Raise BadUserInput (naming the field) when the agreement breaks a rule; normalise a lapsed status.

    - an MoU follows nothing: it has no ``parent``;
    - a PKS follows a signed MoU (SIGNED, ACTIVE or EXPIRED) between the same adopter and provider;
    - ``validUntil`` is after ``signedOn``;
    - a SIGNED or ACTIVE agreement has ``signedOn``.

    ``relations`` (``{"apps": [ids]}``, as the CRUD service passes it) is accepted
    for the validator protocol; no rule reads it yet.
    """
    kind = AgreementKind(agreement.kind)
    status = St(agreement.status)
    if kind == AgreementKind.MOU and agreement.parent_id is not None:
        raise BadUserInput("An MoU cannot follow another agreement: leave parent empty.", field="parentId")
    if kind == AgreementKind.PKS:
        await _check_parent(agreement)
    if agreement.signed_on and agreement.valid_until and agreement.valid_until <= agreement.signed_on:
        raise BadUserInput(
            f"validUntil ({agreement.valid_until.isoformat()}) must be after signedOn "
            f"({agreement.signed_on.isoformat()}).",
            field="validUntil",
        )
    if status in NEEDS_SIGNING_DATE and agreement.signed_on is None:
        raise BadUserInput(f"A {status.value} agreement needs signedOn, the date it was signed.", field="signedOn")
    # Saved as it will show: a lapsed agreement is EXPIRED, not SIGNED.
    agreement.status = effective_status(agreement)


async def _check_parent(pks: Agreement) -> None:
    if pks.parent_id is None:
        raise BadUserInput("A PKS must follow an MoU: set parent to the signed MoU it implements.", field="parentId")
    parent = await Agreement.get_or_none(pk=pks.parent_id)
    if parent is None:
        raise BadUserInput(f"parentId {pks.parent_id!r} does not match any agreement.", field="parentId")
    if AgreementKind(parent.kind) != AgreementKind.MOU:
        raise BadUserInput(f"A PKS must follow an MoU; {parent.number} is a {parent.kind.value}.", field="parentId")
    if St(parent.status) not in SIGNED_STATUSES:
        raise BadUserInput(
            f"A PKS must follow a signed MoU; {parent.number} is {St(parent.status).value}.", field="parentId"
        )
    if parent.regency_id != pks.regency_id or parent.provider_id != pks.provider_id:
        raise BadUserInput(
            f"A PKS must be between the same adopter and provider as its MoU ({parent.number}).", field="parentId"
        )


def effective_status(agreement: Agreement, today: dt.date | None = None) -> St:
    """The status to show: SIGNED or ACTIVE with ``valid_until`` before ``today`` (WIB) is EXPIRED."""
    status = St(agreement.status)
    today = today or today_wib()
    if status in LAPSING_STATUSES and agreement.valid_until is not None and agreement.valid_until < today:
        return St.EXPIRED
    return status


def lapsed_filter(today: dt.date | None = None) -> Q:
    """Rows still stored as SIGNED/ACTIVE whose ``valid_until`` has passed: what the expiry job rewrites."""
    return Q(status__in=list(LAPSING_STATUSES), valid_until__lt=today or today_wib())


def expired_filter(today: dt.date | None = None) -> Q:
    """Rows whose effective status is EXPIRED, stored or lapsed: ``Agreement.filter(expired_filter())``."""
    return Q(Q(status=St.EXPIRED), lapsed_filter(today), join_type=Q.OR)


def not_expired(today: dt.date | None = None) -> Q:
    """The complement of :func:`expired_filter`, written out so a NULL ``valid_until`` counts as not expired."""
    today = today or today_wib()
    still_valid = Q(Q(valid_until__isnull=True), Q(valid_until__gte=today), join_type=Q.OR)
    return Q(
        Q(status__not_in=[St.EXPIRED, *LAPSING_STATUSES]),
        Q(status__in=list(LAPSING_STATUSES)) & still_valid,
        join_type=Q.OR,
    )


async def expire_lapsed_agreements(today: dt.date | None = None) -> int:
    """Store EXPIRED on every SIGNED/ACTIVE agreement past its ``valid_until``; returns how many changed.

    Idempotent and safe to run from several workers at once (each row is
    re-checked by the UPDATE). Each change is audited as an update by the
    platform (``source="system"``, no actor). Run it at startup and daily.
    """
    today = today or today_wib()
    changed = 0
    async with in_transaction():
        rows = await Agreement.filter(lapsed_filter(today)).order_by("id").select_for_update()
        for row in rows:
            before = audit.snapshot(row, ("status", "valid_until"))
            updated = await Agreement.filter(lapsed_filter(today)).filter(pk=row.pk).update(status=St.EXPIRED)
            if not updated:
                continue
            changed += 1
            await audit.record(
                actor=None, action="update", model="Agreement", object_id=row.pk,
                before=before, after={**before, "status": St.EXPIRED.value}, source="system",
            )
    return changed


async def keep_agreements_current() -> None:
    """Run :func:`expire_lapsed_agreements` now and then just after every midnight in Jakarta, forever.

    Start it as a background task in the app's lifespan (``asyncio.create_task``)
    and cancel it on shutdown. A failed run is logged and retried the next night.
    """
    while True:
        try:
            changed = await expire_lapsed_agreements()
            if changed:
                log.info("marked %d lapsed agreement(s) EXPIRED", changed)
        except Exception:  # noqa: BLE001 - a bad night must not stop the loop
            log.exception("could not expire lapsed agreements")
        now = dt.datetime.now(WIB)
        next_run = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 1), tzinfo=WIB)
        await asyncio.sleep((next_run - now).total_seconds())
