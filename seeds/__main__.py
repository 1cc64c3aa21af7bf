"""``python -m seeds [--demo] [--database-url URL]``: write the seed data and print what changed."""
from __future__ import annotations

import argparse

from seeds.cli import add_database_option, run_connected
from seeds.runner import seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seeds", description=seed.__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="also write the demo world (accounts, agreements, complaints)")
    add_database_option(parser)
    args = parser.parse_args(argv)
    summary = run_connected(args.database_url, lambda: seed(demo=args.demo))
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
