"""``python -m bench [--rows N] [--repeat R]``: seed a throwaway database, time the API, print the report.

With ``DATABASE_URL=postgres://...`` the run creates (and drops) its own database on
that server; otherwise it uses a temporary SQLite file. ``REDIS_URL`` is honoured
as by the application.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

# Tokens and cursors are signed, but nothing here outlives the run: the development secret will do.
if not os.environ.get("SECRET_KEY"):
    os.environ["PLATFORM_ENV"] = "development"

from bench.client import GraphQLClient, GraphQLFailed, http_client  # noqa: E402
from bench.database import throwaway_database  # noqa: E402
from bench.measure import measure  # noqa: E402
from bench.report import print_batching, print_setup, print_table  # noqa: E402
from bench.scenarios import build_scenarios  # noqa: E402
from server.app import create_app  # noqa: E402
from server.assembly import assemble  # noqa: E402
from core.settings import get_settings  # noqa: E402
from models.complaint import Complaint  # noqa: E402
from seeds import seed, seed_bench  # noqa: E402


def progress(message: str) -> None:
    # On stderr, so that stdout holds only the report.
    print(message, file=sys.stderr, flush=True)


async def run(rows: int, repeat: int) -> None:
    async with throwaway_database(os.environ.get("DATABASE_URL")) as database:
        progress(f"seeding the demo world and {rows:,} complaints into {database.engine} ...")
        began = time.perf_counter()
        registry = assemble()
        await seed(registry, demo=True)
        await seed_bench(registry, rows)
        seed_seconds = time.perf_counter() - began
        complaints = await Complaint.all().count()

        app = create_app(manage_database=False)
        async with http_client(app) as http:
            anonymous = GraphQLClient(http)
            kominfo = await anonymous.signed_in("kominfo")
            karawang = await anonymous.signed_in("staff.karawang")
            figures = []
            for scenario in await build_scenarios(anonymous, kominfo, karawang):
                progress(f"measuring {scenario.name}")
                figures.append(await measure(scenario, repeat))

    cache = "Redis" if get_settings().redis_url else "in-process stand-in (no REDIS_URL)"
    print_setup(database, cache, rows, complaints, seed_seconds, repeat)
    print_table(figures)
    print_batching(figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Time the GraphQL API on a throwaway database.")
    parser.add_argument("--rows", type=int, default=20_000, help="synthetic complaints to seed (default 20000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per scenario (default 30)")
    args = parser.parse_args(argv)
    if args.rows < 0 or args.repeat < 1:
        parser.error("--rows must be 0 or more and --repeat 1 or more")
    try:
        asyncio.run(run(args.rows, args.repeat))
    except GraphQLFailed as failure:
        print(f"bench: aborted, the API answered with an error:\n  {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
