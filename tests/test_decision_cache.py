"""Casbin decisions are remembered until the rules change (permissions/enforcer.py), and never longer."""
from __future__ import annotations

import pytest

from models import User
from permissions import enforcer as enforcer_module
from permissions.access import access_for
from permissions.enforcer import policy_engine
from permissions.management import add_rule, remove_rule
from tests.conftest import registry_for_tests


@pytest.fixture
def casbin_calls(monkeypatch):
    """The questions that reach Casbin itself (the real enforcer, spied on and let through)."""
    engine = policy_engine()
    calls: list[tuple] = []
    real_enforce = engine.enforcer.enforce

    def counting_enforce(*request):
        calls.append(request)
        return real_enforce(*request)

    monkeypatch.setattr(engine.enforcer, "enforce", counting_enforce)
    return calls


async def test_the_same_question_reaches_casbin_once(world, casbin_calls):
    # Given a loaded policy
    await access_for(None)
    # When two requests by the same caller ask the same questions
    staff = await User.get(username="staff.karawang")
    first = (await access_for(staff)).decide("Complaint", "read")
    asked = len(casbin_calls)
    second = (await access_for(staff)).decide("Complaint", "read")
    # Then the second is answered from memory, the same way
    assert asked > 0
    assert len(casbin_calls) == asked
    assert first == second and first.regencies == frozenset({"32.15"})


async def test_a_rule_removed_through_management_takes_effect_on_the_next_decision(world, casbin_calls):
    # Given staff whose reading of complaints is remembered
    staff = await User.get(username="staff.karawang")
    assert (await access_for(staff)).decide("Complaint", "read").allowed
    assert policy_engine().enforce("staff.karawang", "32.15", "Complaint", "read")
    # When the rule that allowed it is removed
    assert await remove_rule("regency_staff", "*", "Complaint", "read")
    # Then the next request's decision says no: Casbin was asked again, not the engine's memory
    asked = len(casbin_calls)
    assert not (await access_for(staff)).decide("Complaint", "read").allowed
    assert not policy_engine().enforce("staff.karawang", "32.15", "Complaint", "read")
    assert len(casbin_calls) > asked


async def test_a_rule_added_through_management_takes_effect_on_the_next_decision(world):
    registry = registry_for_tests()
    assert not (await access_for(None)).decide("Noticeboard", "read").allowed
    await add_rule("public", "public", "Noticeboard", "read", registry=registry)
    assert (await access_for(None)).decide("Noticeboard", "read").published


async def test_a_reload_forgets_what_was_remembered(world, casbin_calls):
    engine = policy_engine()
    assert engine.enforce("kominfo", "*", "Policy", "manage")
    await engine.reload(engine._revision)
    asked = len(casbin_calls)
    assert engine.enforce("kominfo", "*", "Policy", "manage")
    assert len(casbin_calls) == asked + 1


async def test_memory_is_bounded(world, monkeypatch):
    engine = policy_engine()
    monkeypatch.setattr(enforcer_module, "DECISION_CACHE_SIZE", 5)
    engine.forget_decisions()
    for n in range(20):
        engine.enforce(f"someone.{n}", "32.15", "Complaint", "read")
    assert len(engine._decisions) == 5
    # The newest stay; the first asked were forgotten first.
    assert ("someone.19", "32.15", "Complaint", "read") in engine._decisions
    assert ("someone.0", "32.15", "Complaint", "read") not in engine._decisions
