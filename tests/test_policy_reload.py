"""Policy changes take effect on the next request, in this process and in every other worker."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest
from casbin_tortoise_adapter import CasbinRule

from core.errors import BadUserInput
from models import Regency, User
from models.enums import RegencyKind
from permissions.access import access_for
from permissions.defaults import declared_rules, sync_default_policy
from permissions.enforcer import policy_engine
from permissions.management import (
    add_rule,
    assign_role,
    list_rules,
    remove_rule,
    revoke_role,
    roles_of,
)

from tests.conftest import registry_for_tests

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = registry_for_tests()


@pytest.fixture
async def karawang_staff():
    await sync_default_policy(registry_for_tests())
    for code, name in (("32.15", "Kabupaten Karawang"), ("32.16", "Kabupaten Bekasi")):
        await Regency.create(code=code, name=name, kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    user = await User.create(username="staff.karawang", password_hash="x")
    await assign_role("staff.karawang", "regency_staff", "32.15")
    return user


async def test_adding_and_removing_a_rule_changes_the_next_decision(karawang_staff):
    before = await access_for(karawang_staff)
    assert not before.decide("Noticeboard", "read").allowed

    # When a rule is added, the next request sees it (no restart)
    assert await add_rule("regency_staff", "*", "Noticeboard", "read", registry=REGISTRY) is True
    after_add = await access_for(karawang_staff)
    assert after_add.decide("Noticeboard", "read").regencies == {"32.15"}
    # ...while a request already under way keeps the decision it made
    assert not before.decide("Noticeboard", "read").allowed

    # When it is removed, the next request is denied again
    assert await remove_rule("regency_staff", "*", "Noticeboard", "read") is True
    assert not (await access_for(karawang_staff)).decide("Noticeboard", "read").allowed


async def test_assigning_and_revoking_a_role_changes_the_next_decision(karawang_staff):
    assert await assign_role("staff.karawang", "regency_staff", "32.16") is True
    assert await roles_of("staff.karawang") == [("regency_staff", "32.15"), ("regency_staff", "32.16")]
    assert (await access_for(karawang_staff)).decide("Complaint", "read").regencies == {"32.15", "32.16"}

    assert await revoke_role("staff.karawang", "regency_staff", "32.16") is True
    assert (await access_for(karawang_staff)).decide("Complaint", "read").regencies == {"32.15"}


async def test_repeated_changes_report_that_nothing_changed(karawang_staff):
    assert await assign_role("staff.karawang", "regency_staff", "32.15") is False
    assert await revoke_role("staff.karawang", "regency_staff", "32.16") is False
    assert await add_rule("public", "public", "App", "read", registry=REGISTRY) is False
    assert await remove_rule("public", "public", "Noticeboard", "read") is False


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: assign_role("nobody", "regency_staff", "32.15"), "username"),
        (lambda: assign_role("staff.karawang", "superuser", "32.15"), "role"),
        (lambda: assign_role("staff.karawang", "public", "32.15"), "role"),
        (lambda: assign_role("staff.karawang", "regency_staff", "99.99"), "domain"),
        (lambda: add_rule("regency_staff", "*", "Noticeboardd", "read", registry=REGISTRY), "object"),
        (lambda: add_rule("regency_staff", "*", "Noticeboard", "browse", registry=REGISTRY), "action"),
        (lambda: add_rule("regency_staff", "32.99", "Noticeboard", "read", registry=REGISTRY), "domain"),
        (lambda: add_rule("Regency Staff", "*", "Noticeboard", "read", registry=REGISTRY), "role"),
        (lambda: add_rule("staff.karawang", "*", "Noticeboard", "read", registry=REGISTRY), "role"),  # a username, not a role
    ],
)
async def test_invalid_changes_are_bad_user_input_and_change_nothing(karawang_staff, call, field):
    rules_before = await CasbinRule.all().count()
    with pytest.raises(BadUserInput) as error:
        await call()
    assert error.value.extensions["field"] == field
    assert await CasbinRule.all().count() == rules_before


async def test_the_declared_grants_sync_once_and_pass_the_same_validation_as_an_admins_rule():
    rules = declared_rules(REGISTRY)
    assert ("kominfo_admin", "*", "*", "*") in rules
    assert ("regency_staff", "*", "Complaint", "transition") in rules  # Complaint.Simpul.grants
    assert ("public", "public", "App", "read") in rules  # public grants hold on published rows
    first = await sync_default_policy(REGISTRY)
    assert sorted(first.added) == sorted(rules)
    second = await sync_default_policy(REGISTRY)
    assert (second.added, second.kept_removed) == ([], [])
    assert sorted(await list_rules()) == sorted(rules)
    # Every default rule passes the same validation as a rule added by an admin.
    for role, domain, obj, act in rules:
        await remove_rule(role, domain, obj, act)
        assert await add_rule(role, domain, obj, act, registry=REGISTRY) is True


async def test_a_rule_an_admin_removed_is_not_synced_back():
    await sync_default_policy(REGISTRY)
    assert await remove_rule("regency_staff", "*", "Complaint", "update") is True
    result = await sync_default_policy(REGISTRY)
    assert result.added == []
    assert result.kept_removed == [("regency_staff", "*", "Complaint", "update")]
    assert ("regency_staff", "*", "Complaint", "update") not in await list_rules()


async def test_a_new_models_grants_reach_an_existing_database_on_its_next_start():
    # Given a database synced before the model declared any grant
    await sync_default_policy(REGISTRY)
    await remove_rule("public", "public", "App", "read")  # and an admin's edit elsewhere
    # When the next start's declarations grant something new
    kiosk = REGISTRY["Noticeboard"]
    declared = kiosk.declaration
    kiosk.declaration = dataclasses.replace(declared, grants={"regency_staff": ("read",), "public": ("read",)})
    try:
        result = await sync_default_policy(REGISTRY)
    finally:
        kiosk.declaration = declared
    # Then exactly the new grants are added, and the admin's removal stays
    assert sorted(result.added) == [("public", "public", "Noticeboard", "read"), ("regency_staff", "*", "Noticeboard", "read")]
    assert result.kept_removed == [("public", "public", "App", "read")]


async def test_a_rule_written_directly_in_sql_is_picked_up_after_the_max_age(karawang_staff, monkeypatch):
    engine = policy_engine()
    await access_for(None)  # the policy is loaded and current
    # Given a rule inserted behind the platform's back (no revision bump)
    await CasbinRule.create(ptype="p", v0="public", v1="public", v2="Noticeboard", v3="read")

    # While the local copy is younger than the max age, it is used as is
    monkeypatch.setattr(engine, "max_age_seconds", 3600)
    assert not (await access_for(None)).decide("Noticeboard", "read").allowed
    # Once older than the max age, the next request reloads from the database
    monkeypatch.setattr(engine, "max_age_seconds", 0)
    assert (await access_for(None)).decide("Noticeboard", "read").published


# ---------------------------------------------------------------------------------------------
# Two processes sharing one database and one Redis.
# ---------------------------------------------------------------------------------------------


class Worker:
    """tests/policy_worker.py in a subprocess: ask it what a caller may do."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    @classmethod
    async def start(cls, database_url: str) -> "Worker":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.policy_worker", database_url,
            cwd=ROOT, env=dict(os.environ),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        worker = cls(process)
        assert await worker._line() == "ready"
        return worker

    async def decide(self, username: str | None, model: str, action: str) -> dict:
        self.process.stdin.write(f"{username or '-'} {model} {action}\n".encode())
        await self.process.stdin.drain()
        return json.loads(await self._line())

    async def _line(self) -> str:
        line = await self.process.stdout.readline()
        if not line:
            raise AssertionError("policy worker died: " + (await self.process.stderr.read()).decode()[-2000:])
        return line.decode().strip()

    async def stop(self) -> None:
        self.process.stdin.close()
        await self.process.wait()


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs REDIS_URL (a shared Redis) to show cross-process reload",
)
async def test_a_change_in_one_process_reaches_another_worker(database, karawang_staff):
    worker = await Worker.start(database)
    try:
        # Given the other worker has loaded the policy and answered
        assert (await worker.decide(None, "Noticeboard", "read"))["allowed"] is False
        assert (await worker.decide("staff.karawang", "Noticeboard", "read"))["allowed"] is False

        # When this process adds rules
        await add_rule("public", "public", "Noticeboard", "read", registry=REGISTRY)
        await add_rule("regency_staff", "*", "Noticeboard", "update", registry=REGISTRY)

        # Then the worker's next decisions include them
        assert (await worker.decide(None, "Noticeboard", "read"))["published"] is True
        staff_update = await worker.decide("staff.karawang", "Noticeboard", "update")
        assert (staff_update["allowed"], staff_update["regencies"]) == (True, ["32.15"])

        # And a removal and a revoked role reach it as well
        await remove_rule("public", "public", "Noticeboard", "read")
        await revoke_role("staff.karawang", "regency_staff", "32.15")
        assert (await worker.decide(None, "Noticeboard", "read"))["allowed"] is False
        assert (await worker.decide("staff.karawang", "Complaint", "read"))["allowed"] is False
    finally:
        await worker.stop()
