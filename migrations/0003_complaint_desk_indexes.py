from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_user_session_epoch')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Complaint',
            index=Index(fields=['regency_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Complaint',
            index=Index(fields=['created_at']),
        ),
        ops.AddIndex(
            model_name='Complaint',
            index=Index(fields=['due_at']),
        ),
    ]
