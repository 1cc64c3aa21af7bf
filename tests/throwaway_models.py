"""A model declared only by the tests: it must get an API, policies and admin pages with no other file touched."""
from tortoise import fields
from tortoise.models import Model


async def check_kiosk(kiosk: "Kiosk", relations: dict) -> None:
    """Cross-field rule of the test model; "crash" stands in for a bug deep in our code."""
    from core.errors import BadUserInput

    if kiosk.screens < 1:
        raise BadUserInput("screens must be at least 1.", field="screens")
    if kiosk.location == "crash":
        raise RuntimeError('relation "secret_table" does not exist: SELECT * FROM secret_table')


class Kiosk(Model):
    """A public-service kiosk placed in a regency's office."""

    id = fields.IntField(primary_key=True)
    #: Where the kiosk stands.
    location = fields.CharField(max_length=80)
    #: Number of screens.
    screens = fields.IntField(default=1)
    #: The regency that runs the kiosk.
    regency = fields.ForeignKeyField("models.Regency", related_name="kiosks")

    class Simpul:
        plural = "kiosks"
        filterable = ("location", "screens", "regency")
        sortable = ("location", "screens")
        searchable = ("location",)
        regency_path = "regency__code"
        admin_columns = ("location", "screens", "regency")
        label_field = "location"
        validator = check_kiosk
