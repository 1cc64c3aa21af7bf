"""Counting a caller's rows per value of the declared ``Simpul.groupable`` fields, in SQL.

Shared by the API's ``<plural>Aggregate`` (schema/aggregates.py) and the panel's
dashboard (services/dashboard.py): both hand in a queryset that already holds
only the caller's rows (``permissions.rows``), so what is counted is what the
caller may read. One ``GROUP BY`` statement per grouping, with one
``COUNT(CASE WHEN <condition> ...)`` per declared condition (``overdue``) beside
the plain count. A date or time is counted per month: a time on the WIB
calendar (stored in UTC), so a report received at 20:00 UTC on 31 January
counts for February, as the desk in Karawang saw it.
"""
from __future__ import annotations

import datetime as dt
import enum
from functools import partial
from types import SimpleNamespace
from typing import Any

from tortoise.expressions import RawSQL
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from core.clock import WIB
from core.errors import BadUserInput
from models.registry import ModelSpec, RelationField, ScalarField

#: Annotation names of the statement (prefixed so that they never meet a field's name).
_COUNT = "simpul_count"
_CONDITION = "simpul_if_"
_MONTH = "simpul_month_"
#: WIB has kept UTC+7 since 1964: SQLite shifts a stored UTC time by this much before taking its month.
_WIB_MINUTES = int(dt.datetime(2000, 1, 1, tzinfo=WIB).utcoffset().total_seconds() // 60)

Field = ScalarField | RelationField


def groupable_fields(spec: ModelSpec) -> list[Field]:
    """The fields of ``Simpul.groupable``, in declared order."""
    return [spec.field(name) for name in spec.declaration.groupable]


def by_month(field: Field) -> bool:
    """Dates and times are counted per month."""
    return isinstance(field, ScalarField) and field.python_type in (dt.date, dt.datetime)


def key_name(field: Field) -> str:
    """The name of the field's key: the field's own, or ``created_at_month`` for a date or time."""
    return f"{field.name}_month" if by_month(field) else field.name


def key_attribute(field: Field) -> str:
    """The attribute of a group's ``key`` holding the field's value: the key's name, or a relation's column
    (``regency_id``: the related row is looked up by whoever shows it, through its own read scope)."""
    return field.column if isinstance(field, RelationField) else key_name(field)


async def count_groups(spec: ModelSpec, queryset: QuerySet, by: list[str]) -> list[SimpleNamespace]:
    """The rows of ``queryset`` counted per combination of the values of ``by`` (declared groupable fields).

    Each group is ``SimpleNamespace(key=..., count=n, <condition>=n ...)``; ``key`` carries the
    :func:`key_attribute` of every groupable field, None for those not in ``by``. Groups come in
    the order of ``by``: enums as declared, the rest by value, rows without a value last.
    """
    if not by:
        raise BadUserInput("`by` needs at least one field to count by.", field="by")
    undeclared = [name for name in by if name not in spec.declaration.groupable]
    if undeclared:
        raise ValueError(f"{spec.name} declares no groupable field {undeclared[0]!r}")
    fields = [spec.field(name) for name in dict.fromkeys(by)]
    dialect = spec.model._meta.db.capabilities.dialect
    columns: dict[str, str] = {}  # key attribute → column or annotation of the statement
    annotations: dict[str, Any] = {}
    for field in fields:
        if by_month(field):
            annotations[_MONTH + field.name] = RawSQL(_month_sql(spec, field, dialect))
            columns[key_name(field)] = _MONTH + field.name
        else:
            columns[key_attribute(field)] = key_attribute(field)
    counted = {_COUNT: Count(spec.pk)}
    for name in spec.declaration.conditions:
        counted[_CONDITION + name] = Count(spec.pk, _filter=spec.condition_filter(name, True))
    rows = await (
        queryset.annotate(**annotations, **counted).group_by(*columns.values()).values(*columns.values(), *counted)
    )
    empty_key = dict.fromkeys(key_attribute(f) for f in groupable_fields(spec))
    groups = [
        SimpleNamespace(
            key=SimpleNamespace(**{**empty_key, **{attribute: row[column] for attribute, column in columns.items()}}),
            count=row[_COUNT],
            **{name: row[_CONDITION + name] for name in spec.declaration.conditions},
        )
        for row in rows
    ]
    groups.sort(key=partial(_group_order, [key_attribute(f) for f in fields]))
    return groups


def _group_order(attributes: list[str], group: SimpleNamespace) -> tuple:
    order = []
    for attribute in attributes:
        value = getattr(group.key, attribute)
        if value is None:
            order.append((1, 0))
        elif isinstance(value, enum.Enum):
            order.append((0, list(type(value)).index(value)))
        else:
            order.append((0, value))
    return tuple(order)


def _month_sql(spec: ModelSpec, field: ScalarField, dialect: str) -> str:
    """``2026-03``: the month of a date, or of a time on the WIB calendar."""
    meta = spec.model._meta
    column = f'"{meta.db_table}"."{meta.fields_db_projection[field.name]}"'
    moment = field.python_type is dt.datetime
    if dialect == "postgres":
        shifted = f"({column} AT TIME ZONE '{WIB.key}')" if moment else column
        return f"to_char({shifted}, 'YYYY-MM')"
    # SQLite reads the stored offset (`+00:00`), then shifts to WIB by the modifier.
    modifier = f", '{_WIB_MINUTES:+d} minutes'" if moment else ""
    return f"strftime('%Y-%m', {column}{modifier})"
