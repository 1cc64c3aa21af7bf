from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import AgreementKind, AgreementStatus, AppCategory, AppPlatform, AppStatus, ComplaintCategory, ComplaintStatus, RegencyKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='App',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(description='Display name, e.g. `LAKSA`.', max_length=120)),
                ('slug', fields.CharField(unique=True, description='URL-safe unique name, e.g. `laksa`.', max_length=120)),
                ('category', fields.CharEnumField(description='E_GOVERNMENT: E_GOVERNMENT\nPUBLIC_SERVICE: PUBLIC_SERVICE\nCOMPLAINTS: COMPLAINTS\nHEALTH: HEALTH\nEDUCATION: EDUCATION\nECONOMY: ECONOMY\nTRANSPORT: TRANSPORT\nSOCIAL: SOCIAL\nENVIRONMENT: ENVIRONMENT\nTOURISM: TOURISM', enum_type=AppCategory, max_length=20)),
                ('description', fields.TextField(default='', description='What the app does, in Indonesian.', unique=False)),
                ('owner_unit', fields.CharField(default='', description='The unit (OPD) that runs the app, e.g. `Dinas Komunikasi dan Informatika`.', max_length=120)),
                ('platform', fields.CharEnumField(default=AppPlatform.WEB, description='WEB: WEB\nANDROID: ANDROID\nWEB_AND_MOBILE: WEB_AND_MOBILE\nDESKTOP: DESKTOP', enum_type=AppPlatform, max_length=20)),
                ('status', fields.CharEnumField(default=AppStatus.ACTIVE, description='ACTIVE: ACTIVE\nPILOT: PILOT\nRETIRED: RETIRED', enum_type=AppStatus, max_length=10)),
                ('url', fields.CharField(null=True, description='Public address of the app, if any.', max_length=255)),
                ('launched_on', fields.DateField(null=True, description='Date the app went live.')),
            ],
            options={'table': 'app', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An application of the Kota Tangerang smart-city catalogue that other regions may adopt.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CasbinRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ptype', fields.CharField(max_length=255)),
                ('v0', fields.CharField(null=True, max_length=255)),
                ('v1', fields.CharField(null=True, max_length=255)),
                ('v2', fields.CharField(null=True, max_length=255)),
                ('v3', fields.CharField(null=True, max_length=255)),
                ('v4', fields.CharField(null=True, max_length=255)),
                ('v5', fields.CharField(null=True, max_length=255)),
            ],
            options={'table': 'casbin_rule', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('regency_code', fields.CharField(max_length=5)),
                ('year', fields.IntField()),
                ('value', fields.IntField(default=0)),
            ],
            options={'table': 'complaint_counter', 'app': 'models', 'unique_together': (('regency_code', 'year'),), 'pk_attr': 'id', 'table_description': 'Next tracking-code sequence number per regency and year.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Regency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, description='Kemendagri region code, e.g. `32.15` for Kabupaten Karawang.', max_length=5)),
                ('name', fields.CharField(description='Official name, e.g. `Kabupaten Karawang`.', max_length=100)),
                ('kind', fields.CharEnumField(description='KABUPATEN: KABUPATEN\nKOTA: KOTA', enum_type=RegencyKind, max_length=10)),
                ('province', fields.CharField(description='Province name as listed by Kemendagri.', max_length=100)),
                ('is_provider', fields.BooleanField(default=False, description='True for a region that provides apps to others (Kota Tangerang).')),
            ],
            options={'table': 'regency', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A kabupaten or kota (Kemendagri code): a provider of apps or an adopter of them.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Agreement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, description='Document number as written on the agreement.', max_length=100)),
                ('kind', fields.CharEnumField(description='MOU: MOU\nPKS: PKS', enum_type=AgreementKind, max_length=5)),
                ('title', fields.CharField(description='Title of the agreement, in Indonesian.', max_length=255)),
                ('regency', fields.ForeignKeyField('models.Regency', source_field='regency_id', description='The adopting region.', db_constraint=True, to_field='id', related_name='agreements', on_delete=OnDelete.RESTRICT)),
                ('provider', fields.ForeignKeyField('models.Regency', source_field='provider_id', description='The providing region (Kota Tangerang).', db_constraint=True, to_field='id', related_name='provided_agreements', on_delete=OnDelete.RESTRICT)),
                ('parent', fields.ForeignKeyField('models.Agreement', source_field='parent_id', null=True, description='The MoU a PKS follows.', db_constraint=True, to_field='id', related_name='followups', on_delete=OnDelete.RESTRICT)),
                ('signatories', fields.TextField(default='', description='Who signed, as written on the document.', unique=False)),
                ('signed_on', fields.DateField(null=True, description='Date of signing.')),
                ('valid_until', fields.DateField(null=True, description='Last day the agreement is in force.')),
                ('status', fields.CharEnumField(default=AgreementStatus.DRAFT, description='DRAFT: DRAFT\nSIGNED: SIGNED\nACTIVE: ACTIVE\nEXPIRED: EXPIRED\nTERMINATED: TERMINATED', enum_type=AgreementStatus, max_length=10)),
                ('apps', fields.ManyToManyField('models.App', unique=True, description='The apps the agreement covers.', db_constraint=True, through='agreement_app', forward_key='app_id', backward_key='agreement_id', related_name='agreements', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'agreement', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An MoU between a provider and an adopting region, or the technical PKS that follows it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tracking_code', fields.CharField(unique=True, description='Code the reporter uses to follow the report, e.g. `ADU-3215-2026-000123`.', max_length=32)),
                ('regency', fields.ForeignKeyField('models.Regency', source_field='regency_id', description='The regency that must answer.', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.RESTRICT)),
                ('app', fields.ForeignKeyField('models.App', source_field='app_id', null=True, description='The app the report concerns, if any.', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.SET_NULL)),
                ('title', fields.CharField(description='Short summary.', max_length=200)),
                ('body', fields.TextField(description='The report itself.', unique=False)),
                ('category', fields.CharEnumField(default=ComplaintCategory.COMPLAINT, description='ASPIRATION: ASPIRATION\nCOMPLAINT: COMPLAINT\nINFORMATION_REQUEST: INFORMATION_REQUEST', enum_type=ComplaintCategory, max_length=20)),
                ('reporter_name', fields.CharField(description='Name of the reporter: personal data, `null` for roles that may not read it.', max_length=120)),
                ('reporter_contact', fields.CharField(description='Phone or e-mail of the reporter: personal data, `null` for roles that may not read it.', max_length=120)),
                ('status', fields.CharEnumField(default=ComplaintStatus.RECEIVED, description='RECEIVED: RECEIVED\nVERIFIED: VERIFIED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED', enum_type=ComplaintStatus, max_length=12)),
                ('created_at', fields.DatetimeField(description='When the report was received.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the report last changed.', auto_now=True, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, description='When the report reached `RESOLVED`.', auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, description='Deadline of the current step (service-level rules modelled on SP4N-LAPOR!).', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'complaint', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A report from a citizen (aspiration, complaint or information request) to a regency.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SeedRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('model', fields.CharField(max_length=64)),
                ('key', fields.CharField(description='Natural key of the row (a regency code, an app slug, an agreement number, ...).', max_length=128)),
                ('fingerprint', fields.CharField(description='Hash of the values the seeds wrote: a row whose values differ was edited since.', max_length=64)),
            ],
            options={'table': 'seed_record', 'app': 'models', 'unique_together': (('model', 'key'),), 'pk_attr': 'id', 'table_description': 'What the seeds last wrote to a row, so a re-run never overwrites edits made by people.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(description='bcrypt hash, never exposed by any API or page.', max_length=128)),
                ('role', fields.CharField(description='Primary role (`kominfo_admin`, `regency_staff`). Assignments are policy rules.', max_length=32)),
                ('regency', fields.ForeignKeyField('models.Regency', source_field='regency_id', null=True, description='Home regency of regency staff.', db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.SET_NULL)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'user_account', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person who signs in to the API or the panel. Roles live in the policy store.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(default='', description='Username at the time, kept when the account is later removed.', max_length=64)),
                ('action', fields.CharField(description='`create`, `update`, `delete` or `transition`.', max_length=16)),
                ('model', fields.CharField(max_length=64)),
                ('object_id', fields.CharField(max_length=64)),
                ('before', fields.JSONField(null=True, description='Field values before and after the change (personal data included: admins only).', encoder=JSON_DUMPS, decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('source', fields.CharField(default='api', description='`api` or `admin`.', max_length=16)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A create, update, delete or status change made through the API or the panel.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='RECEIVED: RECEIVED\nVERIFIED: VERIFIED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED', enum_type=ComplaintStatus, max_length=12)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='complaint_events', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'complaint_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One step in the status history of a complaint: who moved it where, when, and why.'},
            bases=['Model'],
        ),
    ]
