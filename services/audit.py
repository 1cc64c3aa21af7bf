"""The audit log: who changed what, from where, with the values before and after.

The generic CRUD service, the complaint workflow, the account service, the
policy changes and the admin panel all write through :func:`record`, so every
change lands in ``AuditEntry`` the same way. Values are stored as JSON, so
:func:`snapshot` turns dates, enums and decimals into strings first.

Actions (``AuditEntry.action``, at most 16 characters): ``create``, ``update``,
``delete``, ``transition`` for rows; ``policy_add``, ``policy_remove``,
``role_assign``, ``role_revoke`` for the policy; ``user_create``,
``user_update``, ``user_deactivate``, ``user_activate``, ``user_delete``,
``password_reset`` for accounts (never a password or its hash); ``login_throttled``;
``export`` for a downloaded list.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.values import jsonable
from models.history import AuditEntry

#: The usual values of ``source``: the GraphQL API, the admin panel, the platform itself (scheduled jobs, seeds,
#: the recovery command).
SOURCES = ("api", "admin", "system")
#: Actions that change who may do what: the policy and the accounts.
POLICY_ACTIONS = ("policy_add", "policy_remove", "role_assign", "role_revoke")
ACCOUNT_ACTIONS = ("user_create", "user_update", "user_deactivate", "user_activate", "user_delete", "password_reset")


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``row`` as JSON-safe values, e.g. ``snapshot(c, ["status", "due_at"])``.

    Name a foreign key by its column (``regency_id``) to record the id without a query.
    """
    return {name: jsonable(getattr(row, name)) for name in fields}


def changed_only(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of ``before`` and ``after`` whose values differ (keys of either), for a compact diff."""
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


async def record(
    *,
    actor: Any,
    action: str,
    model: str,
    object_id: Any,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    source: str = "api",
) -> AuditEntry:
    """Write one audit entry. ``actor`` is the acting User or None (anonymous caller, or the platform).

    ``action`` is one of the module's actions (above). Call it inside the transaction of the
    change, so the entry and the change commit together.
    """
    return await AuditEntry.create(
        actor=actor,
        # Kept as text so the entry still names the person after the account is deleted.
        actor_name=getattr(actor, "username", "") if actor is not None else "",
        action=action,
        model=model,
        object_id=str(object_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        source=source,
    )


def recorder(actor: Any, *, source: str = "api"):
    """The ``audit`` hook ``permissions.management`` takes: records each policy change as done by ``actor``.

        await management.remove_rule(*rule, audit=audit.recorder(access.user, source="admin"))
    """

    async def hook(action: str, model: str, object_id: Any, before, after) -> AuditEntry:
        return await record(
            actor=actor, action=action, model=model, object_id=object_id, before=before, after=after, source=source
        )

    return hook
