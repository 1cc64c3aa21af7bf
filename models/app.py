from tortoise import fields
from tortoise.models import Model
from tortoise.validators import RegexValidator

from models.enums import AppCategory, AppPlatform, AppStatus


class SlugValidator(RegexValidator):
    """Lowercase letters and digits in words joined by single dashes: ``gawat-darurat-112``; no spaces."""

    #: The refusal's ``extensions.reason`` (services.validation reads it) and the rule in its message.
    reason = "APP_SLUG_FORMAT"
    rule = "may contain only lowercase letters, digits and single dashes between them (no spaces), e.g. gawat-darurat-112"

    def __init__(self) -> None:
        super().__init__(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z", 0)


class App(Model):
    """An application of the Kota Tangerang smart-city catalogue that other regions may adopt."""

    id = fields.IntField(primary_key=True)
    #: Display name, e.g. `LAKSA`.
    name = fields.CharField(max_length=120)
    #: URL-safe unique name, e.g. `laksa`.
    slug = fields.CharField(max_length=120, unique=True, validators=[SlugValidator()])
    #: Catalogue group of the app.
    category = fields.CharEnumField(AppCategory, max_length=20)
    #: What the app does, in Indonesian.
    description = fields.TextField(default="")
    #: The unit (OPD) that runs the app, e.g. `Dinas Komunikasi dan Informatika`.
    owner_unit = fields.CharField(max_length=120, default="")
    #: Where the app runs.
    platform = fields.CharEnumField(AppPlatform, max_length=20, default=AppPlatform.WEB)
    #: Lifecycle status in the catalogue.
    status = fields.CharEnumField(AppStatus, max_length=10, default=AppStatus.ACTIVE)
    #: Public address of the app, if any.
    url = fields.CharField(max_length=255, null=True)
    #: Date the app went live.
    launched_on = fields.DateField(null=True)

    class Meta:
        table = "app"
        ordering = ["name"]

    class Simpul:
        plural = "apps"
        filterable = ("name", "slug", "category", "platform", "status", "owner_unit", "launched_on")
        sortable = ("name", "slug", "category", "launched_on")
        searchable = ("name", "description", "owner_unit")
        admin_columns = ("name", "category", "platform", "status", "owner_unit")
        label_field = "name"
        icon = "fas fa-mobile-alt"
        # The catalogue is public.
        grants = {"public": ("read",)}

    def __str__(self) -> str:
        return self.name
