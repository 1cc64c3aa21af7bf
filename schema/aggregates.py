"""``<plural>Aggregate``: how many rows a caller may read, in total, per declared condition, and per group.

Generated for every model that declares ``Simpul.groupable`` (shown for Complaint)::

    complaintsAggregate(filter: ComplaintFilter, search: String): ComplaintAggregate!

    type ComplaintAggregate {
      count: Int!                                          # the list's totalCount
      overdue: Int!                                        # one count per Simpul.conditions entry
      groups(by: [ComplaintGroupBy!]!): [ComplaintGroup!]!
    }
    type ComplaintGroup { key: ComplaintGroupKey!  count: Int!  overdue: Int! }
    type ComplaintGroupKey { status: ComplaintStatus  regency: Regency  category: ComplaintCategory  createdAtMonth: String }
    enum ComplaintGroupBy { STATUS REGENCY CATEGORY CREATED_AT_MONTH }

As Hasura's ``complaints_aggregate { aggregate { count } }`` and PostGraphile's
``groupedAggregates(groupBy: [STATUS])``, with typed keys. The rows counted are
exactly the list's: ``permissions.rows`` (the caller's read scope), then the same
``filter`` and ``search``; so ``count`` equals ``complaints(...).totalCount`` for the
same arguments, and the groups add up to it. Counting happens in SQL (``GROUP BY``,
one statement per ``groups`` field; ``COUNT(CASE WHEN <condition> ...)`` for the
conditions); a date or time is grouped by its month on the WIB calendar. A foreign
key's group names the related row through that model's own read scope (the batched
loader of the object types), so a key never shows a row the caller could not read.
"""
from __future__ import annotations

import datetime as dt
import enum
from functools import partial
from types import SimpleNamespace
from typing import Annotated, Any

import strawberry
from tortoise.expressions import RawSQL
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from core.clock import WIB
from core.errors import BadUserInput
from models.descriptions import readable, sentence
from models.registry import ModelSpec, RelationField, ScalarField, camel
from permissions import rows as scope
from schema.filters import filter_to_q
from schema.operations import search_condition
from schema.relations import fetch_fk_targets
from schema.requires import Requires
from schema.scalars import graphql_type

#: Annotation names of the statement (prefixed so that they never meet a field's name).
_COUNT = "simpul_count"
_CONDITION = "simpul_if_"
_MONTH = "simpul_month_"
#: WIB has kept UTC+7 since 1964: SQLite shifts a stored UTC time by this much before taking its month.
_WIB_MINUTES = int(dt.datetime(2000, 1, 1, tzinfo=WIB).utcoffset().total_seconds() // 60)


def aggregate_name(spec: ModelSpec) -> str:
    """The root field: ``complaintsAggregate``."""
    return f"{spec.plural}Aggregate"


def groupable_fields(spec: ModelSpec) -> list[ScalarField | RelationField]:
    return [spec.field(name) for name in spec.declaration.groupable]


def _by_month(field: ScalarField | RelationField) -> bool:
    return isinstance(field, ScalarField) and field.python_type in (dt.date, dt.datetime)


def key_name(field: ScalarField | RelationField) -> str:
    """The key's Python name: the field's, or ``created_at_month`` for a date or time."""
    return f"{field.name}_month" if _by_month(field) else field.name


# --- types ------------------------------------------------------------------------------------


def build_aggregate_types(spec: ModelSpec, ns) -> None:
    """``<Model>GroupBy``, ``<Model>GroupKey``, ``<Model>Group`` and ``<Model>Aggregate``."""
    plural = readable(spec.plural)
    fields = groupable_fields(spec)
    members = {key_name(f).upper(): f.name for f in fields}
    group_by = strawberry.enum(
        enum.Enum(f"{spec.name}GroupBy", members),
        description=f"A field {plural} are counted by in `groups(by: ...)`.",
    )
    for value in group_by.__strawberry_definition__.values:
        value.description = _member_description(spec.field(value.value))
    ns.add(f"{spec.name}GroupBy", group_by)

    annotations: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for field in fields:
        name = key_name(field)
        if isinstance(field, RelationField):
            attributes[name] = _related_key(spec, field, ns)
        else:
            annotations[name] = (str if _by_month(field) else graphql_type(field.python_type)) | None
            attributes[name] = strawberry.field(description=_key_description(field))
    ns.make(f"{spec.name}GroupKey", annotations, attributes,
            description=f"What the {plural} of one group share; a field the groups are not counted by is null.")

    counts = _condition_counts(spec)
    ns.make(
        f"{spec.name}Group",
        {"key": f"{spec.name}GroupKey", "count": int, **{name: int for name in counts}},
        {
            "key": strawberry.field(description="The values this group's rows share."),
            "count": strawberry.field(description=f"How many {plural} are in this group."),
            **{name: strawberry.field(description=text) for name, text in counts.items()},
        },
        description=f"{sentence(plural)} sharing the same values of the fields asked for in `by`.",
    )

    attributes = {
        "count": strawberry.field(resolver=_count_resolver(ns), description=f"How many {plural} match."),
        **{name: strawberry.field(resolver=_condition_resolver(spec, name, ns), description=text)
           for name, text in counts.items()},
        "groups": strawberry.field(
            resolver=_groups_resolver(spec, ns),
            description=f"The matching {plural} counted per value of the fields in `by` (every combination "
            "that occurs, in the order of `by`; rows without a value form the last group of their field). "
            "The counts add up to `count`.",
        ),
    }
    ns.make(f"{spec.name}Aggregate", {}, attributes,
            description=f"Counts of the {plural} you may read that match the filter.")


def _member_description(field: ScalarField | RelationField) -> str:
    if _by_month(field):
        return f"Per month of `{field.graphql_name}` (on the WIB calendar)."
    return f"Per `{field.graphql_name}`."


def _key_description(field: ScalarField) -> str:
    if _by_month(field):
        return (f"The month of `{field.graphql_name}` on the WIB calendar, as `2026-03`; "
                "null for rows without one or when not grouped by it.")
    return f"The `{field.graphql_name}` of the group's rows; null when not grouped by it (or for rows without one)."


def _condition_counts(spec: ModelSpec) -> dict[str, str]:
    """Condition name → the description of its count (the condition's docstring, first line)."""
    counts = {}
    for name, condition in spec.declaration.conditions.items():
        doc = (condition.__doc__ or "").strip().splitlines()
        what = doc[0].rstrip(".") if doc else f"`{name}`"
        counts[name] = f"How many of them are `{name}`: {what[:1].lower()}{what[1:]}."
    return counts


def _related_key(spec: ModelSpec, relation: RelationField, ns):
    target = spec.related(relation.name)

    async def resolve(root: strawberry.Parent[Any], info: strawberry.Info) -> Any:
        key = getattr(root, relation.column)
        if key is None:
            return None
        ctx = info.context
        # The object types' loader: the related row through its own read scope, batched over every group.
        return await ctx.loader(("fk", target.name), fetch_fk_targets(target, ctx.access)).load(key)

    resolve.__annotations__["return"] = f"{target.name} | None"
    resolve.__module__ = ns.module.__name__
    return strawberry.field(
        resolver=resolve,
        description=f"The `{relation.graphql_name}` of the group's rows; null when not grouped by it, "
        "for rows without one, or when you may not read it.",
    )


# --- the rows counted -------------------------------------------------------------------------


class Counted:
    """The rows one ``<plural>Aggregate`` counts: the caller's, filtered and searched as asked."""

    def __init__(self, spec: ModelSpec, queryset: QuerySet):
        self.spec = spec
        self.queryset = queryset

    async def count(self) -> int:
        return await self.queryset.count()

    async def count_where(self, condition: str) -> int:
        return await self.queryset.filter(self.spec.condition_filter(condition, True)).count()

    async def groups(self, by: list[str]) -> list[SimpleNamespace]:
        """One group per combination of the values of ``by`` (declared field names) that occurs."""
        if not by:
            raise BadUserInput("`by` needs at least one field to count by.", field="by")
        fields = [self.spec.field(name) for name in dict.fromkeys(by)]
        return await count_groups(self.spec, self.queryset, fields)


async def count_groups(spec: ModelSpec, queryset: QuerySet, fields: list[ScalarField | RelationField]) -> list[SimpleNamespace]:
    """Rows of ``queryset`` counted per combination of ``fields`` (and per declared condition), in one statement.

    Each group has the attributes of ``<Model>GroupKey`` (``status``, ``created_at_month``, and the
    column of a relation, ``regency_id``) under ``key``, then ``count`` and one count per condition.
    Services (the panel's dashboard) use it too, on their own scoped querysets.
    """
    dialect = spec.model._meta.db.capabilities.dialect
    columns: dict[str, str] = {}  # key attribute → column or annotation of the statement
    annotations: dict[str, Any] = {}
    for field in fields:
        if isinstance(field, RelationField):
            columns[field.column] = field.column
        elif _by_month(field):
            annotations[_MONTH + field.name] = RawSQL(_month_sql(spec, field, dialect))
            columns[key_name(field)] = _MONTH + field.name
        else:
            columns[field.name] = field.name
    annotations[_COUNT] = Count(spec.pk)
    for name in spec.declaration.conditions:
        annotations[_CONDITION + name] = Count(spec.pk, _filter=spec.condition_filter(name, True))
    grouped = queryset.annotate(**annotations).group_by(*columns.values())
    rows = await grouped.values(*columns.values(), *[a for a in annotations if a not in columns.values()])
    keys = [_key_attribute(f) for f in groupable_fields(spec)]
    groups = []
    for row in rows:
        key = SimpleNamespace(**{**dict.fromkeys(keys), **{attr: row[column] for attr, column in columns.items()}})
        counts = {name: row[_CONDITION + name] for name in spec.declaration.conditions}
        groups.append(SimpleNamespace(key=key, count=row[_COUNT], **counts))
    groups.sort(key=partial(_group_order, [(f, _key_attribute(f)) for f in fields]))
    return groups


def _key_attribute(field: ScalarField | RelationField) -> str:
    return field.column if isinstance(field, RelationField) else key_name(field)


def _group_order(fields: list[tuple[Any, str]], group: SimpleNamespace) -> tuple:
    """Groups in the order of ``by``: enums as declared, the rest by value; rows without a value last."""
    order = []
    for field, attribute in fields:
        value = getattr(group.key, attribute)
        if value is None:
            order.append((1, 0))
        elif isinstance(value, enum.Enum):
            order.append((0, list(type(value)).index(value)))
        else:
            order.append((0, value))
    return tuple(order)


def _month_sql(spec: ModelSpec, field: ScalarField, dialect: str) -> str:
    """``2026-03``: the month of a date, or of a time on the WIB calendar (times are stored in UTC)."""
    meta = spec.model._meta
    column = f'"{meta.db_table}"."{meta.fields_db_projection[field.name]}"'
    moment = field.python_type is dt.datetime
    if dialect == "postgres":
        shifted = f"({column} AT TIME ZONE '{WIB.key}')" if moment else column
        return f"to_char({shifted}, 'YYYY-MM')"
    # SQLite reads the stored `+00:00` and shifts to WIB by the modifier.
    modifier = f", '{_WIB_MINUTES:+d} minutes'" if moment else ""
    return f"strftime('%Y-%m', {column}{modifier})"


# --- resolvers and the root field -------------------------------------------------------------


def _count_resolver(ns):
    async def resolve(root: strawberry.Parent[Any]) -> int:
        return await root.count()

    resolve.__module__ = ns.module.__name__
    return resolve


def _condition_resolver(spec: ModelSpec, name: str, ns):
    async def resolve(root: strawberry.Parent[Any]) -> int:
        return await root.count_where(name)

    resolve.__module__ = ns.module.__name__
    return resolve


def _groups_resolver(spec: ModelSpec, ns):
    async def resolve(root: strawberry.Parent[Any], by: Any) -> Any:
        return await root.groups([member.value for member in by])

    resolve.__annotations__.update({
        "by": Annotated[f"list[{spec.name}GroupBy]", strawberry.argument(
            description="The fields to count by, at least one; a group per combination of their values.")],
        "return": f"list[{spec.name}Group]",
    })
    resolve.__module__ = ns.module.__name__
    return resolve


def build_aggregate_fields(spec: ModelSpec, ns) -> dict[str, Any]:
    """The root field ``<plural>Aggregate`` (after :func:`build_aggregate_types`); none without ``groupable``."""
    if not spec.declaration.groupable or not spec.declaration.allows("list"):
        return {}
    build_aggregate_types(spec, ns)

    async def resolve(info: strawberry.Info, filter: Any = None, search: str | None = None) -> Any:
        access = info.context.access
        queryset = scope.rows(spec, access, "read")
        if filter is not None:
            queryset = queryset.filter(filter_to_q(spec, filter, access))
        if search:
            queryset = queryset.filter(search_condition(spec, search))
        return Counted(spec, queryset)

    plural = readable(spec.plural)
    resolve.__annotations__.update({
        "filter": Annotated[f"{spec.name}Filter | None", strawberry.argument(
            description=f"Which {plural} to count, as `{spec.plural}(filter: ...)` takes it; leave it out for all you may read.")],
        "search": Annotated[str | None, strawberry.argument(
            description=f"Count only the {plural} the list's `search` with this text would return.")],
        "return": f"{spec.name}Aggregate",
    })
    resolve.__module__ = ns.module.__name__
    return {
        aggregate_name(spec): strawberry.field(
            resolver=resolve,
            description=f"Counts of the {plural} you may read, in total and per group (`groups(by: ...)`): "
            f"the same rows as `{spec.plural}` with the same `filter` and `search`.",
            extensions=[Requires(spec.name, "read")],
        )
    }
