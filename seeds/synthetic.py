"""Synthetic complaints at scale for benchmarks (the command line is ``python -m server.manage seed-bench``).

Rows are drawn from ``random.Random(seed_value)``, so a fresh database always
gets the same rows. Their tracking codes carry a ``BEN-`` prefix
(``BEN-3215-2026-00000042``) so they never collide with the codes the
complaint desk hands out, and the sequence continues after the benchmark rows
already present, so running it again adds N more. The regencies and the app
catalogue are seeded first; no history, accounts or SeedRecords are written.
"""
from __future__ import annotations

import datetime as dt
import random

from tortoise.transactions import in_transaction

from models.app import App
from models.complaint import Complaint
from models.enums import ComplaintStatus as S
from models.regency import Regency
from models.registry import Registry
from seeds.complaints import FIRST_NAMES, LAST_NAMES, TEMPLATES
from seeds.runner import seed
from core.clock import WIB
from services.calendar import public_holidays
from services.workflow import due_at_for

PREFIX = "BEN-"
BATCH_SIZE = 2000
FIRST_MOMENT = dt.datetime(2025, 1, 1, tzinfo=WIB)
LAST_MOMENT = dt.datetime(2026, 11, 20, tzinfo=WIB)
#: How the statuses of a mature complaint desk are spread (weights).
STATUS_WEIGHTS = {S.RECEIVED: 8, S.VERIFIED: 6, S.IN_PROGRESS: 10, S.RESOLVED: 16, S.CLOSED: 52, S.REJECTED: 8}
#: What the demo's report templates are filled in with (benchmark texts need not vary).
TEXT_VALUES = {"app": "aplikasi", "place": "lingkungan kami", "since": "sejak pekan lalu"}


async def seed_bench(registry: Registry, n: int, *, seed_value: int = 1, batch_size: int = BATCH_SIZE) -> int:
    """Insert ``n`` synthetic complaints (after the reference data); returns how many rows were inserted."""
    if n < 0:
        raise ValueError("n must be zero or more")
    await seed(registry, demo=False)
    rng = random.Random(seed_value)
    regencies = await Regency.all().order_by("code").values_list("id", "code")
    apps = [None, *await App.all().order_by("slug").values_list("id", flat=True)]
    statuses, weights = zip(*STATUS_WEIGHTS.items())
    holidays = public_holidays()
    span = int((LAST_MOMENT - FIRST_MOMENT).total_seconds())
    start = await Complaint.filter(tracking_code__startswith=PREFIX).count()

    inserted = 0
    while inserted < n:
        batch = []
        for number in range(start + inserted + 1, start + min(n, inserted + batch_size) + 1):
            regency_id, code = rng.choice(regencies)
            received = (FIRST_MOMENT + dt.timedelta(seconds=rng.randrange(span))).astimezone(dt.timezone.utc)
            status = rng.choices(statuses, weights)[0]
            template = rng.choice(TEMPLATES)
            resolved = received + dt.timedelta(hours=rng.randrange(24, 400)) if status in (S.RESOLVED, S.CLOSED) else None
            # The clock of VERIFIED / IN_PROGRESS starts at verification, a day or two after receipt.
            since = received if status is S.RECEIVED else received + dt.timedelta(hours=rng.randrange(2, 60))
            batch.append(Complaint(
                tracking_code=f"{PREFIX}{code.replace('.', '')}-{received.astimezone(WIB).year}-{number:08d}",
                regency_id=regency_id,
                app_id=rng.choice(apps),
                title=template.title.format(**TEXT_VALUES),
                body=template.body.format(**TEXT_VALUES),
                category=template.category,
                reporter_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                reporter_contact=f"08{rng.randrange(10**9, 10**10)}",
                status=status,
                created_at=received,
                resolved_at=resolved,
                due_at=due_at_for(status, since, holidays),
            ))
        async with in_transaction():
            await Complaint.bulk_create(batch)
        inserted += len(batch)
    return inserted
