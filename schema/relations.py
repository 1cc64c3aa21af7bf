"""Batched loading of relations: one SQL statement per relation and nesting level, whatever the row count.

Every loader reads only rows the caller may read, so a nested field never
shows what the top-level query would hide (``regency { complaints }``).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise import connections
from tortoise.expressions import Q, RawSQL

from models.registry import ModelSpec, RelationField
from permissions.rows import visible


def fetch_fk_targets(target: ModelSpec, access):
    async def load(ids: list[int]) -> list[Any]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [None] * len(ids)
        rows = {row.pk: row for row in await queryset.filter(pk__in=list(set(ids)))}
        return [rows.get(i) for i in ids]

    return load


def fetch_children(target: ModelSpec, relation: RelationField, access, condition: Q, ordering: list[str], limit: int):
    """Reverse foreign key: the first ``limit`` children of many parents in one statement, grouped per parent.

    The database ranks each parent's children (``ROW_NUMBER() OVER (PARTITION BY
    parent ...)``) and returns only the first ``limit`` of each, so a regency
    with 200,000 complaints costs what one with ten does.
    """

    async def load(parent_ids: list[int]) -> list[list[Any]]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [[] for _ in parent_ids]
        children = queryset.filter(condition).filter(**{f"{relation.column}__in": list(set(parent_ids))})
        rows = await _first_per_parent(target, children, relation.column, ordering, limit)
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, relation.column)].append(row)
        return [grouped[i] for i in parent_ids]

    return load


_RANK = "simpul_rank"


async def _first_per_parent(target: ModelSpec, children, parent_field: str, ordering: list[str], limit: int) -> list[Any]:
    """The first ``limit`` rows of ``children`` per ``parent_field`` value, in ``ordering``.

    Tortoise has no window functions, so the ranked query is built from its own
    SQL and parameters (the same private steps its ``Subquery`` takes); the
    batching tests run this on SQLite and PostgreSQL, so an upgrade that
    changes them fails loudly.
    """
    meta = target.model._meta
    table = meta.db_table
    column = meta.fields_db_projection
    order_sql = ", ".join(
        f'"{table}"."{column[term.lstrip("-")]}" {"DESC" if term.startswith("-") else "ASC"}' for term in ordering
    )
    parent_column = column[parent_field]
    ranked = children.annotate(
        **{_RANK: RawSQL(f'ROW_NUMBER() OVER (PARTITION BY "{table}"."{parent_column}" ORDER BY {order_sql})')}
    )
    ranked._choose_db_if_not_chosen()
    ranked._make_query()
    inner, params = ranked.query.get_parameterized_sql()
    sql = (
        f'SELECT * FROM ({inner}) AS "ranked" WHERE "ranked"."{_RANK}" <= {int(limit)} '
        f'ORDER BY "ranked"."{parent_column}", "ranked"."{_RANK}"'
    )
    rows = await meta.db.execute_query_dict(sql, params)
    return [target.model._init_from_db(**row) for row in rows]


def fetch_many_to_many(target: ModelSpec, relation: RelationField, access, condition: Q, ordering: list[str], limit: int):
    """Many-to-many: the link rows and the visible targets, two statements for all parents together."""

    async def load(parent_ids: list[int]) -> list[list[Any]]:
        queryset = visible(target, access, "read")
        if queryset is None:
            return [[] for _ in parent_ids]
        links = await _link_rows(relation, list(set(parent_ids)))
        target_ids = {other for _, other in links}
        rows = await queryset.filter(condition).filter(pk__in=list(target_ids)).order_by(*ordering)
        position = {row.pk: row for row in rows}
        order = {row.pk: index for index, row in enumerate(rows)}
        grouped: dict[int, list[Any]] = defaultdict(list)
        for own, other in links:
            if other in position:
                grouped[own].append(position[other])
        return [sorted(grouped[i], key=lambda r: order[r.pk])[:limit] for i in parent_ids]

    return load


async def _link_rows(relation: RelationField, parent_ids: list[int]) -> list[tuple[int, int]]:
    if not parent_ids:
        return []
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    marks = ", ".join(f"${n + 1}" if dialect == "postgres" else "?" for n in range(len(parent_ids)))
    sql = (
        f'SELECT "{relation.own_key}", "{relation.other_key}" FROM "{relation.through}" '
        f'WHERE "{relation.own_key}" IN ({marks})'
    )
    _, rows = await connection.execute_query(sql, parent_ids)
    return [(row[0], row[1]) for row in rows]
