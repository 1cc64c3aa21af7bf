from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person who signs in to the API or the panel. What they may do is in the policy store, not on the account."""

    id = fields.IntField(primary_key=True)
    #: Sign-in name: lowercase letters, digits, `.`, `_` or `-`.
    username = fields.CharField(max_length=64, unique=True)
    #: bcrypt hash, never exposed by any API or page. Empty until a password is set: nobody can sign in with it.
    password_hash = fields.CharField(max_length=128, default="")
    #: Home regency of regency staff, empty for accounts that work for every regency.
    regency = fields.ForeignKeyField("models.Regency", related_name="users", null=True, on_delete=fields.SET_NULL)
    #: False for a deactivated account: it cannot sign in, and its tokens and panel sessions stop working.
    is_active = fields.BooleanField(default=True)
    #: Raised by a password change: tokens and panel sessions of an earlier epoch stop working.
    session_epoch = fields.IntField(default=0)
    #: When the account was created.
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_account"

    class Simpul:
        plural = "users"
        filterable = ("username", "regency", "is_active", "created_at")
        sortable = ("username", "is_active", "created_at")
        searchable = ("username",)
        regency_path = "regency__code"
        hidden = ("password_hash", "session_epoch")
        admin_columns = ("username", "regency", "is_active", "created_at")
        label_field = "username"
        default_order = ("username",)
        icon = "fas fa-users"
        # Accounts are read through the generated `users`/`user`; they are created, changed and
        # deleted only through services.accounts (passwords, role assignments), never by generic CRUD.
        operations = ("list", "get")
        # No default grants: regency staff do not read accounts. Kominfo admins read every account
        # through their `kominfo_admin * * *` rule; a role granted `User read` (or `User *`) in a
        # regency reads that regency's accounts, as its create/update/delete grants manage them.
        grants = {}

    def __str__(self) -> str:
        return self.username
