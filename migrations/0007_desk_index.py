from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_tracking_suffix_and_public_notes')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Complaint',
            index=Index(fields=['regency_id', 'status', 'created_at']),
        ),
    ]
