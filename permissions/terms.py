"""The words of the policy: domains, actions and the objects that are not models."""
from __future__ import annotations

#: Domain (and object/action) wildcard: every regency, every model, every action.
ANY = "*"
#: Domain of the rows a model declares published, and the role everyone holds in it.
PUBLIC = "public"

#: Actions a rule may grant. `read_personal` unlocks a model's personal-data fields;
#: `submit` and `track` are the complaint workflow open to everyone; `manage` is
#: for the `User` and `Policy` objects.
ACTIONS: tuple[str, ...] = (
    "read",
    "create",
    "update",
    "delete",
    "transition",
    "read_personal",
    "submit",
    "track",
    "manage",
)

#: Objects that are not declared models: accounts and the policy itself.
MANAGEMENT_OBJECTS: tuple[str, ...] = ("User", "Policy")
