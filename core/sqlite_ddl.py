"""SQLite migrations that survive a semicolon inside a description.

Tortoise 1.1's ``SqliteSchemaEditor`` runs a migration's DDL one statement at a time (one
transaction for the whole migration: ``sqlite3.executescript`` would COMMIT in between) and
finds the statements with ``sql.split(";")``. Model docstrings and ``#:`` field comments end up
in the CREATE TABLE as ``/* ... */`` comments, so a description with a semicolon cut the
statement in two and the migration failed with "incomplete input".

:func:`install` makes the editor end a statement only where SQLite itself would:
:func:`sqlite3.complete_statement` runs SQLite's own tokenizer, which knows string literals,
quoted identifiers and comments.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from tortoise.migrations.schema_editor.sqlite import SqliteSchemaEditor

_tortoise_run_sql = SqliteSchemaEditor._run_sql


def sqlite_statements(script: str) -> list[str]:
    """The statements of ``script``, cut only at the semicolons that end one."""
    return list(_statements(script))


def _statements(script: str) -> Iterator[str]:
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip().rstrip(";").strip():
                yield pending.strip()
            pending = ""
    if pending.strip().rstrip(";").strip():
        yield pending.strip()  # unterminated (an open comment or quote): SQLite reports it


async def _run_sql_by_statement(self: SqliteSchemaEditor, sql: str) -> None:
    if self.collect_sql or not self.atomic_migration:
        # `sqlmigrate` collects the text unsplit; a non-atomic migration goes through
        # executescript, which already splits the way SQLite does.
        await _tortoise_run_sql(self, sql)
        return
    for statement in sqlite_statements(sql):
        await self.client.execute_query(statement)


def install() -> None:
    """Replace Tortoise's split on every ";" (idempotent; SQLite migrations only)."""
    SqliteSchemaEditor._run_sql = _run_sql_by_statement  # type: ignore[method-assign]
