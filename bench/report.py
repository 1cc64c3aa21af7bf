"""The printed report: where it ran, then one line per scenario with its ratio to the baseline."""
from __future__ import annotations

import os
import platform

from bench.database import Database
from bench.measure import Figures
from bench.scenarios import NESTED_AS_KOMINFO, ORM_ONE_QUERY_PER_ROW, ORM_PREFETCHED


def print_setup(database: Database, cache: str, rows: int, complaints: int, seed_seconds: float, repeat: int) -> None:
    print("Simpul benchmarks")
    print(f"  machine   {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  database  {database.engine}, throwaway ({database.location})")
    print(f"  cache     {cache}")
    print(f"  data      {rows:,} synthetic + {complaints - rows:,} demo = {complaints:,} complaints (seeded in {seed_seconds:.1f} s)")
    print(f"  timing    {repeat} runs per scenario after one warm-up; p95 by nearest rank (the slowest run when fewer than 20)")
    print("  requests  POST /graphql to the ASGI app in-process (no network); 7a/7b call the ORM directly")
    print()


def print_table(figures: list[Figures]) -> None:
    baseline = figures[0].median_ms
    width = max(len(f.name) for f in figures)
    print(f"{'scenario':<{width}}  {'median ms':>9}  {'p95 ms':>8}  {'SQL/req':>7}  {'bytes/resp':>10}  {'× baseline':>10}")
    print("-" * (width + 56))
    for f in figures:
        statements = "n/a" if f.statements is None else str(f.statements)
        size = "-" if f.response_bytes is None else f"{f.response_bytes:,}"
        print(
            f"{f.name:<{width}}  {f.median_ms:>9.2f}  {f.p95_ms:>8.2f}  {statements:>7}  {size:>10}"
            f"  {f.median_ms / baseline:>10.2f}"
        )
    print()


def print_batching(figures: list[Figures]) -> None:
    """Say in one sentence what loading relations in batches saves, from the figures of this run."""
    by_name = {f.name: f for f in figures}
    naive, prefetched, nested = by_name[ORM_ONE_QUERY_PER_ROW], by_name[ORM_PREFETCHED], by_name[NESTED_AS_KOMINFO]
    print(
        f"Batching: one query per row costs {naive.median_ms:.2f} ms ({_statements(naive)}) for 100 complaints with "
        f"regency and app; prefetching them costs {prefetched.median_ms:.2f} ms ({_statements(prefetched)}); the "
        f"GraphQL page that also loads agreements and their apps costs {nested.median_ms:.2f} ms ({_statements(nested)})."
    )


def _statements(figures: Figures) -> str:
    return "statements not counted" if figures.statements is None else f"{figures.statements} statements"
