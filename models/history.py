from tortoise import fields
from tortoise.models import Model

from models.enums import ComplaintStatus


class ComplaintEvent(Model):
    """One step in the status history of a complaint: who moved it where, when, and why."""

    id = fields.IntField(primary_key=True)
    #: The complaint this step belongs to.
    complaint = fields.ForeignKeyField("models.Complaint", related_name="history", on_delete=fields.CASCADE)
    #: The status the complaint reached with this step.
    status = fields.CharEnumField(ComplaintStatus, max_length=12)
    #: When the step was taken.
    at = fields.DatetimeField(auto_now_add=True)
    #: The desk's internal note on this step, empty when there is none; never shown to the citizen.
    note = fields.TextField(default="")
    #: A note the desk wrote for the citizen, shown by the public tracker; empty when there is none.
    public_note = fields.TextField(default="", db_default="")
    #: The officer who took the step, empty for a step nobody signed in took (the citizen's submission).
    actor = fields.ForeignKeyField("models.User", related_name="complaint_events", null=True, on_delete=fields.SET_NULL)
    #: Username of the officer who took the step, kept when the account is later removed; empty for the citizen's submission.
    actor_name = fields.CharField(max_length=64, default="", db_default="")

    class Meta:
        table = "complaint_event"
        ordering = ["at", "id"]

    class Simpul:
        plural = "complaintEvents"
        filterable = ("complaint", "status", "at")
        sortable = ("status", "at")
        # A step belongs to its complaint's regency: whoever reads the complaint reads its history.
        regency_path = "complaint__regency__code"
        admin_columns = ("complaint", "status", "at", "actor_name", "note")
        label_field = "status"
        default_order = ("at", "id")
        icon = "fas fa-history"
        # Written only by the complaint workflow (submit, transition); read as `Complaint.history`
        # and through `complaintEvents`/`complaintEvent`, in the complaint's scope. The officer is the
        # `actor` relation to User: shown where the policy lets the caller read that account (Kominfo:
        # all); the public reads no history here, and its tracker never names officers.
        operations = ("list", "get")
        grants = {"regency_staff": ("read",)}


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
