from tortoise import fields
from tortoise.models import Model

from models.agreement_rules import check_agreement
from models.enums import AgreementKind, AgreementStatus


class Agreement(Model):
    """An MoU between a provider and an adopting region, or the technical PKS that follows it."""

    id = fields.IntField(primary_key=True)
    #: Document number as written on the agreement.
    number = fields.CharField(max_length=100, unique=True)
    #: `MOU` first, then a `PKS` that lists the apps adopted.
    kind = fields.CharEnumField(AgreementKind, max_length=5)
    #: Title of the agreement, in Indonesian.
    title = fields.CharField(max_length=255)
    #: The adopting region.
    regency = fields.ForeignKeyField("models.Regency", related_name="agreements", on_delete=fields.RESTRICT)
    #: The providing region (Kota Tangerang).
    provider = fields.ForeignKeyField(
        "models.Regency", related_name="provided_agreements", on_delete=fields.RESTRICT
    )
    #: The MoU a PKS follows.
    parent = fields.ForeignKeyField(
        "models.Agreement", related_name="followups", null=True, on_delete=fields.RESTRICT
    )
    #: Who signed, as written on the document.
    signatories = fields.TextField(default="")
    #: Date of signing.
    signed_on = fields.DateField(null=True)
    #: Last day the agreement is in force.
    valid_until = fields.DateField(null=True)
    #: Lifecycle status.
    status = fields.CharEnumField(AgreementStatus, max_length=10, default=AgreementStatus.DRAFT)
    #: The apps the agreement covers.
    apps = fields.ManyToManyField("models.App", related_name="agreements", through="agreement_app")

    class Meta:
        table = "agreement"
        ordering = ["id"]

    class Simpul:
        plural = "agreements"
        filterable = ("number", "kind", "title", "status", "signed_on", "valid_until", "regency", "provider", "parent", "apps")
        sortable = ("number", "kind", "status", "signed_on", "valid_until")
        searchable = ("number", "title")
        groupable = ("status", "kind")
        regency_path = "regency__code"
        published = {"status__not": AgreementStatus.DRAFT}
        admin_columns = ("number", "kind", "title", "regency", "signed_on", "status")
        label_field = "number"
        # Newest signing first; drafts (no signing date yet) last, as NULLs always come (models.ordering).
        default_order = ("-signed_on", "id")
        validator = check_agreement
        icon = "fas fa-file-signature"
        # Staff read their regency's agreements in every status (drafts included); the public the published ones.
        grants = {"regency_staff": ("read",), "public": ("read",)}

    def __str__(self) -> str:
        return self.number
