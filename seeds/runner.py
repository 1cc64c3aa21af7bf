"""``seed(demo)``: reference data and catalogue always, the demo world on request, in one transaction."""
from __future__ import annotations

from tortoise.transactions import in_transaction

from models.registry import Registry
from permissions.defaults import sync_default_policy
from seeds.agreements import AGREEMENT_PLAN, agreement_batches
from seeds.catalogue import APP_PLAN, app_rows
from seeds.complaints import seed_complaints
from seeds.reference import REGENCY_PLAN, regency_rows
from seeds.sync import SeedSummary, sync
from seeds.users import seed_users


async def seed(registry: Registry, demo: bool = False) -> SeedSummary:
    """Write the seed data; safe to run any number of times (see ``seeds.sync`` for what is kept).

    The regencies and the app catalogue are reference data of the programme and are
    always written. ``demo=True`` adds the demo world: the three demo accounts,
    28 adopting regencies' agreements and the demo complaints with their history.
    """
    summary = SeedSummary()
    # The default policy first: assigning the demo accounts their roles needs its roles.
    policy = await sync_default_policy(registry)
    if policy.added:
        summary.notes.append(f"added {len(policy.added)} default policy rule(s)")
    if policy.kept_removed:
        summary.notes.append(f"{len(policy.kept_removed)} default policy rule(s) removed by an administrator stay removed")
    async with in_transaction():
        summary.add("Regency", await sync(REGENCY_PLAN, regency_rows()))
        summary.add("App", await sync(APP_PLAN, app_rows()))
        if demo:
            summary.add("User", await seed_users())
            for batch in agreement_batches():  # MoUs, then the PKS that follow them
                summary.add("Agreement", await sync(AGREEMENT_PLAN, batch))
            summary.add("Complaint", await seed_complaints())
    for model, counts in summary.models.items():
        if counts.deleted:
            summary.notes.append(f"{counts.deleted} {model} row(s) deleted since seeding were not recreated")
        if counts.kept_edited:
            summary.notes.append(f"{counts.kept_edited} {model} row(s) edited since seeding were kept as they are")
    return summary
