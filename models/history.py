from tortoise import fields
from tortoise.models import Model

from models.enums import ComplaintStatus


class ComplaintEvent(Model):
    """One step in the status history of a complaint: who moved it where, when, and why."""

    id = fields.IntField(primary_key=True)
    complaint = fields.ForeignKeyField("models.Complaint", related_name="history", on_delete=fields.CASCADE)
    status = fields.CharEnumField(ComplaintStatus, max_length=12)
    at = fields.DatetimeField(auto_now_add=True)
    note = fields.TextField(default="")
    actor = fields.ForeignKeyField("models.User", related_name="complaint_events", null=True, on_delete=fields.SET_NULL)

    class Meta:
        table = "complaint_event"
        ordering = ["at", "id"]


class AuditEntry(Model):
    """A create, update, delete or status change made through the API or the panel."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.ForeignKeyField("models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL)
    #: Username at the time, kept when the account is later removed.
    actor_name = fields.CharField(max_length=64, default="")
    #: `create`, `update`, `delete` or `transition`.
    action = fields.CharField(max_length=16)
    model = fields.CharField(max_length=64)
    object_id = fields.CharField(max_length=64)
    #: Field values before and after the change (personal data included: admins only).
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    #: `api` or `admin`.
    source = fields.CharField(max_length=16, default="api")

    class Meta:
        table = "audit_entry"
        ordering = ["-at", "-id"]


class ComplaintCounter(Model):
    """Next tracking-code sequence number per regency and year."""

    id = fields.IntField(primary_key=True)
    regency_code = fields.CharField(max_length=5)
    year = fields.IntField()
    value = fields.IntField(default=0)

    class Meta:
        table = "complaint_counter"
        unique_together = (("regency_code", "year"),)
