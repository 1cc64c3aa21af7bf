"""``<Model>Filter`` inputs and their translation into SQL (tortoise Q objects).

Scalars take an operator object (``eq ne in notIn lt lte gt gte isNull``, plus
``contains icontains startsWith`` for text, matched literally). Relations take
the related model's filter and become a subquery restricted to the rows the
caller may read, so a filter can never reveal a row the caller cannot see.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from tortoise.exceptions import ValidationError
from tortoise.expressions import Q, Subquery

from core.errors import BadUserInput
from core.settings import get_settings
from core.values import parse_id
from models.descriptions import readable
from models.registry import ModelSpec, RelationField, ScalarField, camel
from schema.scalars import graphql_type, operator_family

MATCH_NOTHING = Q(pk__in=[])

#: GraphQL operator → tortoise lookup suffix.
COMPARISONS = {"eq": "", "ne": "__not", "lt": "__lt", "lte": "__lte", "gt": "__gt", "gte": "__gte"}
LISTS = {"in_": "__in", "not_in": "__not_in"}
ORDERED_FAMILIES = {"ID", "Int", "Float", "Decimal", "Date", "DateTime", "String"}
TEXT = {"contains": "__contains", "icontains": "__icontains", "starts_with": "__startswith"}

#: Description of the ``filter`` argument of a list (``{plural}``: the model's plural in words).
FILTER_ARGUMENT = "Which {plural} to return; every given entry must hold. Leave it out for all of them."
#: What each operator of ``StringFilter``, ``DateFilter``... means.
OPERATOR_DESCRIPTIONS = {
    "eq": "Equal to this value.",
    "ne": "Not equal to this value; rows without a value match too.",
    "in_": "Equal to one of these values.",
    "not_in": "Equal to none of these values; rows without a value match too.",
    "lt": "Less than this value.",
    "lte": "Less than or equal to this value.",
    "gt": "Greater than this value.",
    "gte": "Greater than or equal to this value.",
    "contains": "Contains this text; `%` and `_` are ordinary characters.",
    "icontains": "Contains this text, ignoring case; `%` and `_` are ordinary characters.",
    "starts_with": "Starts with this text; `%` and `_` are ordinary characters.",
    "is_null": "True for rows without a value, false for rows with one.",
}
#: Added to a filter entry on a list relation (a reverse relation or a many-to-many).
ANY_RELATED = " Holds when at least one of them matches."


def filterable_scalars(spec: ModelSpec) -> list[ScalarField]:
    names = ["id", *[n for n in spec.declaration.filterable if n != "id"]]
    return [spec.scalars[n] for n in names if n in spec.scalars]


def filterable_relations(spec: ModelSpec) -> list[RelationField]:
    return [spec.relations[n] for n in spec.declaration.filterable if n in spec.relations]


def operators_input(python_type: type, ns, *, is_id: bool = False) -> Any:
    """The operator input for one scalar type, built once per schema (``StringFilter``, ``IDFilter``...)."""
    family = "ID" if is_id else operator_family(python_type)
    name = f"{family}Filter"
    existing = getattr(ns.module, name, None)
    if existing is not None:
        return existing
    value = strawberry.ID if is_id else graphql_type(python_type)
    ops: dict[str, Any] = {"eq": value | None, "ne": value | None}
    if python_type is not bool:
        ops.update({"in_": list[value] | None, "not_in": list[value] | None})
    if family in ORDERED_FAMILIES:
        ops.update({"lt": value | None, "lte": value | None, "gt": value | None, "gte": value | None})
    if python_type is str and not is_id:
        ops.update({"contains": str | None, "icontains": str | None, "starts_with": str | None})
    ops["is_null"] = bool | None
    attributes = {
        k: strawberry.field(default=None, name="in" if k == "in_" else None, description=OPERATOR_DESCRIPTIONS[k])
        for k in ops
    }
    return ns.make(name, ops, attributes, kind=strawberry.input,
                   description=f"Conditions on one {family} value; all given conditions must hold.")


def build_filter_input(spec: ModelSpec, ns) -> Any:
    annotations: dict[str, Any] = {}
    for field in filterable_scalars(spec):
        annotations[field.name] = operators_input(field.python_type, ns, is_id=field.name == spec.pk) | None
    for relation in filterable_relations(spec):
        annotations[relation.name] = f"{relation.target}Filter | None"
    for name in spec.declaration.conditions:
        annotations[name] = bool | None
    for combinator in ("and_", "or_"):
        annotations[combinator] = f"list[{spec.name}Filter] | None"
    annotations["not_"] = f"{spec.name}Filter | None"
    attributes = {name: None for name in annotations}
    for field in filterable_scalars(spec):
        attributes[field.name] = strawberry.field(default=None, description=field.description)
    for relation in filterable_relations(spec):
        description = (relation.description or "") + (ANY_RELATED if relation.many else "")
        attributes[relation.name] = strawberry.field(default=None, description=description.strip() or None)
    for name, condition in spec.declaration.conditions.items():
        attributes[name] = strawberry.field(default=None, description=_first_line(condition.__doc__))
    attributes.update({
        "and_": strawberry.field(default=None, name="and", description="All of these must hold."),
        "or_": strawberry.field(default=None, name="or", description="At least one of these must hold."),
        "not_": strawberry.field(default=None, name="not", description="This must not hold."),
    })
    return ns.make(f"{spec.name}Filter", annotations, attributes, kind=strawberry.input,
                   description=f"Which {readable(spec.plural)} to return; every given entry must hold.")


def filter_to_q(spec: ModelSpec, where: Any, access) -> Q:
    """Translate one ``<Model>Filter`` value into a Q; ``access`` scopes relation subqueries.

    The whole tree is measured first (nodes, ``in`` lists, text lengths): a filter over
    the limits is refused before any SQL is built.
    """
    check_filter_size(where)
    return _filter_to_q(spec, where, access)


def check_filter_size(where: Any) -> None:
    """BadUserInput when the filter tree has more nodes than ``MAX_FILTER_NODES``, an ``in``/``notIn``
    list longer than ``MAX_IN_VALUES``, or a ``contains``/``startsWith`` text longer than ``MAX_SEARCH_LENGTH``."""
    settings = get_settings()
    nodes, stack = 0, [where]
    while stack:
        item = stack.pop()
        nodes += 1
        if nodes > settings.max_filter_nodes:
            raise BadUserInput(
                f"The filter has more than {settings.max_filter_nodes} conditions; split the query or narrow it.",
                field="filter",
            )
        for name, value in vars(item).items():
            if isinstance(value, list) and name in LISTS:
                if len(value) > settings.max_in_values:
                    raise BadUserInput(f"An `in` list may hold at most {settings.max_in_values} values.", field="filter")
            elif isinstance(value, str) and name in TEXT and len(value) > settings.max_search_length:
                raise BadUserInput(
                    f"Text to search for may be at most {settings.max_search_length} characters.", field="filter"
                )
            elif isinstance(value, list):
                stack.extend(v for v in value if hasattr(v, "__dict__"))
            elif hasattr(value, "__dict__") and not isinstance(value, type):
                stack.append(value)


def _filter_to_q(spec: ModelSpec, where: Any, access) -> Q:
    parts: list[Q] = []
    for field in filterable_scalars(spec):
        ops = getattr(where, field.name, None)
        if ops is not None:
            parts.extend(_scalar_conditions(spec, field, ops))
    for relation in filterable_relations(spec):
        sub = getattr(where, relation.name, None)
        if sub is not None:
            parts.append(_relation_condition(spec, relation, sub, access))
    for name in spec.declaration.conditions:
        wanted = getattr(where, name, None)
        if wanted is not None:
            parts.append(spec.condition_filter(name, wanted))
    if where.and_:
        parts.extend(_filter_to_q(spec, item, access) for item in where.and_)
    if where.or_ is not None:
        alternatives = [_filter_to_q(spec, item, access) for item in where.or_]
        parts.append(Q(*alternatives, join_type="OR") if alternatives else MATCH_NOTHING)
    if where.not_ is not None:
        parts.append(~_filter_to_q(spec, where.not_, access))
    return Q(*parts) if parts else Q()


def _first_line(text: str | None) -> str | None:
    return text.strip().splitlines()[0] if text else None


def _scalar_conditions(spec: ModelSpec, field: ScalarField, ops: Any) -> list[Q]:
    column = "pk" if field.name == spec.pk else field.name
    convert = _id_converter(spec) if field.name == spec.pk else (lambda v: v)
    conditions = []
    for op, suffix in {**COMPARISONS, **LISTS, **TEXT}.items():
        value = getattr(ops, op, None)
        if value is None:
            continue
        if op in LISTS:
            value = [convert(v) for v in value]
        elif op not in TEXT:
            value = convert(value)
        fitting = _fits_the_column(spec, field, op, value)
        if fitting is not None:
            conditions.append(fitting)
            continue
        conditions.append(Q(**{column + suffix: value}))
    if ops.is_null is not None:
        conditions.append(Q(**{f"{column}__isnull": ops.is_null}))
    return conditions


def _fits_the_column(spec: ModelSpec, field: ScalarField, op: str, value: Any) -> Q | None:
    """``fit_to_column`` as a Q (None when the value fits and SQL must decide)."""
    fitted = fit_to_column(spec, field, op, value)
    if fitted is None:
        return None
    if fitted.kind == "nothing":
        return MATCH_NOTHING
    if fitted.kind == "everything":
        return Q()
    return Q(**{f"{field.name}{({**COMPARISONS, **LISTS})[fitted.op]}": fitted.value})


@dataclass(frozen=True)
class Fitted:
    """What a comparison with a value its column can never hold comes to (``fit_to_column``)."""

    #: "nothing" (no row matches), "everything" (no condition) or "compare" (``op`` with ``value`` instead).
    kind: str
    op: str = ""
    value: Any = None


def fit_to_column(spec: ModelSpec, field: ScalarField, op: str, value: Any) -> Fitted | None:
    """The answer, without asking the database, for text the column can never hold; None when it can.

    Text the field would refuse to store (longer than the column, or not matching a
    declared validator such as a slug's pattern) matches no row for ``eq``, ``in``,
    ``contains``... and every row for the negations; PostgreSQL would otherwise be asked to
    compare with a value its column cannot hold, and Tortoise refuses to (with a server
    error). A range compares with a too long value cut to the column's length: a stored
    text is below the long value exactly when it is at most its cut, and above it exactly
    when it is above its cut. A range with any other value the field refuses is the
    caller's mistake (BAD_USER_INPUT). Both the interpreted and the compiled reads use this.
    """
    if not field.is_text:
        return None
    if op in LISTS:
        kept = [v for v in value if _storable(spec, field, v)]
        if len(kept) == len(value):
            return None
        if kept:
            return Fitted("compare", op, kept)
        return Fitted("nothing" if op == "in_" else "everything")
    limit = field.max_length
    if op in TEXT:
        too_long = limit is not None and isinstance(value, str) and len(value) > limit
        return Fitted("nothing") if too_long else None
    if _storable(spec, field, value):
        return None
    if op in ("lt", "lte", "gt", "gte"):
        if limit is not None and len(value) > limit and _storable(spec, field, value[:limit]):
            return Fitted("compare", "lte" if op in ("lt", "lte") else "gt", value[:limit])
        raise BadUserInput(
            f"`{camel(field.name)}` cannot hold the value compared with; compare with a value it can hold.",
            field="filter",
        )
    return Fitted("everything" if op == "ne" else "nothing")


def _storable(spec: ModelSpec, field: ScalarField, value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        spec.model._meta.fields_map[field.name].validate(value)
    except ValidationError:
        return False
    return True


def _id_converter(spec: ModelSpec):
    def convert(raw: Any) -> int:
        return parse_id(raw, model=spec.name)
    return convert


def _relation_condition(spec: ModelSpec, relation: RelationField, sub: Any, access) -> Q:
    from permissions.rows import visible

    target = spec.related(relation.name)
    reachable = visible(target, access, "read")
    if reachable is None:
        return MATCH_NOTHING
    matching = reachable.filter(_filter_to_q(target, sub, access))
    if relation.kind == "fk":
        return Q(**{f"{relation.column}__in": Subquery(matching.values("id"))})
    if relation.kind == "reverse_fk":
        return Q(pk__in=Subquery(matching.values(relation.column)))
    owners = spec.model.filter(**{f"{relation.name}__id__in": Subquery(matching.values("id"))})
    return Q(pk__in=Subquery(owners.values("id")))
