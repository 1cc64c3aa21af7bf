"""The one place a model tells the platform what it needs to know about it.

A model carries an inner ``class Simpul`` (as tortoise models carry
``PydanticMeta``). The registry turns it into a :class:`Declaration`; the
GraphQL generator, the admin generator, the policy layer and the seeds read
only that, never a list of models of their own. ``models.checks`` checks every
block when the registry is built: a wrong one stops the start with one message.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

OPERATIONS = ("list", "get", "create", "update", "delete")


@dataclass(frozen=True)
class Declaration:
    #: GraphQL name of the list query (``complaints``); the single query is the model name in camelCase.
    plural: str
    #: Fields (scalars or relations) that get an entry in ``<Model>Filter``; ``id`` is always there.
    filterable: tuple[str, ...] = ()
    #: Scalar fields that get an entry in ``<Model>Order``; ``id`` is always there.
    sortable: tuple[str, ...] = ()
    #: Text fields matched by the free-text ``search`` argument and the admin search box.
    searchable: tuple[str, ...] = ()
    #: ORM path from this model to its regency's code (``regency__code``); ``None`` for global data.
    regency_path: str | None = None
    #: Rows the public may read, as ORM filter keyword arguments; ``None`` means every row.
    published: dict[str, Any] | None = None
    #: Personal-data fields: ``null`` for roles without ``read_personal`` on the row's regency.
    personal: tuple[str, ...] = ()
    #: Fields set by the platform, never by create/update input.
    readonly: tuple[str, ...] = ()
    #: Fields that no API or page ever shows.
    hidden: tuple[str, ...] = ()
    #: Columns of the admin list page, in order.
    admin_columns: tuple[str, ...] = ()
    #: Field that names a row in pickers and titles.
    label_field: str = "id"
    #: Generated operations; a domain service may own the rest (complaints are submitted, not created).
    operations: tuple[str, ...] = OPERATIONS
    #: ``async def check(row, relations: dict[str, list]) -> None`` that enforces rules across
    #: fields (raising BadUserInput) before a create or update is saved; defined next to the model.
    validator: Callable[..., Awaitable[None]] | None = None
    #: Named yes/no conditions computed in SQL, as ``def condition() -> Q`` (``{"overdue": overdue}``):
    #: ``<Model>Filter`` gets ``overdue: Boolean``, true for the rows the Q matches, false for the others.
    #: The function's docstring describes the filter entry.
    conditions: dict[str, Callable[[], Any]] = field(default_factory=dict)
    #: Conditions (names of ``conditions``) whose rows the admin list highlights and flags with the
    #: condition's label, e.g. ``("overdue",)``: the rows a desk must look at first.
    highlight: tuple[str, ...] = ()
    #: Fields a create sets and a later update may not change, such as a citizen's own words in a
    #: report: staff add notes, they do not rewrite what was reported. Only a caller whose ``update``
    #: grant holds in every regency (domain ``*``, the platform's administrators) may still change
    #: them, to correct a mistake; for anyone else an update that changes one is refused
    #: (``FORBIDDEN``, reason ``FIELD_FROZEN``) and the panel shows them read-only. Sending the
    #: stored value back unchanged is not a change.
    frozen_after_create: tuple[str, ...] = ()
    #: Fields rows may be counted by: the query ``<plural>Aggregate`` (``complaintsAggregate``) gets
    #: ``groups(by: [...])`` with one key per entry, and the admin dashboard draws them. Enums, booleans,
    #: foreign keys, and dates or times (counted per month, on the WIB calendar); never personal or
    #: hidden fields. A model without ``groupable`` gets no aggregate query.
    groupable: tuple[str, ...] = ()
    #: Default order of lists, as Tortoise ordering (``("-signed_on", "id")``); the primary key breaks ties.
    default_order: tuple[str, ...] = ()
    #: Default grants, role → actions: ``{"regency_staff": ("read", "update"), "public": ("read",)}``.
    #: A role holds them wherever it is held (its regency, or every regency); ``public`` (everyone)
    #: holds them on the published rows. Synced into the policy store at every start: added when
    #: missing, never re-added once an admin removed them. See ``permissions.defaults``.
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Admin menu icon (Font Awesome class).
    icon: str = "fas fa-table"
    extra: dict[str, Any] = field(default_factory=dict)

    def allows(self, operation: str) -> bool:
        return operation in self.operations


@lru_cache(maxsize=None)
def declaration_of(model: type) -> Declaration:
    """The declaration of a declared model (for services that hold the model class, not a registry spec)."""
    declaration = read_declaration(model)
    if declaration is None:
        raise TypeError(f"{model.__name__} has no Simpul declaration")
    return declaration


def read_declaration(model: type) -> Declaration | None:
    """The model's ``Simpul`` block as a Declaration, or None for models the platform does not generate."""
    block = model.__dict__.get("Simpul")
    if block is None:
        return None
    # Imported here: models.checks reads this module's names.
    from models.checks import DeclarationError, suggestion

    values = {k: v for k, v in vars(block).items() if not k.startswith("_")}
    entries = list(Declaration.__dataclass_fields__)
    for name in values:
        if name not in entries:
            raise DeclarationError(
                f"{model.__name__}.Simpul has the entry {name!r}, which is not a declaration entry"
                f"{suggestion(name, entries)}"
            )
    if "plural" not in values:
        raise DeclarationError(f"{model.__name__}.Simpul has no plural: name the list query (plural = \"...\").")
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    return Declaration(**values)
