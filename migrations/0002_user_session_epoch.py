from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='session_epoch',
            field=fields.IntField(default=0, description='Raised by a password change: tokens and panel sessions of an earlier epoch stop working.'),
        ),
    ]
