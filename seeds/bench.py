"""``python -m seeds.bench N [--seed-value S] [--database-url URL]`` (``make seed-bench N=200000``).

Inserts N synthetic complaints (see ``seeds.synthetic``) and prints the insert rate.
"""
from __future__ import annotations

import argparse
import time

from seeds.cli import add_database_option, run_connected
from seeds.synthetic import seed_bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seeds.bench", description="Insert N synthetic complaints.")
    parser.add_argument("n", type=int, help="number of complaints to insert, e.g. 200000")
    parser.add_argument("--seed-value", type=int, default=1, help="random seed (same seed on a fresh database = same rows)")
    add_database_option(parser)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    inserted = run_connected(args.database_url, lambda: seed_bench(args.n, seed_value=args.seed_value))
    seconds = time.perf_counter() - began
    print(f"inserted {inserted} complaints in {seconds:.1f} s ({inserted / seconds:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
