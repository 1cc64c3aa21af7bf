"""Counts the SQL statements Tortoise sends, from its own db-client log, on any engine."""
from __future__ import annotations

import logging
from contextlib import contextmanager

STATEMENT_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().lstrip()
        if text.upper().startswith(STATEMENT_WORDS):
            self.statements.append(text)


@contextmanager
def count_statements():
    logger = logging.getLogger("tortoise.db_client")
    collector = _Collector()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collector)
    try:
        yield collector.statements
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous)
