"""Operational commands: ``python -m server.manage <command>``.

    migrate                      apply the migrations in migrations/
    makemigrations [--name N]    write the next migration from the models, then check it
    check-migrations             check the migration files and model modules (what makemigrations checks)
    seed [--demo]                reference data (and the demo world); syncs the default grants
    seed-bench N                 N synthetic complaints for load tests
    policy                       print the default policy the declarations give, as Casbin CSV
    schema                       regenerate the committed SDL snapshot (schema/schema.graphql)
    translations                 list the panel texts (labels, help) a language still lacks
    grant-admin USERNAME         recovery: give an existing account the kominfo_admin role in every regency

Every command takes ``--database-url`` (default: ``$DATABASE_URL``, else the SQLite file under ./data/).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from tortoise import Tortoise

from core.database import connect, disconnect, tortoise_config
from core.settings import default_database_url
from server.assembly import assemble

T = TypeVar("T")


def _database_url(explicit: str | None) -> str:
    return explicit or os.environ.get("DATABASE_URL") or default_database_url()


async def migrate(database_url: str) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    if database_url.startswith("sqlite://"):
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


def _connected(database_url: str, job: Callable[[], Awaitable[T]]) -> T:
    """Run ``job`` with the database connected (the schema must exist: ``migrate`` creates it)."""

    async def main() -> T:
        await connect(database_url)
        try:
            return await job()
        finally:
            await disconnect()

    return asyncio.run(main())


def makemigrations(name: str | None, database_url: str) -> int:
    """Tortoise's own migration tool writes the next migration into migrations/; the checks in
    server.migration_checks run before it (a model it would not see) and on what it wrote."""
    from server.migration_checks import migration_files, migration_problems, unlisted_model_modules

    unlisted = unlisted_model_modules()
    if unlisted:
        print("\n\n".join(map(str, unlisted)), file=sys.stderr)
        return 1
    before = migration_files()
    command = [sys.executable, "-m", "tortoise", "-c", "core.database.TORTOISE_ORM", "makemigrations"]
    returncode = subprocess.call(
        command + (["--name", name] if name else []), env={**os.environ, "DATABASE_URL": database_url}
    )
    written = migration_files() - before
    if returncode or not written:
        return returncode
    problems = migration_problems(only=written)
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        print("\nThe migration is written; edit it as above before you apply it.", file=sys.stderr)
        return 1
    return 0


def check_migrations() -> int:
    from server.migration_checks import migration_problems

    problems = migration_problems()
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        return 1
    print("migrations and model modules look right")
    return 0


async def grant_admin(username: str, registry) -> list[str]:
    """Make ``username`` an administrator again: the ``kominfo_admin * * *`` rule exists, the account holds
    ``kominfo_admin`` in ``*`` and is active. Audited as the platform (source ``system``); returns what changed.

    The way back when nobody may manage the policy any more (a rule removed in SQL, say): the panel
    and the API refuse to remove the last administrator themselves.
    """
    from tortoise.transactions import in_transaction

    from models.user import User
    from permissions.defaults import ADMIN_ROLE
    from permissions.management import add_rule, assign_role
    from permissions.terms import ANY
    from services import audit

    user = await User.get_or_none(username=username.strip().lower())
    if user is None:
        raise LookupError(f"There is no user named {username!r}: create the account first (or name another).")
    record = audit.recorder(None, source="system")
    done = []
    async with in_transaction():
        if await add_rule(ADMIN_ROLE, ANY, ANY, ANY, registry=registry, audit=record):
            done.append(f"added the rule {ADMIN_ROLE} {ANY} {ANY} {ANY}")
        if await assign_role(user.username, ADMIN_ROLE, ANY, audit=record):
            done.append(f"gave {user.username} the role {ADMIN_ROLE} in {ANY}")
        if not user.is_active:
            user.is_active = True
            await user.save(update_fields=["is_active"])
            await record("user_activate", "User", user.pk, {"username": user.username, "is_active": False},
                         {"username": user.username, "is_active": True})
            done.append(f"reactivated {user.username}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.manage", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the SQLite file under ./data/")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the migrations")
    make = commands.add_parser("makemigrations", help="write the next migration from the models")
    # Several words are joined: the Makefile passes NAME unquoted.
    make.add_argument("--name", nargs="+", help="a short name for the migration (make makemigrations NAME=...)")
    commands.add_parser("check-migrations", help="check the migration files for likely renames and unlisted models")
    seed_cmd = commands.add_parser("seed", help="write the seed data and print what changed")
    seed_cmd.add_argument("--demo", action="store_true", help="also the demo world (accounts, agreements, complaints)")
    bench = commands.add_parser("seed-bench", help="insert N synthetic complaints")
    bench.add_argument("n", type=int, help="number of complaints to insert, e.g. 200000")
    bench.add_argument("--seed-value", type=int, default=1, help="random seed (same seed on a fresh database = same rows)")
    commands.add_parser("policy", help="print the declared default policy as Casbin CSV")
    commands.add_parser("schema", help="regenerate schema/schema.graphql from the declarations")
    commands.add_parser("translations", help="list the panel texts a language still lacks")
    grant = commands.add_parser("grant-admin", help="recovery: give an existing account the kominfo_admin role in *")
    grant.add_argument("username", help="the account's sign-in name")
    args = parser.parse_args(argv)
    url = _database_url(args.database_url)

    if args.command == "migrate":
        asyncio.run(migrate(url))
        print("migrations applied")
        return 0
    if args.command == "makemigrations":
        return makemigrations(" ".join(args.name) if args.name else None, url)
    if args.command == "check-migrations":
        return check_migrations()
    if args.command == "policy":
        from permissions.defaults import declared_rules, policy_as_csv

        print(policy_as_csv(declared_rules(assemble())), end="")
        return 0
    if args.command == "schema":
        from schema.sdl import SNAPSHOT, write_snapshot

        write_snapshot(assemble(), SNAPSHOT)
        print(f"wrote {SNAPSHOT}")
        return 0
    if args.command == "translations":
        from admin.i18n.coverage import missing_translations

        missing = missing_translations(assemble())
        for locale, key in missing:
            print(f"{locale}: {key}")
        print(f"{len(missing)} text(s) without a translation; the panel shows the default for them")
        return 0
    registry = assemble()
    if args.command == "grant-admin":
        try:
            done = _connected(url, lambda: grant_admin(args.username, registry))
        except LookupError as error:
            print(error, file=sys.stderr)
            return 1
        for line in done:
            print(line)
        from permissions.enforcer import POLICY_MAX_AGE_SECONDS

        print(f"{args.username} is an administrator" + ("" if done else " already (nothing changed)") + ".")
        if done:
            print(f"A running server applies it within {POLICY_MAX_AGE_SECONDS:g} s "
                  "(on its next request when it shares REDIS_URL with this command).")
        return 0
    if args.command == "seed":
        from seeds import seed

        print(_connected(url, lambda: seed(registry, demo=args.demo)))
        return 0
    from seeds import seed_bench

    began = time.perf_counter()
    inserted = _connected(url, lambda: seed_bench(registry, args.n, seed_value=args.seed_value))
    seconds = time.perf_counter() - began
    print(f"inserted {inserted} complaints in {seconds:.1f} s ({inserted / seconds:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
