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
same arguments, and the groups add up to it. The counting itself is
services/aggregates.py (SQL, one ``GROUP BY`` per ``groups`` field; a date or
time is grouped by its month on the WIB calendar), shared with the panel's
dashboard. A foreign key's group names the related row through that model's own
read scope (the batched loader of the object types), so a key never shows a row
the caller could not read.
"""
from __future__ import annotations

import enum
from typing import Annotated, Any

import strawberry
from tortoise.queryset import QuerySet

from models.descriptions import readable, sentence
from models.registry import ModelSpec, RelationField, ScalarField
from permissions import rows as scope
from schema.filters import filter_to_q
from schema.operations import search_condition
from schema.relations import fetch_fk_targets
from schema.requires import Requires
from schema.scalars import graphql_type
from services.aggregates import by_month, count_groups, groupable_fields, key_name


def aggregate_name(spec: ModelSpec) -> str:
    """The root field: ``complaintsAggregate``."""
    return f"{spec.plural}Aggregate"


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
            annotations[name] = (str if by_month(field) else graphql_type(field.python_type)) | None
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
    if by_month(field):
        return f"Per month of `{field.graphql_name}` (on the WIB calendar)."
    return f"Per `{field.graphql_name}`."


def _key_description(field: ScalarField) -> str:
    if by_month(field):
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

    async def groups(self, by: list[str]) -> list[Any]:
        """One group per combination of the values of ``by`` (declared field names) that occurs."""
        return await count_groups(self.spec, self.queryset, by)


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
