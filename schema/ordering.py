"""``orderBy: [{createdAt: DESC}, {id: ASC}]`` → the order of a list (``models.ordering``).

Text keys sort without regard to case, and the default order (no ``orderBy``)
is the one the model declares; see ``models.ordering``.
"""
from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from core.errors import BadUserInput
from models.descriptions import readable
from models.ordering import Ordering, ordering_of
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
        name: strawberry.field(default=None, description=_sort_description(spec, name)) for name in sortable_fields(spec)
    }
    return ns.make(
        f"{spec.name}Order", annotations, attributes, kind=strawberry.input,
        description=f"One sort key for {readable(spec.plural)}: set exactly one field per entry. "
        f"Without `orderBy` they are sorted {_order_in_words(spec)}.",
    )


def _sort_description(spec: ModelSpec, name: str) -> str:
    field = spec.scalars[name]
    text = f"Sort by `{camel(name)}`" + (", ignoring case" if field.is_text else "")
    return text + ("; rows without one come last, in either direction." if field.nullable else ".")


def _order_in_words(spec: ModelSpec) -> str:
    """The order a list takes without ``orderBy``, in words: ``by `signedOn` descending, then `id```."""
    words = []
    for key in ordering_of(spec).keys:
        words.append(f"`{camel(key.field)}`" + (" descending" if key.descending else ""))
    return "by " + ", then ".join(words)


def order_by(spec: ModelSpec, entries: list[Any] | None) -> Ordering:
    """The order the entries ask for (the model's default order without entries), ending with the primary key."""
    if not entries:
        return ordering_of(spec)
    terms: list[str] = []
    for entry in entries:
        chosen = [(name, getattr(entry, name)) for name in sortable_fields(spec) if getattr(entry, name) is not None]
        if len(chosen) != 1:
            raise BadUserInput(
                f"Each orderBy entry must set exactly one field, e.g. {{{camel(sortable_fields(spec)[-1])}: DESC}}."
            )
        name, direction = chosen[0]
        terms.append(("-" if direction == SortDirection.DESC else "") + name)
    return ordering_of(spec, terms)
