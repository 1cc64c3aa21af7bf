"""Models declared only by the tests: each must get an API, policies and admin pages with no other file touched.

``Kiosk`` declares grants, a published rule and a personal field, as a new
model of the product would: the generated permission tests (tests/roles.py is
their oracle) cover it without naming it. ``Noticeboard`` declares no grants at
all: default deny makes it Kominfo's alone.
"""
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
    #: Listed in the public directory of kiosks.
    is_public = fields.BooleanField(default=False)
    #: Name and phone of the officer who looks after the kiosk: personal data.
    contact_person = fields.CharField(max_length=120, null=True)
    #: The regency that runs the kiosk.
    regency = fields.ForeignKeyField("models.Regency", related_name="kiosks")

    class Simpul:
        plural = "kiosks"
        filterable = ("location", "screens", "regency")
        sortable = ("location", "screens")
        searchable = ("location",)
        regency_path = "regency__code"
        published = {"is_public": True}
        personal = ("contact_person",)
        admin_columns = ("location", "screens", "contact_person", "regency")
        label_field = "location"
        validator = check_kiosk
        # Staff look after their regency's kiosks; the public reads the listed ones.
        grants = {"regency_staff": ("read", "update", "read_personal"), "public": ("read",)}


class Noticeboard(Model):
    """A notice board in a regency's office; declared without grants, so only Kominfo may reach it."""

    id = fields.IntField(primary_key=True)
    #: What the board announces.
    title = fields.CharField(max_length=120)
    #: The regency whose office holds the board.
    regency = fields.ForeignKeyField("models.Regency", related_name="noticeboards")

    class Simpul:
        plural = "noticeboards"
        filterable = ("title", "regency")
        regency_path = "regency__code"
        admin_columns = ("title", "regency")
        label_field = "title"
