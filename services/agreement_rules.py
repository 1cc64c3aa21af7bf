"""The status an agreement shows as time passes (its field rules are ``models.agreement_rules``).

Expiry is *stored*, not computed at read time: an agreement that is SIGNED or
ACTIVE and whose ``valid_until`` has passed (in WIB) is written as EXPIRED,
both when it is saved (``models.agreement_rules.check_agreement``) and by
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

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.clock import WIB, today_wib
from models.agreement import Agreement
from models.agreement_rules import LAPSING_STATUSES
from models.enums import AgreementStatus as St
from services import audit

log = logging.getLogger("simpul.agreements")


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
