"""The SQL that builds JSON, on PostgreSQL and on SQLite: the only place the two engines differ.

Every value is rendered exactly as the interpreted path serialises it
(Strawberry's output), so the two paths answer byte-for-byte the same data:
ids as strings, enums by name, dates as ``YYYY-MM-DD``, datetimes as Python's
``isoformat()`` in UTC (microseconds only when there are some, ``+00:00``).
"""
from __future__ import annotations

import datetime as dt
import enum
import json


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal; only names of the schema and the registry reach it (no caller input)."""
    return "'" + text.replace("'", "''") + "'"


class Dialect:
    name: str

    def object_start(self) -> str:
        """Opens a JSON object of key/value arguments: ``<start>'key', value, ...)``."""
        raise NotImplementedError

    def array_parts(self) -> tuple[str, str, str]:
        """``start + value + middle + rows + end``: a JSON array of ``value`` over ``rows`` (``FROM``-clause text
        ending with its ORDER BY), in their order; ``[]`` when there are none."""
        raise NotImplementedError

    def nested_parts(self) -> tuple[str, str]:
        """``start + SELECT ... + end``: a scalar subquery yielding JSON, as a value inside an enclosing object."""
        raise NotImplementedError

    def boolean(self, condition):
        """A SQL condition (text or ``Sql``) as a JSON boolean."""
        raise NotImplementedError

    def array(self, values: list[str]) -> str:
        raise NotImplementedError

    def boolean_column(self, column: str) -> str:
        raise NotImplementedError

    def text_id(self, column: str) -> str:
        raise NotImplementedError

    def datetime(self, column: str) -> str:
        raise NotImplementedError

    def date(self, column: str) -> str:
        raise NotImplementedError

    def any_of(self, column: str) -> str:
        """``column`` is one of the values of a list parameter (the caller's regency codes)."""
        raise NotImplementedError

    def member_of(self, column: str) -> tuple[str, str]:
        """(text to add to a FROM clause, condition): ``column`` is one of the values of a list parameter,
        with as little nesting as the engine allows (SQLite's parser has a fixed stack)."""
        raise NotImplementedError

    def list_parameter(self, values: list) -> object:
        raise NotImplementedError

    def in_few(self, column: str) -> tuple[str, str]:
        """(start, end) around a subquery returning a few keys (a regency by code, a foreign key's matches):
        ``column`` is one of them."""
        return f"{column} IN (", ")"

    def empty_array(self) -> str:
        raise NotImplementedError

    def finish(self, sql: str) -> str:
        """Placeholders as the driver wants them (written as ``?`` while building)."""
        return sql

    def scalar(self, column: str, python_type: type) -> str:
        """A column as the JSON value the interpreted path would give for it."""
        if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
            renamed = [(m.value, m.name) for m in python_type if m.value != m.name]
            if not renamed:
                return column
            cases = " ".join(f"WHEN {literal(str(v))} THEN {literal(n)}" for v, n in renamed)
            return f"CASE {column} {cases} ELSE {column} END"
        if python_type is bool:
            return self.boolean_column(column)
        if python_type is dt.datetime:
            return self.datetime(column)
        if python_type is dt.date:
            return self.date(column)
        if python_type in (int, str):
            return column
        raise Unsupported(f"no JSON rendering for {python_type!r}")


class Unsupported(Exception):
    """A part of a query the compiler does not turn into SQL; the interpreted path answers instead."""


class Postgres(Dialect):
    name = "postgres"

    def object_start(self) -> str:
        return "json_build_object("  # at most 100 arguments: the builder stops at 50 fields

    def array_parts(self) -> tuple[str, str, str]:
        return "(SELECT coalesce(json_agg(s.j), '[]'::json) FROM (SELECT ", " AS j FROM ", ") AS s)"

    def nested_parts(self) -> tuple[str, str]:
        return "(", ")"

    def boolean(self, condition):
        return "(" + condition + ")"

    def array(self, values: list[str]) -> str:
        return "json_build_array(" + ", ".join(values) + ")"

    def boolean_column(self, column: str) -> str:
        return column

    def text_id(self, column: str) -> str:
        return f"({column})::text"

    def datetime(self, column: str) -> str:
        # isoformat() leaves out a zero fraction; ".000000" can stand nowhere else in the text.
        return f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00'"

    def date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')"

    def any_of(self, column: str) -> str:
        return f"{column} = ANY(?)"

    def member_of(self, column: str) -> tuple[str, str]:
        return "", f"{column} = ANY(?)"

    def in_few(self, column: str) -> tuple[str, str]:
        # Run once (an InitPlan) and compared as values: an index on (column, ...) then also gives the order,
        # where "IN (SELECT ...)" would be a join the planner cannot read the order through.
        return f"{column} = ANY(ARRAY(", "))"

    def list_parameter(self, values: list) -> object:
        return list(values)

    def empty_array(self) -> str:
        return "'[]'::json"

    def finish(self, sql: str) -> str:
        parts = sql.split("?")
        return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


class Sqlite(Dialect):
    name = "sqlite"

    def object_start(self) -> str:
        return "json_object("

    def array_parts(self) -> tuple[str, str, str]:
        # A subquery's JSON text is a plain string to SQLite: json() marks it as JSON again.
        return "(SELECT json_group_array(json(s.j)) FROM (SELECT ", " AS j FROM ", ") AS s)"

    def nested_parts(self) -> tuple[str, str]:
        return "json((", "))"

    def boolean(self, condition):
        return "json(CASE WHEN " + condition + " THEN 'true' ELSE 'false' END)"

    def array(self, values: list[str]) -> str:
        return "json_array(" + ", ".join(values) + ")"

    def boolean_column(self, column: str) -> str:
        return f"json(CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END)"

    def text_id(self, column: str) -> str:
        return f"CAST({column} AS TEXT)"

    def datetime(self, column: str) -> str:
        # Stored as isoformat(" "); strftime reads the offset and gives UTC; the fraction is kept as stored.
        return (
            f"CASE WHEN {column} IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', {column}) || "
            f"CASE WHEN substr({column}, 20, 1) = '.' THEN substr({column}, 20, 7) ELSE '' END || '+00:00' END"
        )

    def date(self, column: str) -> str:
        return column

    def any_of(self, column: str) -> str:
        return f"{column} IN (SELECT value FROM json_each(?))"

    def member_of(self, column: str) -> tuple[str, str]:
        return ", json_each(?) AS simpul_codes", f"{column} = simpul_codes.value"

    def list_parameter(self, values: list) -> object:
        return json.dumps(list(values))

    def empty_array(self) -> str:
        return "json('[]')"


def dialect_named(name: str) -> Dialect:
    if name == "postgres":
        return Postgres()
    if name == "sqlite":
        return Sqlite()
    raise Unsupported(f"no compiled reads on {name}")
