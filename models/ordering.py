"""The order of a declared model's rows, shared by the API's lists and the panel's list pages.

- Which order: the caller's, else the declaration's ``default_order``, else the
  model's ``Meta.ordering``; the primary key always comes last, so the order is
  total and a keyset cursor can name a row by its sort-key values.
- Text is ordered without regard to case: a text key sorts by ``LOWER(column)``,
  the same SQL on SQLite and PostgreSQL, so "e-Office" sorts among the E's and not
  after "Wisata". Values that differ only in case tie, and the primary key orders them.
- Rows without a value (NULL) come last, in either direction and on either
  engine: a list sorted by ``-signed_on`` shows the newest signing first and the
  unsigned drafts at the end. The engines disagree by default (PostgreSQL sorts
  NULL above every value, SQLite below), so where the engine's default is not
  "last" a nullable key is preceded by a flag (``CASE WHEN x IS NULL THEN 1
  ELSE 0 END``); where it is, nothing is added and PostgreSQL keeps using its
  indexes (``due_at`` ascending, for the deadline watch).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.expressions import Case, Q, RawSQL, When
from tortoise.functions import Lower
from tortoise.queryset import QuerySet

if TYPE_CHECKING:
    from models.registry import ModelSpec

#: Prefix of the annotation that holds a text key in lower case (``simpul_lower_name``).
LOWERED = "simpul_lower_"
#: Prefix of the annotation that is 1 where a nullable key is NULL (``simpul_null_signed_on``).
NULL_FLAG = "simpul_null_"


@dataclass(frozen=True)
class SortKey:
    """One key of an order: a scalar field, its direction, and whether it is text compared without case."""

    field: str
    descending: bool = False
    #: Text: the query sorts and compares ``LOWER(field)``, held in the annotation :attr:`column`.
    lowered: bool = False
    #: The field may be NULL: NULLs come last, flagged where the engine would put them first.
    nullable: bool = False

    @property
    def term(self) -> str:
        """The key as a Tortoise ordering term: ``name`` or ``-name``."""
        return ("-" if self.descending else "") + self.field

    @property
    def column(self) -> str:
        """What the query orders by and compares: the field itself, or the annotation holding it in lower case."""
        return LOWERED + self.field if self.lowered else self.field

    @property
    def null_flag(self) -> str:
        return NULL_FLAG + self.field

    def flags_nulls(self, dialect: str) -> bool:
        """Does the engine put this key's NULLs first, so that a flag must move them last?"""
        nulls_high = dialect == "postgres"
        return self.nullable and nulls_high == self.descending


@dataclass(frozen=True)
class Ordering:
    """The sort keys of one list, most significant first, ending with the primary key."""

    keys: tuple[SortKey, ...]

    @property
    def terms(self) -> list[str]:
        return [key.term for key in self.keys]

    def annotate(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` with what it sorts by selected: lower-case text keys (compared through them too) and NULL flags."""
        dialect = _dialect(queryset)
        extra = {}
        for key in self.keys:
            if key.lowered:
                extra[key.column] = Lower(key.field)
            if key.flags_nulls(dialect):
                extra[key.null_flag] = Case(When(Q(**{f"{key.field}__isnull": True}), then=RawSQL("1")), default=RawSQL("0"))
        return queryset.annotate(**extra) if extra else queryset

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` in this order."""
        terms = [("-" if descending else "") + name for name, descending in self.sorted_by(_dialect(queryset))]
        return self.annotate(queryset).order_by(*terms)

    def sorted_by(self, dialect: str) -> list[tuple[str, bool]]:
        """(column or annotation, descending) of the ``ORDER BY`` on ``dialect``, NULL flags included."""
        terms: list[tuple[str, bool]] = []
        for key in self.keys:
            if key.flags_nulls(dialect):
                terms.append((key.null_flag, False))
            terms.append((key.column, key.descending))
        return terms

    def __str__(self) -> str:
        return ",".join(self.terms)


def ordering_of(spec: "ModelSpec", terms: Iterable[str] | None = None) -> Ordering:
    """The order for Tortoise terms (``["-signed_on", "id"]``), or the model's default order when None.

    A field named twice counts once (its first direction), and the primary key
    is added at the end when missing. Every term must name a scalar field.
    """
    terms = default_terms(spec) if terms is None else list(terms)
    keys: list[SortKey] = []
    seen: set[str] = set()
    for term in terms:
        name = term.lstrip("-")
        name = spec.pk if name == "pk" else name
        if name in seen:
            continue
        field = spec.scalars.get(name)
        if field is None:
            raise ValueError(f"{spec.name} cannot be ordered by {name!r}: not a scalar field")
        keys.append(SortKey(name, term.startswith("-"), lowered=field.is_text, nullable=field.nullable))
        seen.add(name)
    if spec.pk not in seen:
        keys.append(SortKey(spec.pk))
    return Ordering(tuple(keys))


def default_terms(spec: "ModelSpec") -> list[str]:
    """The declaration's ``default_order``, else the model's ``Meta.ordering`` (the primary key is added later)."""
    if spec.declaration.default_order:
        return list(spec.declaration.default_order)
    return [
        ("-" if str(direction.value).upper() == "DESC" else "") + name
        for name, direction in spec.model._meta._default_ordering
    ]


def _dialect(queryset: QuerySet) -> str:
    return queryset.model._meta.db.capabilities.dialect
