from tortoise import fields
from tortoise.models import Model

from models.enums import RegencyKind


class Regency(Model):
    """A kabupaten or kota (Kemendagri code): a provider of apps or an adopter of them."""

    id = fields.IntField(primary_key=True)
    #: Kemendagri region code, e.g. `32.15` for Kabupaten Karawang.
    code = fields.CharField(max_length=5, unique=True)
    #: Official name, e.g. `Kabupaten Karawang`.
    name = fields.CharField(max_length=100)
    #: `KABUPATEN` (regency) or `KOTA` (city).
    kind = fields.CharEnumField(RegencyKind, max_length=10)
    #: Province name as listed by Kemendagri.
    province = fields.CharField(max_length=100)
    #: True for a region that provides apps to others (Kota Tangerang).
    is_provider = fields.BooleanField(default=False)

    class Meta:
        table = "regency"
        ordering = ["code"]

    class Simpul:
        plural = "regencies"
        filterable = ("code", "name", "kind", "province", "is_provider")
        sortable = ("code", "name", "province")
        searchable = ("code", "name", "province")
        regency_path = "code"
        admin_columns = ("code", "name", "kind", "province", "is_provider")
        label_field = "name"
        icon = "fas fa-map"
        grants = {"public": ("read",)}

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
