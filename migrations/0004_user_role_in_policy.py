"""A user's role lives only in the policy store: the ``role`` column goes.

The column was a copy. Every check of what an account may do has always read
the policy's ``g`` rules, so the rules are the truth and nothing is copied back
from the column: an assignment an administrator revoked stays revoked.

The demo seeds fingerprinted their accounts with the role; accounts nobody changed
since they were seeded get the fingerprint the seeds compute now (without the
role), so the next seed run still recognises them as untouched.

Also: the account's fields get descriptions (they are API descriptions now), and
``password_hash`` defaults to empty (no password set: nobody can sign in).
"""
import hashlib
import json

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


def _fingerprint(values: dict) -> str:
    # As seeds.sync.fingerprint computed it when this migration was written.
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def refingerprint_seeded_accounts(apps, schema_editor) -> None:
    User = apps.get_model("models.User")
    SeedRecord = apps.get_model("models.SeedRecord")
    records = {record.key: record for record in await SeedRecord.filter(model="User")}
    if not records:
        return
    rows = await User.filter(username__in=list(records)).values(
        "username", "role", "is_active", regency_code="regency__code"
    )
    for row in rows:
        owned = {"username": row["username"], "is_active": row["is_active"], "regency": row["regency_code"]}
        record = records[row["username"]]
        if record.fingerprint == _fingerprint({**owned, "role": row["role"]}):
            record.fingerprint = _fingerprint(owned)
            await record.save(update_fields=["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [('models', '0003_complaint_desk_indexes')]

    initial = False

    operations = [
        ops.RunPython(refingerprint_seeded_accounts, ops.RunPython.noop),
        ops.AlterModelOptions(
            name='User',
            options={'table': 'user_account', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person who signs in to the API or the panel. What they may do is in the policy store, not on the account.'},
        ),
        ops.AlterField(
            model_name='User',
            name='created_at',
            field=fields.DatetimeField(description='When the account was created.', auto_now=False, auto_now_add=True),
        ),
        ops.AlterField(
            model_name='User',
            name='is_active',
            field=fields.BooleanField(default=True, description='False for a deactivated account: it cannot sign in, and its tokens and panel sessions stop working.'),
        ),
        ops.AlterField(
            model_name='User',
            name='password_hash',
            field=fields.CharField(default='', description='bcrypt hash, never exposed by any API or page. Empty until a password is set: nobody can sign in with it.', max_length=128),
        ),
        ops.AlterField(
            model_name='User',
            name='regency',
            field=fields.ForeignKeyField('models.Regency', source_field='regency_id', null=True, description='Home regency of regency staff, empty for accounts that work for every regency.', db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='User',
            name='username',
            field=fields.CharField(unique=True, description='Sign-in name: lowercase letters, digits, `.`, `_` or `-`.', max_length=64),
        ),
        # not a rename: User.role (the role is in the policy store's g rules)
        ops.RemoveField(model_name='User', name='role'),
    ]
