"""The GraphQL object type of each declared model, with batched, scoped relation fields."""
import dataclasses
import enum
import json
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Q

from models.descriptions import noun, readable
from models.registry import ModelSpec, RelationField, ScalarField
from schema.filters import FILTER_ARGUMENT, filter_to_q
from schema.ordering import ORDER_ARGUMENT, order_by as ordering_for
from schema.cursors import Keyset
from schema.pagination import FIRST_ARGUMENT, NESTED_AFTER_ARGUMENT, page_size
from schema.relations import fetch_children, fetch_fk_targets, fetch_many_to_many
from schema.scalars import graphql_type


def build_object_type(spec: ModelSpec, ns) -> Any:
    annotations: dict[str, Any] = {"id": strawberry.ID}
    attributes: dict[str, Any] = {"id": strawberry.field(description=spec.scalars[spec.pk].description)}
    for field in spec.visible_scalars():
        if field.name == spec.pk:
            continue
        if field.name in spec.declaration.personal:
            attributes[field.name] = _personal_field(spec, field, ns)
            continue
        kind = graphql_type(field.python_type)
        annotations[field.name] = kind | None if field.nullable else kind
        attributes[field.name] = strawberry.field(description=field.description)
    for relation in spec.relations.values():
        attributes[relation.name] = _relation_field(spec, relation, ns)
    return ns.make(spec.name, annotations, attributes, description=spec.description)


def _personal_field(spec: ModelSpec, field: ScalarField, ns):
    async def resolve(root: strawberry.Parent[Any], info: strawberry.Info) -> Any:
        if await info.context.access.can_see_personal(spec, root):
            return getattr(root, field.name)
        return None

    resolve.__annotations__["return"] = graphql_type(field.python_type) | None
    description = field.description or ""
    if "personal data" not in description.lower():
        description = f"{description} Personal data: null for callers who may not read it.".strip()
    return strawberry.field(resolver=resolve, description=description)


def _relation_field(spec: ModelSpec, relation: RelationField, ns):
    target = spec.related(relation.name)
    if relation.kind == "fk":
        async def resolve_one(root: strawberry.Parent[Any], info: strawberry.Info) -> Any:
            key = getattr(root, relation.column)
            if key is None:
                return None
            ctx = info.context
            loader = ctx.loader(("fk", target.name), fetch_fk_targets(target, ctx.access))
            return await loader.load(key)

        resolve_one.__annotations__["return"] = f"{target.name} | None"
        resolve_one.__module__ = ns.module.__name__
        return strawberry.field(resolver=resolve_one, description=relation.description)

    fetch = fetch_children if relation.kind == "reverse_fk" else fetch_many_to_many

    async def resolve_many(
        root: strawberry.Parent[Any],
        info: strawberry.Info,
        filter: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        ctx = info.context
        # Every parent row of a page asks with the same arguments (one field of the document, the request's
        # variables): the condition, the order and the loader are built for the first row and reused by the rest.
        # (The field node lives as long as the request's document, and the loaders as long as the request.)
        per_field = ("rows of", spec.name, relation.name, id(info._raw_info.field_nodes[0]))
        loader = ctx.loaders.get(per_field)
        if loader is None:
            condition = filter_to_q(target, filter, ctx.access) if filter is not None else _everything()
            ordering = ordering_for(target, order_by)
            if after is not None:
                # Per parent: each parent's children that sort after the cursor's row.
                condition &= Keyset(target, ordering).after(after)
            limit = page_size(first)
            key = (relation.kind, spec.name, relation.name, _arguments_key(filter, order_by, after), limit)
            loader = ctx.loaders[per_field] = ctx.loader(key, fetch(target, relation, ctx.access, condition, ordering, limit))
        return await loader.load(root.pk)

    plural = readable(target.plural)
    resolve_many.__annotations__.update({
        "filter": Annotated[f"{target.name}Filter | None", strawberry.argument(description=FILTER_ARGUMENT.format(plural=plural))],
        "order_by": Annotated[f"list[{target.name}Order] | None", strawberry.argument(description=ORDER_ARGUMENT)],
        "first": Annotated[int | None, strawberry.argument(description=FIRST_ARGUMENT)],
        "after": Annotated[str | None, strawberry.argument(description=NESTED_AFTER_ARGUMENT.format(plural=target.plural))],
        "return": f"list[{target.name}]",
    })
    resolve_many.__module__ = ns.module.__name__
    description = (relation.description or f"The {plural} of this {noun(spec.name)}.") + (
        " At most `first` (default 20, up to 100) items, filtered and ordered like the top-level list."
    )
    return strawberry.field(resolver=resolve_many, description=description)


def _everything() -> Q:
    return Q()


def _arguments_key(*values: Any) -> str:
    return json.dumps([_plain(v) for v in values], sort_keys=True, default=str)


def _plain(value: Any) -> Any:
    """Filter and order inputs (strawberry inputs are dataclasses) as plain data for the loader key."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if getattr(value, f.name) is not None}
    return value

