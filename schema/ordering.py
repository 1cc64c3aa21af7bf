"""``orderBy: [{createdAt: DESC}, {id: ASC}]`` → ORM ordering."""
from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from core.errors import BadUserInput
from models.descriptions import readable
from models.registry import ModelSpec, camel


#: Description of the ``orderBy`` argument of a list.
ORDER_ARGUMENT = (
    "Sort keys, most significant first, one field per entry; the id always breaks ties. "
    "Leave it out for the default order."
)


@strawberry.enum(description="Sort direction of one `orderBy` entry.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def sortable_fields(spec: ModelSpec) -> list[str]:
    return ["id", *[f for f in spec.declaration.sortable if f != "id"]]


def build_order_input(spec: ModelSpec, ns) -> Any:
    annotations = {name: SortDirection | None for name in sortable_fields(spec)}
    attributes = {
        name: strawberry.field(default=None, description=f"Sort by `{camel(name)}`.") for name in sortable_fields(spec)
    }
    return ns.make(
        f"{spec.name}Order", annotations, attributes, kind=strawberry.input,
        description=f"One sort key for {readable(spec.plural)}: set exactly one field per entry.",
    )


def order_by(spec: ModelSpec, entries: list[Any] | None) -> list[str]:
    """ORM ordering for the entries, always ending with the primary key so pages are stable."""
    ordering: list[str] = [] if entries else default_ordering(spec)
    for entry in entries or []:
        chosen = [(name, getattr(entry, name)) for name in sortable_fields(spec) if getattr(entry, name) is not None]
        if len(chosen) != 1:
            raise BadUserInput(
                f"Each orderBy entry must set exactly one field, e.g. {{{camel(sortable_fields(spec)[-1])}: DESC}}."
            )
        name, direction = chosen[0]
        if name not in (n.lstrip("-") for n in ordering):
            ordering.append(("-" if direction == SortDirection.DESC else "") + name)
    if "id" not in (n.lstrip("-") for n in ordering):
        ordering.append("id")
    return ordering


def default_ordering(spec: ModelSpec) -> list[str]:
    """The model's own ``Meta.ordering``, used when the caller gives none."""
    return [
        ("-" if str(direction.value).upper() == "DESC" else "") + name
        for name, direction in spec.model._meta._default_ordering
    ]
