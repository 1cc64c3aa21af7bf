from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_user_role_in_policy')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ComplaintEvent',
            name='actor',
            field=fields.ForeignKeyField('models.User', source_field='actor_id', null=True, description="The officer who took the step, empty for a step nobody signed in took (the citizen's submission).", db_constraint=True, to_field='id', related_name='complaint_events', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='ComplaintEvent',
            name='at',
            field=fields.DatetimeField(description='When the step was taken.', auto_now=False, auto_now_add=True),
        ),
        ops.AlterField(
            model_name='ComplaintEvent',
            name='complaint',
            field=fields.ForeignKeyField('models.Complaint', source_field='complaint_id', description='The complaint this step belongs to.', db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='ComplaintEvent',
            name='note',
            field=fields.TextField(default='', description="The desk's note on this step, empty when there is none.", unique=False),
        ),
    ]
