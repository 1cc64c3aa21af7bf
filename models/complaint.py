import datetime as dt

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.validators import MaxLengthValidator

from models.enums import ComplaintCategory, ComplaintStatus


def overdue() -> Q:
    """Past its deadline (`dueAt`) while the desk still owes a step; settled complaints have no deadline."""
    # `due_at IS NOT NULL` is spelled out so that the negation (not overdue) keeps the
    # rows without a deadline instead of losing them to SQL's NULL logic.
    return Q(due_at__isnull=False) & Q(due_at__lt=dt.datetime.now(dt.timezone.utc))


class Complaint(Model):
    """A report from a citizen (aspiration, complaint or information request) to a regency."""

    id = fields.IntField(primary_key=True)
    #: Code the reporter uses to follow the report, e.g. `ADU-3215-2026-000123`.
    tracking_code = fields.CharField(max_length=32, unique=True)
    #: The regency that must answer.
    regency = fields.ForeignKeyField("models.Regency", related_name="complaints", on_delete=fields.RESTRICT)
    #: The app the report concerns, if any.
    app = fields.ForeignKeyField("models.App", related_name="complaints", null=True, on_delete=fields.SET_NULL)
    #: Short summary.
    title = fields.CharField(max_length=200)
    # A TextField has no length in the database; the validator bounds what any caller can store.
    #: The report itself.
    body = fields.TextField(validators=[MaxLengthValidator(5000)])
    #: LAPOR! report type.
    category = fields.CharEnumField(ComplaintCategory, max_length=20, default=ComplaintCategory.COMPLAINT)
    #: Name of the reporter: personal data, `null` for roles that may not read it.
    reporter_name = fields.CharField(max_length=120)
    #: Phone or e-mail of the reporter: personal data, `null` for roles that may not read it.
    reporter_contact = fields.CharField(max_length=120)
    #: Where the report stands in the workflow.
    status = fields.CharEnumField(ComplaintStatus, max_length=12, default=ComplaintStatus.RECEIVED)
    #: When the report was received.
    created_at = fields.DatetimeField(auto_now_add=True)
    #: When the report last changed.
    updated_at = fields.DatetimeField(auto_now=True)
    #: When the report reached `RESOLVED`.
    resolved_at = fields.DatetimeField(null=True)
    #: Deadline of the current step (service-level rules modelled on SP4N-LAPOR!).
    due_at = fields.DatetimeField(null=True)

    class Meta:
        table = "complaint"
        ordering = ["-created_at", "id"]
        # A desk lists its regency's complaints newest first, counts and lists them by status (the counts by
        # status of a regency read the (regency_id, status) prefix alone), and watches deadlines.
        indexes = (("regency_id", "created_at"), ("regency_id", "status", "created_at"), ("created_at",), ("due_at",))

    class Simpul:
        plural = "complaints"
        filterable = ("tracking_code", "title", "category", "status", "regency", "app", "created_at", "updated_at", "resolved_at", "due_at")
        sortable = ("tracking_code", "status", "created_at", "updated_at", "due_at")
        searchable = ("tracking_code", "title", "body")
        # Counted by the dashboard and complaintsAggregate: per status, regency, category and month received.
        groupable = ("status", "regency", "category", "created_at")
        regency_path = "regency__code"
        personal = ("reporter_name", "reporter_contact")
        conditions = {"overdue": overdue}
        # The desk sees late reports first.
        highlight = ("overdue",)
        # The citizen's own words: staff add notes, they do not rewrite what was reported.
        frozen_after_create = ("title", "body", "reporter_name", "reporter_contact")
        # Status moves only through the workflow (transitionComplaint), never by a plain update.
        readonly = ("tracking_code", "status", "created_at", "updated_at", "resolved_at", "due_at")
        admin_columns = ("tracking_code", "title", "regency", "category", "status", "created_at", "due_at")
        label_field = "tracking_code"
        icon = "fas fa-bullhorn"
        # Staff work their regency's desk; everyone may submit a report and track it by its code.
        grants = {
            "regency_staff": ("read", "create", "update", "transition", "read_personal"),
            "public": ("submit", "track"),
        }

    def __str__(self) -> str:
        return self.tracking_code
