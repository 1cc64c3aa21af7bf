"""One SQL statement for one analysed operation and one shape of the caller's decisions.

The statement returns the response's ``data`` as JSON text, built by the
database (PostgreSQL ``json_build_object``/``json_agg``, SQLite
``json_object``/``json_group_array``) the way PostGraphile does:

- a list query is a connection: its page is a CTE holding ``first + 1`` rows
  numbered in the requested order (the extra row answers ``hasNextPage``);
  ``nodes``/``edges`` read the first ``first``, ``totalCount`` counts apart
  and only when asked for;
- a relation is a correlated subquery under its parent row: an object for a
  foreign key, a ranked, limited array for a reverse or many-to-many relation;
- every level carries the caller's row scope in its WHERE, personal fields are
  ``CASE``s on the ``read_personal`` scope, and a model the caller may not read
  at all gives ``null`` / ``[]`` without touching its table.

Cursors are signed with the server's secret, which the database does not hold:
the statement returns their key values in a marked array and
:func:`sign_cursors` replaces each by its cursor.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any, Callable

from core.settings import get_settings
from core.values import parse_id_or_none
from models.ordering import Ordering
from models.registry import ModelSpec
from schema.compiled.conditions import Conditions, column_of, ordering_for, pk_of, table_of
from schema.compiled.dialect import Dialect, Unsupported, literal, quote
from schema.compiled.fragments import Run, Sql, all_of, join, param
from schema.compiled.selection import Analysis, ConnectionPart, Relation, RootField, Scalar, Typename, VarRef
from schema.cursors import Keyset
from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

#: First element of the array that stands for a cursor in the statement's JSON. Nothing else in a compiled
#: answer is an array of scalars (lists hold objects; JSON-typed fields are never compiled), so it cannot be data.
CURSOR_MARK = "simpul-cursor"
#: Column of a page's CTE numbering its rows in the requested order.
_ROW_NUMBER = '"simpul_n"'


@dataclass(frozen=True)
class CursorSlot:
    """An ``after`` argument: which list it pages, in which order, and where its value comes from."""

    #: ``id()`` of the arguments dict holding it (the analysis is cached, so it is stable).
    key: int
    spec: ModelSpec
    ordering: Ordering
    value: Any  # the cursor text, or a VarRef


@dataclass
class Plan:
    sql: str
    sources: tuple
    #: The Keysets issuing the cursors the statement marks, by their number in the mark.
    keysets: list[Keyset]
    #: The statement checks the signed-in caller's account (``Run.guard``) and yields no row when it fails.
    guarded: bool
    #: Its key in the plan cache.
    key: Any = None

    def parameters(self, run: Run) -> list[Any]:
        values: list[Any] = []
        for source in self.sources:
            values.extend(source(run))
        return values


def value_of(argument: Any, run: Run) -> Any:
    return run.variables.get(argument.name) if isinstance(argument, VarRef) else argument


def page_size_of(argument: Any, run: Run) -> int:
    """``first`` (default 20); the caller checked the range before the plan ran."""
    value = value_of(argument, run)
    return DEFAULT_PAGE_SIZE if value is None else value


def valid_page_size(value: Any) -> bool:
    return value is None or (isinstance(value, int) and 1 <= value <= MAX_PAGE_SIZE)


def given(argument: Any, run: Run) -> bool:
    """Is the argument there in this request (a literal, or a variable that is not null)?"""
    return value_of(argument, run) is not None


def cursor_slots(analysis: Analysis, run: Run) -> list[CursorSlot]:
    """Every ``after`` argument this request gives, in a fixed order."""
    slots: list[CursorSlot] = []

    def walk(spec: ModelSpec, arguments: dict, selection: list) -> None:
        if given(arguments.get("after"), run):
            ordering = ordering_for(spec, arguments.get("orderBy"))
            slots.append(CursorSlot(id(arguments), spec, ordering, arguments["after"]))
        for item in selection:
            if isinstance(item, Relation):
                walk(item.target, item.arguments, item.selection)
            elif isinstance(item, ConnectionPart):
                walk(spec, {}, item.selection)

    for root in analysis.roots:
        if root.kind == "typename":
            continue
        walk(root.spec, root.arguments if root.kind == "list" else {}, root.selection)
    return slots


class Builder:
    """Compiles an analysis for the shape of one request (its decisions, which optional arguments it gives,
    which of its cursors' keys are NULL); ``run`` is that first request, read only for its shape."""

    def __init__(self, dialect: Dialect, decide: Callable[[str, str], Any], run: Run,
                 user_table: tuple[str, str, str, str, str] | None):
        self.dialect = dialect
        self.decide = decide
        self.run = run
        self._aliases = (f"t{n}" for n in itertools.count())
        self.conditions = Conditions(dialect, decide, self.new_alias)
        self.keysets: list[Keyset] = []
        self.ctes: list[Sql] = []
        self.user_table = user_table

    def new_alias(self) -> str:
        return next(self._aliases)

    def build(self, analysis: Analysis) -> Plan:
        pairs = [(root.key, self._root(root)) for root in analysis.roots]
        statement = "SELECT " + self._object(pairs)
        if self.user_table is not None:
            # No row at all when the account no longer holds: the caller then answers through the interpreted path.
            table, pk, active, epoch, username = (quote(name) for name in self.user_table)
            guard = [param(lambda run, n=n: [run.guard[n]]) for n in range(3)]
            statement = (
                statement + f" WHERE EXISTS (SELECT 1 FROM {table} WHERE {pk} = " + guard[0] + f" AND {active} AND {epoch} = "
                + guard[1] + f" AND {username} = " + guard[2] + ")"
            )
        if self.ctes:
            statement = "WITH " + join(", ", self.ctes) + " " + statement
        return Plan(self.dialect.finish(statement.text), statement.sources, self.keysets, self.user_table is not None)

    # --- roots ---------------------------------------------------------------------------------

    def _root(self, root: RootField) -> Sql | str:
        if root.kind == "typename":
            return literal("Query")
        spec = root.spec
        if not self.decide(spec.name, "read").allowed:
            raise Unsupported("the caller may not read this model: the interpreted path answers with the error")
        if root.kind == "single":
            alias = self.new_alias()
            id_argument = root.arguments["id"]
            ident = param(lambda run: [parse_id_or_none(value_of(id_argument, run))])
            where = all_of([f"{pk_of(spec, alias)} = " + ident, self.conditions.scope(spec, alias)])
            joins: list[Sql] = []
            node = self._node(spec, alias, root.selection, joins)
            return self._subquery(node + f" FROM {table_of(spec)} AS {alias}" + _joined(joins) + " WHERE " + where)
        return self._connection(root)

    def _connection(self, root: RootField) -> Sql:
        spec, arguments = root.spec, root.arguments
        ordering = ordering_for(spec, arguments.get("orderBy"))
        alias = self.new_alias()
        base = all_of([
            self.conditions.scope(spec, alias),
            self.conditions.filter(spec, alias, arguments.get("filter")),
            self._search(spec, alias, arguments.get("search")),
        ])
        keyset = self._after(spec, alias, ordering, arguments)
        first = self._first(arguments)
        order = self.conditions.order_terms(spec, alias, ordering)
        name = f"p{len(self.ctes)}"
        where = all_of([base, keyset])
        if any(part.name in ("nodes", "edges", "pageInfo") for part in root.selection):  # not for a bare totalCount
            self.ctes.append(
                f"{name} AS (SELECT {alias}.*, ROW_NUMBER() OVER (ORDER BY {order}) AS {_ROW_NUMBER} "
                f"FROM {table_of(spec)} AS {alias}" + ("" if where is None else " WHERE " + where)
                + f" ORDER BY {order} LIMIT " + _count(first, 1) + ")"
            )
        limit = _count(first)

        def page_rows(joins: list[Sql]) -> Sql:
            return f"{name} AS p" + _joined(joins) + f" WHERE p.{_ROW_NUMBER} <= " + limit + f" ORDER BY p.{_ROW_NUMBER}"
        issuer = self._keyset(spec, ordering) if _asks_for_cursors(root.selection) else None
        pairs: list[tuple[str, Sql | str]] = []
        for part in root.selection:
            if part.name == "__typename":
                pairs.append((part.key, literal(f"{spec.name}Connection")))
            elif part.name == "totalCount":
                counted = self.new_alias()
                where_count = all_of([
                    self.conditions.scope(spec, counted),
                    self.conditions.filter(spec, counted, arguments.get("filter")),
                    self._search(spec, counted, arguments.get("search")),
                ])
                pairs.append((part.key, Sql(f"(SELECT count(*) FROM {table_of(spec)} AS {counted}")
                               + ("" if where_count is None else " WHERE " + where_count) + ")"))
            elif part.name == "nodes":
                joins = []
                node = self._node(spec, "p", part.selection, joins)
                pairs.append((part.key, self._array(node, page_rows(joins))))
            elif part.name == "edges":
                edge, joins = [], []
                for piece in part.selection:
                    if piece.name == "cursor":
                        edge.append((piece.key, self._cursor(spec, "p", ordering, issuer)))
                    elif piece.name == "node":
                        edge.append((piece.key, self._node(spec, "p", piece.selection, joins)))
                    else:
                        edge.append((piece.key, literal(f"{spec.name}Edge")))
                pairs.append((part.key, self._array(self._object(edge), page_rows(joins))))
            elif part.name == "pageInfo":
                pairs.append((part.key, self._page_info(spec, name, ordering, issuer, part.selection, keyset is not None, limit)))
        return self._object(pairs)

    def _page_info(self, spec, name, ordering, issuer, selection, after_given: bool, limit: Sql) -> Sql:
        pairs: list[tuple[str, Sql | str]] = []
        for piece in selection:
            if piece.name == "hasNextPage":
                pairs.append((piece.key, self.dialect.boolean(Sql(f"(SELECT count(*) FROM {name}) > ") + limit)))
            elif piece.name == "hasPreviousPage":
                pairs.append((piece.key, self.dialect.boolean("1=1" if after_given else "1=0")))
            elif piece.name == "startCursor":
                pairs.append((piece.key, self._subquery(
                    Sql("SELECT ") + self._cursor(spec, "p", ordering, issuer) + f" FROM {name} AS p WHERE p.{_ROW_NUMBER} = 1")))
            elif piece.name == "endCursor":
                pairs.append((piece.key, self._subquery(
                    Sql("SELECT ") + self._cursor(spec, "p", ordering, issuer) + f" FROM {name} AS p WHERE p.{_ROW_NUMBER} <= "
                    + limit + f" ORDER BY p.{_ROW_NUMBER} DESC LIMIT 1")))
            else:
                pairs.append((piece.key, literal("PageInfo")))
        return self._object(pairs)

    # --- objects and relations -----------------------------------------------------------------

    def _node(self, spec: ModelSpec, alias: str, selection: list, joins: list[Sql]) -> Sql:
        """The row ``alias`` as a JSON object; a foreign-key relation adds its LEFT JOIN to ``joins``."""
        pairs: list[tuple[str, Sql | str]] = []
        for item in selection:
            if isinstance(item, Typename):
                pairs.append((item.key, literal(item.name)))
            elif isinstance(item, Scalar):
                pairs.append((item.key, self._scalar(spec, alias, item)))
            elif item.relation.kind == "fk":
                pairs.append((item.key, self._fk(spec, alias, item, joins)))
            else:
                pairs.append((item.key, self._many(spec, alias, item)))
        return self._object(pairs)

    def _scalar(self, spec: ModelSpec, alias: str, item: Scalar) -> Sql | str:
        field = item.field
        column = column_of(spec, alias, field.name)
        if field.name == spec.pk:
            return self.dialect.text_id(column)
        value = self.dialect.scalar(column, field.python_type)
        if field.name not in spec.declaration.personal:
            return value
        decision = self.decide(spec.name, "read_personal")
        if decision.everywhere or (decision.published and spec.declaration.published is None):
            return value
        if not decision.regencies:
            return "NULL"
        return "CASE WHEN " + self.conditions.in_regencies(spec, alias, "read_personal") + f" THEN {value} END"

    def _fk(self, spec: ModelSpec, alias: str, item: Relation, joins: list[Sql]) -> Sql | str:
        """A LEFT JOIN on the target's key (one row at most, so no row of ``alias`` repeats), scoped in its ON:
        the database can hash the small tables of a page's relations instead of probing them row by row."""
        target = item.target
        if not self.decide(target.name, "read").allowed:
            return "NULL"
        inner = self.new_alias()
        on = all_of([Sql(f"{pk_of(target, inner)} = {column_of(spec, alias, item.relation.column)}"),
                     self.conditions.scope(target, inner)])
        joins.append(f" LEFT JOIN {table_of(target)} AS {inner} ON " + on)
        node = self._node(target, inner, item.selection, joins)
        return f"CASE WHEN {pk_of(target, inner)} IS NULL THEN NULL ELSE " + node + " END"

    def _many(self, spec: ModelSpec, alias: str, item: Relation) -> Sql | str:
        target, relation, arguments = item.target, item.relation, item.arguments
        if not self.decide(target.name, "read").allowed:
            return self.dialect.empty_array()
        ordering = ordering_for(target, arguments.get("orderBy"))
        inner = self.new_alias()
        if relation.kind == "reverse_fk":
            source = f"{table_of(target)} AS {inner}"
            correlation = Sql(f"{column_of(target, inner, relation.column)} = {pk_of(spec, alias)}")
        else:
            link = self.new_alias()
            source = (f"{quote(relation.through)} AS {link} JOIN {table_of(target)} AS {inner} "
                      f"ON {pk_of(target, inner)} = {link}.{quote(relation.other_key)}")
            correlation = Sql(f"{link}.{quote(relation.own_key)} = {pk_of(spec, alias)}")
        where = all_of([
            correlation,
            self.conditions.scope(target, inner),
            self.conditions.filter(target, inner, arguments.get("filter")),
            self._after(target, inner, ordering, arguments),
        ])
        first = self._first(arguments)
        joins: list[Sql] = []
        node = self._node(target, inner, item.selection, joins)
        rows = (source + _joined(joins) + " WHERE " + where + f" ORDER BY {self.conditions.order_terms(target, inner, ordering)} LIMIT "
                + _count(first))
        return self._array(node, rows)

    # --- pieces ---------------------------------------------------------------------------------

    def _search(self, spec: ModelSpec, alias: str, argument: Any) -> Sql | None:
        if not value_of(argument, self.run):
            return None  # no search, or "" (the interpreted path ignores an empty search too)
        if not isinstance(argument, VarRef) and len(argument) > get_settings().max_search_length:
            raise Unsupported("search over the length limit: the interpreted path refuses it")
        return self.conditions.search(spec, alias, lambda run: value_of(argument, run))

    def _first(self, arguments: dict) -> Any:
        first = arguments.get("first")
        if not isinstance(first, VarRef) and not valid_page_size(first):
            raise Unsupported("first out of range: the interpreted path refuses it")
        return first

    def _after(self, spec: ModelSpec, alias: str, ordering: Ordering, arguments: dict) -> Sql | None:
        if not given(arguments.get("after"), self.run):
            return None
        slot = id(arguments)
        nulls = tuple(value is None for value in self.run.cursors[slot])
        return self.conditions.after(spec, alias, ordering, slot, nulls)

    def _keyset(self, spec: ModelSpec, ordering: Ordering) -> int:
        self.keysets.append(Keyset(spec, ordering))
        return len(self.keysets) - 1

    def _cursor(self, spec: ModelSpec, alias: str, ordering: Ordering, issuer: int) -> str:
        values = [self._key_value(spec, alias, key.field) for key in ordering.keys]
        return self.dialect.array([literal(CURSOR_MARK), str(issuer), *values])

    def _key_value(self, spec: ModelSpec, alias: str, name: str) -> str:
        """A sort key as ``core.values.jsonable`` gives it: the enum's value, ISO dates, the id as a number."""
        field = spec.scalars[name]
        column = column_of(spec, alias, name)
        if field.is_enum or field.name == spec.pk:
            return column
        return self.dialect.scalar(column, field.python_type)

    def _object(self, pairs: list[tuple[str, Sql | str]]) -> Sql:
        built = [(key, value if isinstance(value, Sql) else Sql(value)) for key, value in pairs]
        if len(built) > 50:
            raise Unsupported("more than 50 fields in one object")
        text = Sql(self.dialect.object_start())
        for n, (key, value) in enumerate(built):
            text = text + (", " if n else "") + f"{literal(key)}, " + value
        return text + ")"

    def _array(self, value: Sql, rows: Sql | str) -> Sql:
        start, middle, end = self.dialect.array_parts()
        return start + value + middle + rows + end

    def _subquery(self, select_body: Sql) -> Sql:
        start, end = self.dialect.nested_parts()
        body = select_body if select_body.text.startswith("SELECT ") else "SELECT " + select_body
        return start + body + end


def _count(first: Any, extra: int = 0) -> Sql:
    """A page size: written into the SQL when the document gives it (the planner then knows it, as a generic
    plan needs), a parameter when a variable does."""
    if isinstance(first, VarRef):
        return param(lambda run: [page_size_of(first, run) + extra])
    return Sql(str(int(page_size_of(first, None)) + extra))


def _joined(joins: list[Sql]) -> Sql:
    return join("", joins) if joins else Sql()


def _asks_for_cursors(selection: list) -> bool:
    for part in selection:
        if part.name == "edges" and any(piece.name == "cursor" for piece in part.selection):
            return True
        if part.name == "pageInfo" and any(piece.name in ("startCursor", "endCursor") for piece in part.selection):
            return True
    return False


def sign_cursors(text: str, keysets: list[Keyset]) -> Any:
    """The statement's data with each marked array replaced by the cursor its Keyset signs."""

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            if value and value[0] == CURSOR_MARK:
                return keysets[value[1]].cursor_of_values(value[2:])
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(json.loads(text))
