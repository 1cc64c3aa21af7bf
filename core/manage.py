"""Operational commands: `python -m core.manage migrate | makemigrations | check-migrations`."""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys

from tortoise import Tortoise

from core.database import tortoise_config
from core.settings import default_database_url


def _database_url(explicit: str | None) -> str:
    import os

    return explicit or os.environ.get("DATABASE_URL") or default_database_url()


async def migrate(database_url: str) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    if database_url.startswith("sqlite://"):
        from pathlib import Path

        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.manage")
    parser.add_argument("command", choices=["migrate", "makemigrations"])
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    url = _database_url(args.database_url)
    if args.command == "migrate":
        asyncio.run(migrate(url))
        print("migrations applied")
        return 0
    # Tortoise's own migration tool writes the next migration into migrations/.
    return subprocess.call([sys.executable, "-m", "tortoise", "-c", "core.database.TORTOISE_ORM", "makemigrations"])


if __name__ == "__main__":
    raise SystemExit(main())
