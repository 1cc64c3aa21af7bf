"""Shared command-line plumbing: which database, connect, run, disconnect."""
from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.database import connect, disconnect
from core.settings import default_database_url

T = TypeVar("T")


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="database to seed (default: $DATABASE_URL, else the SQLite file under ./data/); "
        "run `python -m core.manage migrate` first",
    )


def run_connected(database_url: str | None, job: Callable[[], Awaitable[T]]) -> T:
    """Run ``job`` with the database connected (the schema must exist: migrations create it)."""
    url = database_url or os.environ.get("DATABASE_URL") or default_database_url()

    async def main() -> T:
        await connect(url)
        try:
            return await job()
        finally:
            await disconnect()

    return asyncio.run(main())
