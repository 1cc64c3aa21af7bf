"""The generated queries and mutations of each model: list, single, create, update, delete."""
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Q

from core.errors import BadUserInput
from core.settings import get_settings
from models.descriptions import noun, readable, sentence, with_article
from models.registry import ModelSpec, camel
from schema.filters import FILTER_ARGUMENT, filter_to_q
from schema.ordering import ORDER_ARGUMENT, order_by as ordering_for
from schema.cursors import Keyset
from schema.pagination import AFTER_ARGUMENT, FIRST_ARGUMENT, Page, page_size
from schema.scalars import graphql_type
from permissions import rows as scope
from services import crud


def build_inputs(spec: ModelSpec, ns) -> tuple[Any, Any]:
    """``<Model>CreateInput`` (required where the model requires) and ``<Model>UpdateInput`` (all optional)."""
    create_required: dict[str, Any] = {}
    create_optional: dict[str, Any] = {}
    update: dict[str, Any] = {}
    descriptions: dict[str, str | None] = {}
    for field in spec.writable_scalars():
        kind = graphql_type(field.python_type)
        required = not field.nullable and not field.has_default
        (create_required if required else create_optional)[field.name] = kind if required else kind | None
        update[field.name] = kind | None if field.nullable else kind
        descriptions[field.name] = field.description
    for relation in spec.writable_relations():
        name = relation.input_name
        if relation.kind == "m2m":
            kind = list[strawberry.ID]
            create_optional[name] = kind | None
            update[name] = kind
        else:
            required = not relation.nullable
            (create_required if required else create_optional)[name] = (
                strawberry.ID if required else strawberry.ID | None
            )
            update[name] = strawberry.ID | None if relation.nullable else strawberry.ID
        descriptions[name] = relation.description

    def fields(names, default):
        return {
            n: strawberry.field(description=descriptions.get(n)) if default is None
            else strawberry.field(default=default, description=descriptions.get(n))
            for n in names
        }

    create = ns.make(
        f"{spec.name}CreateInput",
        {**create_required, **create_optional},
        {**fields(create_required, None), **fields(create_optional, strawberry.UNSET)},
        kind=strawberry.input,
        description=f"Fields of a new {noun(spec.name)}.",
    )
    update_input = ns.make(
        f"{spec.name}UpdateInput",
        {name: kind | None for name, kind in update.items()},
        fields(update, strawberry.UNSET),
        kind=strawberry.input,
        description=f"Fields to change on {with_article(noun(spec.name))}; fields left out keep their value.",
    )
    return create, update_input


def input_data(spec: ModelSpec, value: Any) -> dict[str, Any]:
    """Python field names → values, leaving out fields the caller did not give."""
    data: dict[str, Any] = {}
    for field in spec.writable_scalars():
        given = getattr(value, field.name, strawberry.UNSET)
        if given is not strawberry.UNSET:
            data[field.name] = given
    for relation in spec.writable_relations():
        given = getattr(value, relation.input_name, strawberry.UNSET)
        if given is not strawberry.UNSET:
            if given is None and relation.kind == "m2m":
                raise BadUserInput(f"{camel(relation.input_name)} cannot be null; give [] to clear it.")
            data[relation.name] = given
    return data


def search_condition(spec: ModelSpec, text: str) -> Q:
    fields = spec.declaration.searchable
    if not fields:
        raise BadUserInput(f"{spec.plural} cannot be searched by text; use `filter`.")
    limit = get_settings().max_search_length
    if len(text) > limit:
        raise BadUserInput(f"search may be at most {limit} characters.", field="search")
    return spec.search_filter(text)


async def list_page(spec: ModelSpec, info, where, order, first, after, search) -> Page:
    access = info.context.access
    queryset = scope.rows(spec, access, "read")
    if where is not None:
        queryset = queryset.filter(filter_to_q(spec, where, access))
    if search:
        queryset = queryset.filter(search_condition(spec, search))
    limit = page_size(first)
    ordering = ordering_for(spec, order)
    keyset = Keyset(spec, ordering)
    # The ordering's annotations first: the cursor's WHERE compares text keys through them.
    page = ordering.annotate(queryset)
    if after is not None:
        page = page.filter(keyset.after(after))
    page = ordering.apply(page).limit(limit + 1)

    async def fetch() -> list:
        return await page

    async def count() -> int:
        return await queryset.count()

    return Page(fetch=fetch, limit=limit, count=count, cursor=keyset.cursor_of, after_cursor=after is not None)


def build_query_fields(spec: ModelSpec, ns) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    ops = spec.declaration.operations
    if "list" in ops:
        async def resolve_list(
            info: strawberry.Info,
            filter: Any = None,
            order_by: Any = None,
            first: int | None = None,
            after: str | None = None,
            search: str | None = None,
        ) -> Any:
            return await list_page(spec, info, filter, order_by, first, after, search)

        resolve_list.__annotations__.update({
            "filter": _argument(f"{spec.name}Filter | None", FILTER_ARGUMENT.format(plural=readable(spec.plural))),
            "order_by": _argument(f"list[{spec.name}Order] | None", ORDER_ARGUMENT),
            "first": _argument(int | None, FIRST_ARGUMENT),
            "after": _argument(str | None, AFTER_ARGUMENT),
            "search": _argument(str | None, _search_argument(spec)),
            "return": f"{spec.name}Connection",
        })
        resolve_list.__module__ = ns.module.__name__
        fields[spec.plural] = strawberry.field(
            resolver=resolve_list,
            description=f"{sentence(readable(spec.plural))} you may read, filtered, ordered and paged "
            f"(`first` 1–100, default 20; `after` a cursor from a previous page; "
            f"`search` matches {', '.join(camel(f) for f in spec.declaration.searchable) or 'nothing'}).",
        )
    if "get" in ops:
        async def resolve_one(info: strawberry.Info, id: strawberry.ID) -> Any:
            return await scope.get_row(spec, info.context.access, id)

        resolve_one.__annotations__.update({"id": _id_argument(spec), "return": f"{spec.name} | None"})
        resolve_one.__module__ = ns.module.__name__
        fields[spec.singular] = strawberry.field(
            resolver=resolve_one,
            description=f"One {noun(spec.name)} by id; null when it does not exist or is outside your scope.",
        )
    return fields


def build_mutation_fields(spec: ModelSpec, ns) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    ops = spec.declaration.operations
    if "create" in ops:
        async def create(info: strawberry.Info, input: Any) -> Any:
            return await crud.create_row(spec, info.context.access, input_data(spec, input))

        create.__annotations__.update({
            "input": _argument(f"{spec.name}CreateInput", f"Fields of the new {noun(spec.name)}."),
            "return": spec.name,
        })
        create.__module__ = ns.module.__name__
        fields[f"create{spec.name}"] = strawberry.mutation(
            resolver=create, description=f"Create {with_article(noun(spec.name))}."
        )
    if "update" in ops:
        async def update(info: strawberry.Info, id: strawberry.ID, input: Any) -> Any:
            return await crud.update_row(spec, info.context.access, id, input_data(spec, input))

        update.__annotations__.update({
            "id": _id_argument(spec),
            "input": _argument(f"{spec.name}UpdateInput", "The fields to change, with their new values."),
            "return": spec.name,
        })
        update.__module__ = ns.module.__name__
        fields[f"update{spec.name}"] = strawberry.mutation(
            resolver=update, description=f"Change the given fields of {with_article(noun(spec.name))}."
        )
    if "delete" in ops:
        async def delete(info: strawberry.Info, id: strawberry.ID) -> strawberry.ID:
            return strawberry.ID(await crud.delete_row(spec, info.context.access, id))

        delete.__annotations__["id"] = _id_argument(spec)
        fields[f"delete{spec.name}"] = strawberry.mutation(
            resolver=delete, description=f"Delete {with_article(noun(spec.name))}; returns its id."
        )
    return fields


def _argument(annotation: Any, description: str) -> Any:
    return Annotated[annotation, strawberry.argument(description=description)]


def _id_argument(spec: ModelSpec) -> Any:
    return _argument(strawberry.ID, f"Id of the {noun(spec.name)}.")


def _search_argument(spec: ModelSpec) -> str:
    searchable = [camel(f) for f in spec.declaration.searchable]
    if not searchable:
        return f"Not available: {readable(spec.plural)} cannot be searched by text; use `filter`."
    quoted = [f"`{name}`" for name in searchable]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"Text to find, ignoring case, in {listed}; a row matches when any of them contains it."
