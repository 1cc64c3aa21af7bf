"""Seed data: the 48 regencies, the 174-app catalogue, the demo world and a benchmark generator.

``python -m server.manage seed [--demo]`` and ``python -m server.manage seed-bench N``
on the command line; ``await seed(registry, demo)`` and ``await seed_bench(registry, n)``
from tests and benchmarks (with the database already connected and migrated).
"""
from seeds.synthetic import seed_bench
from seeds.runner import seed
from seeds.sync import Counts, SeedSummary

__all__ = ["Counts", "SeedSummary", "seed", "seed_bench"]
