from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person who signs in to the API or the panel. Roles live in the policy store."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    #: bcrypt hash, never exposed by any API or page.
    password_hash = fields.CharField(max_length=128)
    #: Primary role (`kominfo_admin`, `regency_staff`). Assignments are policy rules.
    role = fields.CharField(max_length=32)
    #: Home regency of regency staff.
    regency = fields.ForeignKeyField("models.Regency", related_name="users", null=True, on_delete=fields.SET_NULL)
    is_active = fields.BooleanField(default=True)
    #: Raised by a password change: tokens and panel sessions of an earlier epoch stop working.
    session_epoch = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_account"

    def __str__(self) -> str:
        return self.username
