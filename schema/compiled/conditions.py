"""WHERE and ORDER BY of one level: the caller's row scope, the ``filter``, ``search``, the ``after`` cursor.

Each is the SQL twin of the interpreted path's Tortoise expression, operator by
operator (``permissions.scope``, ``schema.filters``, ``schema.cursors``,
``models.ordering``), so both paths select the same rows in the same order;
the differential tests hold them to it. ``None`` means "no condition".
"""
from __future__ import annotations

import re
from typing import Any, Callable

from tortoise.expressions import Q
from tortoise.fields import relational

from core.errors import BadUserInput
from core.settings import get_settings
from core.values import parse_id
from models.ordering import LOWERED, NULL_FLAG, Ordering, ordering_of
from models.registry import ModelSpec, RelationField, ScalarField, camel
from schema.compiled.dialect import Dialect, Unsupported, quote
from schema.compiled.fragments import (
    NOTHING,
    Run,
    Sql,
    all_of,
    any_of,
    constant,
    db_value,
    join,
    negated,
    param,
)
from schema.filters import filterable_relations, filterable_scalars, fit_to_column
from schema.ordering import sortable_fields

_ESCAPE = " ESCAPE '\\'"
_PLACEHOLDER = re.compile(r"\$\d+")


def column_of(spec: ModelSpec, alias: str, name: str) -> str:
    meta = spec.model._meta
    return f"{alias}.{quote(meta.fields_db_projection.get(name, name))}"


def table_of(spec: ModelSpec) -> str:
    return quote(spec.model._meta.db_table)


def pk_of(spec: ModelSpec, alias: str) -> str:
    return f"{alias}.{quote(spec.model._meta.db_pk_column)}"


class Conditions:
    """Builds conditions for one plan; ``decide(model, action)`` gives the caller's decision (its shape is the plan's key)."""

    def __init__(self, dialect: Dialect, decide: Callable[[str, str], Any], new_alias: Callable[[], str]):
        self.dialect = dialect
        self.decide = decide
        self.new_alias = new_alias

    # --- scope (permissions.scope.row_filter_for) -------------------------------------------------

    def scope(self, spec: ModelSpec, alias: str, action: str = "read") -> Sql | None:
        decision = self.decide(spec.name, action)
        if not decision.allowed:
            return NOTHING
        if decision.everywhere:
            return None
        declaration = spec.declaration
        parts: list[Sql] = []
        if decision.published:
            if declaration.published is None:
                return None
            published = declaration.published
            parts.append(self.matching(spec, alias, lambda: Q(**published), fixed=True))
        if decision.regencies and declaration.regency_path:
            parts.append(self.in_regencies(spec, alias, action))
        if not parts:
            return NOTHING
        return any_of(parts)

    def in_regencies(self, spec: ModelSpec, alias: str, action: str) -> Sql:
        """The row's ``regency_path`` is one of the regencies the caller's ``action`` grant holds in (a parameter)."""
        dialect = self.dialect

        def codes(run: Run) -> list:
            return [dialect.list_parameter(sorted(run.access.decide(spec.name, action).regencies))]

        def only_code(run: Run) -> list:
            return [next(iter(run.access.decide(spec.name, action).regencies))]

        single = only_code if len(self.decide(spec.name, action).regencies) == 1 else None
        return self._path(spec.model, alias, spec.declaration.regency_path.split("__"), codes, single)

    def _path(self, model, alias: str, parts: list[str], codes, single=None) -> Sql:
        head, rest = parts[0], parts[1:]
        meta = model._meta
        if not rest:
            column = f"{alias}.{quote(meta.fields_db_projection[head])}"
            return Sql(self.dialect.any_of(column), (codes,))
        fk = meta.fields_map.get(head)
        if not isinstance(fk, relational.ForeignKeyFieldInstance):
            raise Unsupported(f"regency path through {head}")
        related = fk.related_model
        inner = self.new_alias()
        to_column = quote(related._meta.fields_db_projection[fk.to_field_instance.model_field_name])
        source = quote(meta.fields_db_projection[fk.source_field])
        select = f"SELECT {inner}.{to_column} FROM {quote(related._meta.db_table)} AS {inner}"
        last = related._meta.fields_map.get(rest[0]) if len(rest) == 1 else None
        if last is not None and last.unique and single is not None:
            # One regency, by a unique code: at most one key, compared as a value (an index then gives the order).
            column = f"{inner}.{quote(related._meta.fields_db_projection[rest[0]])}"
            return Sql(f"{alias}.{source} = ({select} WHERE {column} = ?)", (single,))
        if len(rest) == 1:  # the last hop, to the few granted regencies: their codes joined in
            start, end = self.dialect.in_few(f"{alias}.{source}")
            extra, condition = self.dialect.member_of(f"{inner}.{quote(related._meta.fields_db_projection[rest[0]])}")
            return Sql(start + select + extra, (codes,)) + f" WHERE {condition}{end}"
        return f"{alias}.{source} IN ({select} WHERE " + self._path(related, inner, rest, codes, single) + ")"

    def matching(self, spec: ModelSpec, alias: str, make_q: Callable[[], Q], fixed: bool) -> Sql:
        """Rows matching a Tortoise ``Q`` declared on the model (published rows, a condition), as a subquery.

        The SQL is Tortoise's own; a ``fixed`` Q keeps its parameters, any other is
        rendered again per request (``overdue`` compares with the current time).
        """
        text, values = _rendered(spec, make_q())
        source = (lambda run, values=values: values) if fixed else (lambda run: _rendered(spec, make_q())[1])
        return Sql(f"{pk_of(spec, alias)} IN ({_PLACEHOLDER.sub('?', text)})", (source,))

    # --- filter (schema.filters) -----------------------------------------------------------------

    def filter(self, spec: ModelSpec, alias: str, where: dict[str, Any] | None) -> Sql | None:
        if where is None:
            return None
        _check_size(where)
        return self._filter(spec, alias, where)

    def _filter(self, spec: ModelSpec, alias: str, where: dict[str, Any]) -> Sql | None:
        parts: list[Sql | None] = []
        for field in filterable_scalars(spec):
            ops = where.get(field.graphql_name)
            if ops is not None:
                parts.extend(self._scalar(spec, alias, field, ops))
        for relation in filterable_relations(spec):
            sub = where.get(relation.graphql_name)
            if sub is not None:
                parts.append(self._relation(spec, alias, relation, sub))
        for name in spec.declaration.conditions:
            wanted = where.get(camel(name))
            if wanted is not None:
                parts.append(self.matching(spec, alias, lambda name=name, wanted=wanted: spec.condition_filter(name, wanted), fixed=False))
        if where.get("and"):
            parts.extend(self._filter(spec, alias, item) for item in where["and"])
        if where.get("or") is not None:
            alternatives = [self._filter(spec, alias, item) for item in where["or"]]
            parts.append(any_of(alternatives) if alternatives else NOTHING)
        if where.get("not") is not None:
            parts.append(negated(self._filter(spec, alias, where["not"])))
        return all_of(parts)

    def _scalar(self, spec: ModelSpec, alias: str, field: ScalarField, ops: dict[str, Any]) -> list[Sql | None]:
        column = column_of(spec, alias, field.name)
        is_pk = field.name == spec.pk

        def convert(value: Any) -> Any:
            return parse_id(value, model=spec.name) if is_pk else db_value(value)

        conditions: list[Sql | None] = []
        try:
            for op in ("eq", "ne", "lt", "lte", "gt", "gte", "in", "notIn", "contains", "icontains", "startsWith"):
                value = ops.get(op)
                if value is None:
                    continue
                if op in ("in", "notIn"):
                    value = [convert(v) for v in value]
                elif op not in ("contains", "icontains", "startsWith"):
                    value = convert(value)
                fitted = fit_to_column(spec, field, _PYTHON_NAMES.get(op, op), value)
                conditions.append(_comparison(column, op, value) if fitted is None else _fitted(column, fitted))
        except BadUserInput as error:
            raise Unsupported(error.message) from None
        if ops.get("isNull") is not None:
            conditions.append(Sql(f"{column} IS NULL" if ops["isNull"] else f"{column} IS NOT NULL"))
        return conditions

    def _relation(self, spec: ModelSpec, alias: str, relation: RelationField, sub: dict[str, Any]) -> Sql:
        target = spec.related(relation.name)
        if not self.decide(target.name, "read").allowed:
            return NOTHING
        inner = self.new_alias()
        where = all_of([self.scope(target, inner), self._filter(target, inner, sub)])
        condition = Sql() if where is None else " WHERE " + where
        source = f"{table_of(target)} AS {inner}"
        if relation.kind == "fk" and _pins_one_row(target, sub):
            return f"{column_of(spec, alias, relation.column)} = (SELECT {pk_of(target, inner)} FROM {source}" + condition + ")"
        if relation.kind == "fk":
            start, end = self.dialect.in_few(column_of(spec, alias, relation.column))
            return f"{start}SELECT {pk_of(target, inner)} FROM {source}" + condition + end
        if relation.kind == "reverse_fk":
            return f"{pk_of(spec, alias)} IN (SELECT {column_of(target, inner, relation.column)} FROM {source}" + condition + ")"
        link = self.new_alias()
        return (
            f"{pk_of(spec, alias)} IN (SELECT {link}.{quote(relation.own_key)} FROM {quote(relation.through)} AS {link} "
            f"WHERE {link}.{quote(relation.other_key)} IN (SELECT {pk_of(target, inner)} FROM {source}" + condition + "))"
        )

    # --- search (schema.operations.search_condition) ---------------------------------------------

    def search(self, spec: ModelSpec, alias: str, text_source) -> Sql:
        """Any searchable field contains the text, ignoring case (Tortoise's ``icontains``)."""
        if not spec.declaration.searchable:
            raise Unsupported("no searchable fields")
        parts = [
            Sql(f"UPPER(CAST({column_of(spec, alias, name)} AS VARCHAR)) LIKE UPPER(?)" + _ESCAPE,
                (lambda run: [f"%{_escape_like(text_source(run))}%"],))
            for name in spec.declaration.searchable
        ]
        return any_of(parts)

    # --- order and cursors (models.ordering, schema.cursors) -------------------------------------

    def order_terms(self, spec: ModelSpec, alias: str, ordering: Ordering) -> str:
        terms = []
        for name, descending in ordering.sorted_by(self.dialect.name):
            terms.append(f"{self._order_expression(spec, alias, name)} {'DESC' if descending else 'ASC'}")
        return ", ".join(terms)

    def _order_expression(self, spec: ModelSpec, alias: str, name: str) -> str:
        if name.startswith(LOWERED):
            return f"LOWER({column_of(spec, alias, name[len(LOWERED):])})"
        if name.startswith(NULL_FLAG):
            return f"CASE WHEN {column_of(spec, alias, name[len(NULL_FLAG):])} IS NULL THEN 1 ELSE 0 END"
        return column_of(spec, alias, name)

    def after(self, spec: ModelSpec, alias: str, ordering: Ordering, slot: int, nulls: tuple[bool, ...]) -> Sql:
        """Rows strictly after the cursor's row (``Keyset.after``); ``nulls`` marks the cursor's NULL keys."""
        alternatives: list[Sql] = []
        equal_so_far: list[Sql] = []
        for index, (key, is_null) in enumerate(zip(ordering.keys, nulls)):
            column = column_of(spec, alias, key.field)
            compared = f"LOWER({column})" if key.lowered else column

            def value(run: Run, index=index) -> list:
                return [db_value(run.cursors[slot][index])]

            placeholder = Sql("LOWER(?)" if key.lowered else "?", (value,))
            if not is_null:
                past = f"{compared} {'<' if key.descending else '>'} " + placeholder
                if key.nullable:
                    past = "(" + past + f" OR {column} IS NULL)"
                alternatives.append(all_of([*equal_so_far, past]))
                equal_so_far.append(f"{compared} = " + placeholder)
            else:
                equal_so_far.append(Sql(f"{column} IS NULL"))
        return any_of(alternatives) or NOTHING


def _pins_one_row(spec: ModelSpec, where: dict[str, Any]) -> bool:
    """Does the filter hold a unique field's ``eq`` (so at most one row matches, whatever else it says)?"""
    for field in filterable_scalars(spec):
        ops = where.get(field.graphql_name)
        if (field.unique or field.name == spec.pk) and isinstance(ops, dict) and ops.get("eq") is not None:
            return True
    return False


def ordering_for(spec: ModelSpec, entries: list[dict[str, Any]] | None) -> Ordering:
    """``schema.ordering.order_by`` for coerced argument values; a malformed entry is left to the interpreted path."""
    if not entries:
        return ordering_of(spec)
    terms = []
    for entry in entries:
        chosen = [(name, entry.get(camel(name))) for name in sortable_fields(spec) if entry.get(camel(name)) is not None]
        if len(chosen) != 1:
            raise Unsupported("an orderBy entry must set exactly one field")
        name, direction = chosen[0]
        terms.append(("-" if getattr(direction, "value", direction) == "DESC" else "") + name)
    return ordering_of(spec, terms)


# --- scalar operators -----------------------------------------------------------------------------

#: Operator names of the filter input (GraphQL) and of schema.filters (Python).
_PYTHON_NAMES = {"in": "in_", "notIn": "not_in", "startsWith": "starts_with"}
_GRAPHQL_NAMES = {python: graphql for graphql, python in _PYTHON_NAMES.items()}
_SIMPLE = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _comparison(column: str, op: str, value: Any) -> Sql | None:
    if op in _SIMPLE:
        return f"{column} {_SIMPLE[op]} " + constant(value)
    if op == "ne":
        return "(" + f"{column} <> " + constant(value) + f" OR {column} IS NULL)"
    if op == "in":
        return (f"{column} IN (" + join(", ", [constant(v) for v in value]) + ")") if value else NOTHING
    if op == "notIn":
        if not value:
            return Sql("1=1")
        return "(" + f"{column} NOT IN (" + join(", ", [constant(v) for v in value]) + f") OR {column} IS NULL)"
    pattern = {"contains": "%{}%", "icontains": "%{}%", "startsWith": "{}%"}[op].format(_escape_like(value))
    if op == "icontains":
        return f"UPPER(CAST({column} AS VARCHAR)) LIKE UPPER(" + constant(pattern) + ")" + _ESCAPE
    return f"CAST({column} AS VARCHAR) LIKE " + constant(pattern) + _ESCAPE


def _fitted(column: str, fitted) -> Sql | None:
    """A ``schema.filters.Fitted`` verdict as SQL."""
    if fitted.kind == "nothing":
        return NOTHING
    if fitted.kind == "everything":
        return None
    return _comparison(column, _GRAPHQL_NAMES.get(fitted.op, fitted.op), fitted.value)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_size(where: dict[str, Any]) -> None:
    """Filters near the limits of ``schema.filters.check_filter_size`` are left to the interpreted path, which refuses them."""
    settings = get_settings()
    nodes, stack = 0, [where]
    while stack:
        item = stack.pop()
        nodes += 1
        if nodes >= settings.max_filter_nodes:
            raise Unsupported("filter at the size limit")
        for name, value in item.items():
            if isinstance(value, list):
                if len(value) > settings.max_in_values:
                    raise Unsupported("list at the size limit")
                stack.extend(v for v in value if isinstance(v, dict))
            elif isinstance(value, str) and len(value) > settings.max_search_length:
                raise Unsupported("text at the size limit")
            elif isinstance(value, dict):
                stack.append(value)


def _rendered(spec: ModelSpec, q: Q) -> tuple[str, list]:
    queryset = spec.model.filter(q).values_list(spec.pk, flat=True)
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    text, values = queryset.query.get_parameterized_sql()
    return text, list(values)
