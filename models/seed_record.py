from tortoise import fields
from tortoise.models import Model


class SeedRecord(Model):
    """What the seeds last wrote to a row, so a re-run never overwrites edits made by people."""

    id = fields.IntField(primary_key=True)
    model = fields.CharField(max_length=64)
    #: Natural key of the row (a regency code, an app slug, an agreement number, ...).
    key = fields.CharField(max_length=128)
    #: Hash of the values the seeds wrote: a row whose values differ was edited since.
    fingerprint = fields.CharField(max_length=64)

    class Meta:
        table = "seed_record"
        unique_together = (("model", "key"),)
