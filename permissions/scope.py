"""From a decision to rows: the SQL filter for a list, and "is this row in my regencies?" for one row.

Everything here reads the model's declaration (``regency_path``, ``published``);
nothing knows a model by name.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q
from tortoise.fields import relational

if TYPE_CHECKING:
    from models.declaration import Declaration
    from models.registry import ModelSpec
    from permissions.access import Decision


def no_rows() -> Q:
    """A filter no row matches; Tortoise renders an empty ``IN`` as ``WHERE 1=0`` on SQLite and PostgreSQL."""
    return Q(pk__in=[])


def row_filter_for(declaration: "Declaration", decision: "Decision") -> Q | None:
    """The rows ``decision`` opens on ``spec``: None for every row, else a Q (possibly matching nothing).

    A grant in domain ``*`` opens every row. A grant through ``public`` opens the
    declaration's published rows (all rows when it declares none). A grant in
    regency domains opens the rows whose ``regency_path`` is one of those codes;
    a model without a ``regency_path`` (global data) gets no rows from it.
    The parts are OR-ed: a signed-in user never sees less than the public.
    """
    if not decision.allowed:
        return no_rows()
    if decision.everywhere:
        return None
    parts: list[Q] = []
    if decision.published:
        if declaration.published is None:
            return None
        parts.append(Q(**declaration.published))
    if decision.regencies and declaration.regency_path:
        parts.append(Q(**{f"{declaration.regency_path}__in": sorted(decision.regencies)}))
    if not parts:
        return no_rows()
    return parts[0] if len(parts) == 1 else Q(*parts, join_type=Q.OR)


class RegencyMembership:
    """Answers "is this row in one of these regencies?" for many rows with at most one query per path.

    - ``regency_path = "code"`` (the model is the regency): read the row's own field, no SQL.
    - ``regency_path = "<fk>__<field>"``: one query maps the granted codes to the
      related model's ids (cached and shared by concurrent resolvers), then
      compare the row's foreign-key column.
    - longer paths: one ``EXISTS`` query per row (cached per row).
    """

    def __init__(self) -> None:
        self._lookups: dict[tuple, asyncio.Task] = {}

    async def contains(self, spec: "ModelSpec", row: Any, regencies: frozenset[str]) -> bool:
        path = spec.declaration.regency_path
        if not path or not regencies:
            return False
        head, _, rest = path.partition("__")
        if not rest:
            return getattr(row, head) in regencies
        fk = spec.model._meta.fields_map.get(head)
        if isinstance(fk, relational.ForeignKeyFieldInstance) and "__" not in rest:
            target, key = fk.related_model, fk.to_field_instance.model_field_name

            async def granted_keys() -> frozenset:
                rows = target.filter(**{f"{rest}__in": list(regencies)}).values_list(key, flat=True)
                return frozenset(await rows)

            ids = await self._once(("keys", target, rest, regencies), granted_keys)
            return getattr(row, fk.source_field) in ids
        return await self._once(
            ("row", spec.name, row.pk, regencies),
            lambda: spec.model.filter(pk=row.pk, **{f"{path}__in": list(regencies)}).exists(),
        )

    async def _once(self, key: tuple, query: Callable[[], Awaitable[Any]]) -> Any:
        # A task, not a value: the resolvers of one page run concurrently and must share one query.
        task = self._lookups.get(key)
        if task is None:
            task = self._lookups[key] = asyncio.ensure_future(query())
        return await task
