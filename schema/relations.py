"""Batched loading of relations: one SQL statement per relation and nesting level, whatever the row count.

Every loader reads only rows the caller may read, so a nested field never
shows what the top-level query would hide (``regency { complaints }``).

List relations (a reverse foreign key such as ``Regency.complaints``, a
many-to-many such as ``Agreement.apps``) return the first ``limit`` children
of each parent in the requested order, after the ``after`` cursor when one is
given: the database ranks each parent's children with ``ROW_NUMBER() OVER
(PARTITION BY parent ORDER BY ...)`` and returns only the ranks wanted, so a
regency with 200,000 complaints costs what one with ten does.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise.expressions import Q

from models.ordering import Ordering
from models.registry import ModelSpec, RelationField
from permissions.rows import visible

#: Columns the ranked statement adds to the children's own: the parent's key and the rank under it.
_PARENT = "simpul_parent"
_RANK = "simpul_rank"


def fetch_fk_targets(target: ModelSpec, access):
    async def load(ids: list[int]) -> list[Any]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [None] * len(ids)
        rows = {row.pk: row for row in await queryset.filter(pk__in=list(set(ids)))}
        return [rows.get(i) for i in ids]

    return load


def fetch_children(target: ModelSpec, relation: RelationField, access, condition: Q, ordering: Ordering, limit: int):
    """Reverse foreign key: the first ``limit`` children of each parent matching ``condition``, in one statement.

    ``condition`` may hold a keyset cursor's ``WHERE`` (``Keyset.after``): the
    children are annotated with the ordering's keys before it is applied.
    """

    async def load(parent_ids: list[int]) -> list[list[Any]]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [[] for _ in parent_ids]
        children = ordering.annotate(queryset).filter(condition).filter(**{f"{relation.column}__in": list(set(parent_ids))})
        inner, params = _sql(children)
        parent = f'"keyed"."{target.model._meta.fields_db_projection[relation.column]}"'
        rows = await _first_per_parent(target, f'({inner}) AS "keyed"', params, parent, ordering, limit)
        return _grouped(target, rows, parent_ids)

    return load


def fetch_many_to_many(target: ModelSpec, relation: RelationField, access, condition: Q, ordering: Ordering, limit: int):
    """Many-to-many: the first ``limit`` visible targets of each parent, in one statement joining the link table."""

    async def load(parent_ids: list[int]) -> list[list[Any]]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [[] for _ in parent_ids]
        inner, params = _sql(ordering.annotate(queryset).filter(condition))
        wanted = sorted(set(parent_ids))
        marks = _placeholders(target, len(params), len(wanted))
        pk_column = target.model._meta.db_pk_column
        source = (
            f'"{relation.through}" AS "link" JOIN ({inner}) AS "keyed" '
            f'ON "keyed"."{pk_column}" = "link"."{relation.other_key}" '
            f'AND "link"."{relation.own_key}" IN ({marks})'
        )
        parent = f'"link"."{relation.own_key}"'
        rows = await _first_per_parent(target, source, [*params, *wanted], parent, ordering, limit)
        return _grouped(target, rows, parent_ids)

    return load


def _sql(queryset) -> tuple[str, list[Any]]:
    """The SQL and parameters Tortoise would run for ``queryset``.

    Tortoise has no window functions, so the ranked statement wraps Tortoise's
    own SQL, built with the same private steps its ``Subquery`` takes; the
    batching and cursor tests run this on SQLite and PostgreSQL, so an upgrade
    that changes them fails loudly.
    """
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    sql, params = queryset.query.get_parameterized_sql()
    return sql, list(params)


async def _first_per_parent(
    target: ModelSpec, source: str, params: list[Any], parent: str, ordering: Ordering, limit: int
) -> list[dict[str, Any]]:
    """Rows of ``source`` (children as ``"keyed"``) ranked per ``parent`` in ``ordering``, the first ``limit`` of each.

    The window orders by the same terms as a top-level list (``LOWER`` of text
    keys, NULL flags; ``"keyed"`` carries them as ``Ordering.annotate`` added
    them), so a nested list and the top-level list agree on order and share cursors.
    """
    meta = target.model._meta
    order_sql = ", ".join(
        f'"keyed"."{meta.fields_db_projection.get(name, name)}" {"DESC" if descending else "ASC"}'
        for name, descending in ordering.sorted_by(meta.db.capabilities.dialect)
    )
    sql = (
        f'SELECT * FROM (SELECT "keyed".*, {parent} AS "{_PARENT}", '
        f'ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {order_sql}) AS "{_RANK}" FROM {source}) AS "ranked" '
        f'WHERE "ranked"."{_RANK}" <= {int(limit)} ORDER BY "ranked"."{_PARENT}", "ranked"."{_RANK}"'
    )
    return await target.model._meta.db.execute_query_dict(sql, params)


def _grouped(target: ModelSpec, rows: list[dict[str, Any]], parent_ids: list[int]) -> list[list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[_PARENT]].append(target.model._init_from_db(**row))
    return [grouped[i] for i in parent_ids]


def _placeholders(target: ModelSpec, taken: int, count: int) -> str:
    """``?, ?`` on SQLite, ``$4, $5`` on PostgreSQL (numbered after the ``taken`` parameters before them)."""
    if target.model._meta.db.capabilities.dialect == "postgres":
        return ", ".join(f"${taken + n + 1}" for n in range(count))
    return ", ".join("?" for _ in range(count))
