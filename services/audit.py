"""The audit log: who changed what, from where, with the values before and after.

The generic CRUD service, the complaint workflow and the admin panel all write
through :func:`record`, so every change lands in ``AuditEntry`` the same way.
Values are stored as JSON, so :func:`snapshot` turns dates, enums and decimals
into strings first.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.values import jsonable
from models.history import AuditEntry

#: The usual values of ``source``: the GraphQL API, the admin panel, the platform itself (scheduled jobs, seeds).
SOURCES = ("api", "admin", "system")


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``row`` as JSON-safe values, e.g. ``snapshot(c, ["status", "due_at"])``.

    Name a foreign key by its column (``regency_id``) to record the id without a query.
    """
    return {name: jsonable(getattr(row, name)) for name in fields}


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

    ``action`` is ``create``, ``update``, ``delete`` or ``transition``. Call it inside
    the transaction of the change, so the entry and the change commit together.
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
