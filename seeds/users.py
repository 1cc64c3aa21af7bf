"""Demo accounts of the contract (password ``demo-password``), created only by ``--demo``.

Passwords are set when an account is created and never again: a re-run does
not reset a password someone changed. An account's role lives only in the policy
store: it is assigned when the account is created (``kominfo_admin`` in ``*``,
``regency_staff`` in the code of its regency), and not fingerprinted (``_role``).
"""
from __future__ import annotations

import asyncio

from models.regency import Regency
from models.user import User
from permissions.management import assign_role
from permissions.terms import ANY
from services.passwords import hash_password
from seeds.sync import Counts, Link, Plan, Row, sync

DEMO_PASSWORD = "demo-password"

USER_PLAN = Plan(
    model=User,
    key="username",
    fields=("username", "password_hash", "is_active"),
    links={"regency": Link(Regency, "code")},
    create_only=("password_hash",),
)

DEMO_USERS: tuple[Row, ...] = (
    {"username": "kominfo", "_role": "kominfo_admin", "regency": None, "is_active": True},
    {"username": "staff.karawang", "_role": "regency_staff", "regency": "32.15", "is_active": True},
    {"username": "staff.bekasi", "_role": "regency_staff", "regency": "32.16", "is_active": True},
)


async def _assign_roles(written: list[tuple[Row, int]]) -> None:
    for row, _pk in written:
        await assign_role(row["username"], row["_role"], row["regency"] or ANY)


async def seed_users() -> Counts:
    """Create the demo accounts that are missing (hashing only their passwords: bcrypt is slow on purpose)."""
    existing = set(await User.filter(username__in=[u["username"] for u in DEMO_USERS]).values_list("username", flat=True))
    missing = [u for u in DEMO_USERS if u["username"] not in existing]
    # bcrypt releases the GIL: hash the few passwords side by side in threads.
    hashes = await asyncio.gather(*(asyncio.to_thread(hash_password, DEMO_PASSWORD) for _ in missing))
    by_name = {u["username"]: h for u, h in zip(missing, hashes)}
    rows = [{**u, "password_hash": by_name.get(u["username"], "")} for u in DEMO_USERS]
    return await sync(USER_PLAN, rows, on_created=_assign_roles, on_updated=_assign_roles)
