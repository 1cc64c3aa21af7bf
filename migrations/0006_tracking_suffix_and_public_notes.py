"""Unguessable tracking codes, public notes and the officer's name on each history step.

- Every code gets its random suffix (``ADU-3215-2026-000123`` → ``ADU-3215-2026-000123-K7QX9M``):
  counting through sequence numbers must find nothing. Demo complaints (those the seeds
  remember) get the suffix the seeds derive, so a later seed run recognises them; the
  seeds' record keeps the new code. Citizens whose old code no longer works can be told
  their new one by the desk (the panel and the API show it).
- Notes written so far stay internal: they were shown to anyone holding a code, and it
  is not known which were meant for the citizen. Staff add public notes from now on.
- ``actor_name`` is filled from the officer's account, as the audit log keeps it.
"""
import hashlib
import re
import secrets

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# As services.tracking defines them when this migration was written.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
OLD_CODE = re.compile(r"^ADU-\d{4}-\d{4}-\d{6,}$")


def _derived(readable: str) -> str:
    digest = hashlib.sha256(f"simpul-demo:{readable}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:6])


def _random() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(6))


async def add_suffixes(apps, schema_editor) -> None:
    Complaint = apps.get_model("models.Complaint")
    SeedRecord = apps.get_model("models.SeedRecord")
    seeded = {record.key: record for record in await SeedRecord.filter(model="Complaint")}
    for pk, code in await Complaint.all().values_list("id", "tracking_code"):
        if not OLD_CODE.match(code):
            continue
        record = seeded.get(code)
        new = f"{code}-{_derived(code) if record is not None else _random()}"
        await Complaint.filter(id=pk).update(tracking_code=new)
        if record is not None:
            record.key = new
            await record.save(update_fields=["key"])


async def fill_actor_names(apps, schema_editor) -> None:
    ComplaintEvent = apps.get_model("models.ComplaintEvent")
    User = apps.get_model("models.User")
    names = dict(await User.all().values_list("id", "username"))
    for pk, actor_id in await ComplaintEvent.filter(actor_id__isnull=False).values_list("id", "actor_id"):
        if actor_id in names:
            await ComplaintEvent.filter(id=pk).update(actor_name=names[actor_id])


class Migration(migrations.Migration):
    dependencies = [('models', '0005_complaint_history_described')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ComplaintEvent',
            name='note',
            field=fields.TextField(default='', description="The desk's internal note on this step, empty when there is none; never shown to the citizen.", unique=False),
        ),
        ops.AddField(
            model_name='ComplaintEvent',
            name='actor_name',
            field=fields.CharField(default='', description="Username of the officer who took the step, kept when the account is later removed; empty for the citizen's submission.", db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='ComplaintEvent',
            name='public_note',
            field=fields.TextField(default='', description='A note the desk wrote for the citizen, shown by the public tracker; empty when there is none.', db_default='', unique=False),
        ),
        ops.RunPython(add_suffixes, ops.RunPython.noop),
        ops.RunPython(fill_actor_names, ops.RunPython.noop),
    ]
