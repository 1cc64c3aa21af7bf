"""The default policy, decision by decision and row by row, against the real enforcer and database.

Cases are generated from the registry (the test-only models included) × every
action × every caller of tests/roles.py; the expectations come from its oracle,
which reads the grants the models declare. A model that declares none is
invisible to staff and the public (default deny).
"""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.errors import Forbidden, Unauthenticated
from models import Agreement, App, Complaint, Regency, User
from models.enums import AgreementKind, AgreementStatus, AppCategory, RegencyKind
from permissions.access import access_for
from permissions.defaults import declared_rules, sync_default_policy
from permissions.enforcer import policy_engine
from permissions.management import list_rules
from permissions.terms import ACTIONS, MANAGEMENT_OBJECTS
from tests.conftest import registry_for_tests
from tests.factory import populate
from tests.roles import ANONYMOUS, CALLER, CALLERS, OFFICER, STAFF_KARAWANG, Caller, Oracle, enrol, oracle
from tests.sql_counter import count_statements

ORACLE = oracle()
REGISTRY = ORACLE.registry
OBJECTS = list(dict.fromkeys([*REGISTRY.names(), *MANAGEMENT_OBJECTS]))
PERSONAL_MODELS = [spec.name for spec in REGISTRY if spec.declaration.personal]


# ---------------------------------------------------------------------------------------------
# The world: three regencies, their agreements (incl. drafts), complaints, and factory rows of
# every other model in each regency (published and not); every caller of tests/roles.py.
# ---------------------------------------------------------------------------------------------


@pytest.fixture
async def world():
    await sync_default_policy(registry_for_tests())
    tangerang = await Regency.create(code="36.71", name="Kota Tangerang", kind=RegencyKind.KOTA, province="Banten", is_provider=True)
    karawang = await Regency.create(code="32.15", name="Kabupaten Karawang", kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    bekasi = await Regency.create(code="32.16", name="Kabupaten Bekasi", kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    regencies = {r.code: r for r in (tangerang, karawang, bekasi)}
    await App.create(name="LAKSA", slug="laksa", category=AppCategory.COMPLAINTS)
    await App.create(name="e-Office", slug="e-office", category=AppCategory.E_GOVERNMENT)
    for code, status in (("32.15", AgreementStatus.SIGNED), ("32.15", AgreementStatus.DRAFT),
                         ("32.16", AgreementStatus.ACTIVE), ("32.16", AgreementStatus.DRAFT)):
        await Agreement.create(
            number=f"{status.value}/{code}", kind=AgreementKind.MOU, title=f"MoU {code}",
            regency=regencies[code], provider=tangerang, signed_on=dt.date(2020, 1, 1), status=status,
        )
    for code, count in (("32.15", 3), ("32.16", 2), ("36.71", 1)):
        for n in range(count):
            await make_complaint(regencies[code], n)
    await populate(REGISTRY, regencies.values())

    users: dict[str, User | None] = {"anonymous": None}
    for caller in CALLERS:
        if not caller.anonymous:
            users[caller.name] = await enrol(caller)
    return users, regencies


async def make_complaint(regency: Regency, n: int) -> Complaint:
    return await Complaint.create(
        tracking_code=f"ADU-{regency.code.replace('.', '')}-2026-{n + 1:06d}", regency=regency,
        title=f"Keluhan {n + 1}", body="Layanan tidak dapat diakses.",
        reporter_name=f"Warga {n + 1}", reporter_contact=f"0812{n:06d}",
    )


# ---------------------------------------------------------------------------------------------
# The oracle against the contract and the policy store.
# ---------------------------------------------------------------------------------------------


def test_the_declared_grants_say_what_the_contract_says():
    """The contract's Roles section, sentence by sentence, for the models it names."""
    def staff(model: str, action: str):
        return ORACLE.decision(STAFF_KARAWANG, model, action)

    def public(model: str, action: str):
        return ORACLE.decision(ANONYMOUS, model, action)

    # The public reads the app catalogue, the regencies and the agreements that are not DRAFT,
    for model in ("App", "Regency", "Agreement"):
        assert public(model, "read").published
    assert REGISTRY["Agreement"].declaration.published == {"status__not": AgreementStatus.DRAFT}
    # and sees no complaint list at all: only submitComplaint and trackComplaint.
    assert not public("Complaint", "read").allowed
    assert public("Complaint", "submit").allowed and public("Complaint", "track").allowed
    # Staff never create, update or delete apps, regencies or agreements,
    for model in ("App", "Regency", "Agreement"):
        for action in ("create", "update", "delete"):
            assert not staff(model, action).allowed, (model, action)
    # read their own regency's agreements in every status,
    assert staff("Agreement", "read").regencies == {"32.15"}
    # and read and work complaints (reporter details included) of their own regency only.
    for action in ("read", "update", "transition", "read_personal"):
        assert (staff("Complaint", action).everywhere, staff("Complaint", action).regencies) == (False, {"32.15"})
    # Kominfo: every regency, every model, users and policies.
    for model in OBJECTS:
        assert ORACLE.decision(CALLER["kominfo"], model, "manage").everywhere


async def test_the_synced_policy_is_the_declared_one(world):
    assert set(declared_rules(REGISTRY)) == set(ORACLE.rules)
    assert set(await list_rules()) == set(ORACLE.rules)


# ---------------------------------------------------------------------------------------------
# Decisions: every object × action × caller.
# ---------------------------------------------------------------------------------------------


async def test_decisions_follow_the_declared_grants(world):
    users, _ = world
    mismatches = []
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for model in OBJECTS:
            for action in ACTIONS:
                decision = access.decide(model, action)
                got = (decision.allowed, decision.everywhere, decision.regencies, decision.published)
                want = ORACLE.decision(caller, model, action).astuple()
                if got != want:
                    mismatches.append((caller.name, model, action, got, want))
    assert mismatches == []


async def test_a_model_without_grants_is_kominfos_alone(world):
    users, _ = world
    ungranted = [spec.name for spec in REGISTRY if not spec.declaration.grants]
    assert ungranted, "tests/throwaway_models.py declares a model without grants"
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for model in ungranted:
            for action in ACTIONS:
                assert access.decide(model, action).allowed is (caller.name == "kominfo"), (caller.name, model, action)


async def test_a_signed_in_user_never_gets_less_than_the_public(world):
    users, _ = world
    public = await access_for(None)
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for model in OBJECTS:
            for action in ACTIONS:
                if public.decide(model, action).allowed:
                    assert access.decide(model, action).allowed, (caller.name, model, action)


async def test_staff_are_granted_in_their_own_regency_and_never_in_the_other(world):
    users, _ = world
    karawang = (await access_for(users["staff.karawang"])).decide("Complaint", "read")
    bekasi = (await access_for(users["staff.bekasi"])).decide("Complaint", "read")
    assert "32.15" in karawang.regencies and "32.16" not in karawang.regencies
    assert "32.16" in bekasi.regencies and "32.15" not in bekasi.regencies
    # A staff role grants nothing in "*" (no unrestricted rows), and never Complaint delete.
    assert not karawang.everywhere
    assert not (await access_for(users["staff.karawang"])).decide("Complaint", "delete").allowed


@pytest.mark.parametrize("caller", [c.name for c in CALLERS])
async def test_require_raises_the_contract_error_for_each_denied_case(world, caller):
    users, _ = world
    access = await access_for(users[caller])
    for model in OBJECTS:
        for action in ACTIONS:
            if ORACLE.allowed(CALLER[caller], model, action):
                assert access.require(model, action).allowed
                continue
            error = Unauthenticated if caller == "anonymous" else Forbidden
            with pytest.raises(error):
                access.require(model, action)


async def test_everyone_holds_the_public_grants_and_the_roles_they_were_given(world):
    users, _ = world
    assert (await access_for(None)).grants() == []
    for caller in CALLERS:
        if not caller.anonymous:
            expected = [(caller.role, domain) for domain in caller.domains]
            assert (await access_for(users[caller.name])).grants() == expected
    assert OFFICER.domains == ("32.15", "32.16")


async def test_an_inactive_user_keeps_only_the_public_grants(world):
    users, _ = world
    karawang = users["staff.karawang"]
    karawang.is_active = False
    access = await access_for(karawang)
    for model in OBJECTS:
        for action in ACTIONS:
            assert access.decide(model, action).allowed == ORACLE.allowed(ANONYMOUS, model, action), (model, action)
    assert not access.decide("Complaint", "read").allowed
    assert access.decide("App", "read").published
    with pytest.raises(Forbidden):  # signed in, so FORBIDDEN rather than UNAUTHENTICATED
        access.require("Complaint", "read")


# ---------------------------------------------------------------------------------------------
# Rows: the row filter as real SQL on the engine under test.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTRY.names())
async def test_the_world_has_rows_on_both_sides_of_every_scope(world, model):
    """The row tests below mean something only if each model has rows in and out of each scope."""
    spec = REGISTRY[model]
    facts = (await ORACLE.facts(spec)).values()
    if spec.declaration.regency_path:
        assert {"32.15", "32.16"} <= {row.regency for row in facts}
    if spec.declaration.published is not None:
        assert {True, False} <= {row.published for row in facts}


@pytest.mark.parametrize("model", REGISTRY.names())
async def test_row_filter_per_caller_and_action(world, model):
    users, _ = world
    spec = REGISTRY[model]
    mismatches = []
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for action in ACTIONS:
            row_filter = access.row_filter(spec, action)
            queryset = spec.model.all() if row_filter is None else spec.model.filter(row_filter)
            got = set(await queryset.values_list(spec.pk, flat=True))
            want = await ORACLE.rows(caller, spec, action)
            if got != want:
                mismatches.append((caller.name, action, sorted(got), sorted(want)))
            assert await queryset.count() == len(got)
    assert mismatches == []


async def test_staff_read_exactly_their_own_complaints_and_drafts(world):
    users, _ = world
    access = await access_for(users["staff.karawang"])
    complaints = Complaint.filter(access.row_filter(REGISTRY["Complaint"], "read"))
    assert set(await complaints.values_list("regency__code", flat=True)) == {"32.15"}
    agreements = Agreement.filter(access.row_filter(REGISTRY["Agreement"], "read"))
    drafts = await agreements.filter(status=AgreementStatus.DRAFT).values_list("regency__code", flat=True)
    assert drafts == ["32.15"]


async def test_a_global_model_granted_only_in_a_regency_shows_no_rows(world):
    # Given a rule that grants App update to staff in their regency: App has no regency_path.
    from permissions.management import add_rule

    users, _ = world
    rule = ("regency_staff", "*", "App", "update")
    await add_rule(*rule, registry=registry_for_tests())
    access = await access_for(users["staff.karawang"])
    decision = access.decide("App", "update")
    assert decision.allowed and decision.regencies == {"32.15"}
    assert await App.filter(access.row_filter(REGISTRY["App"], "update")).count() == 0
    assert await Oracle(REGISTRY, (*ORACLE.rules, rule)).rows(STAFF_KARAWANG, REGISTRY["App"], "update") == set()


# ---------------------------------------------------------------------------------------------
# Personal data.
# ---------------------------------------------------------------------------------------------


def test_some_model_declares_personal_data():
    assert {"Complaint"} < set(PERSONAL_MODELS)  # and a test-only model, so a new one is covered


@pytest.mark.parametrize("model", PERSONAL_MODELS)
async def test_personal_fields_are_for_read_personal_on_the_rows_regency(world, model):
    users, _ = world
    spec = REGISTRY[model]
    facts = await ORACLE.facts(spec)
    seen, mismatches = set(), []
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for row in await spec.model.all():
            want = ORACLE.may_read_personal(caller, spec, facts[row.pk])
            seen.add(want)
            if await access.can_see_personal(spec, row) is not want:
                mismatches.append((caller.name, row.pk, facts[row.pk].regency, want))
    assert mismatches == []
    assert seen == {True, False}  # some callers may, some may not


async def test_personal_data_of_the_third_regency_is_for_kominfo_only(world):
    users, _ = world
    spec = REGISTRY["Complaint"]
    tangerang_complaint = await Complaint.filter(regency__code="36.71").first()
    seen = {c.name: await (await access_for(users[c.name])).can_see_personal(spec, tangerang_complaint) for c in CALLERS}
    assert seen == {"kominfo": True, "staff.karawang": False, "staff.bekasi": False, "officer": False, "anonymous": False}


async def test_personal_check_on_a_model_that_is_its_own_regency(world):
    # Given read_personal on Regency for staff: Regency's regency_path is "code", read from the row itself.
    from permissions.management import add_rule

    users, regencies = world
    await add_rule("regency_staff", "*", "Regency", "read_personal", registry=registry_for_tests())
    access = await access_for(users["staff.karawang"])
    with count_statements() as statements:
        own = await access.can_see_personal(REGISTRY["Regency"], regencies["32.15"])
        other = await access.can_see_personal(REGISTRY["Regency"], regencies["32.16"])
    assert (own, other) == (True, False)
    assert statements == []


# ---------------------------------------------------------------------------------------------
# Cost: one enforcer evaluation per (model, action) per request, not per row.
# ---------------------------------------------------------------------------------------------


async def test_a_100_row_read_evaluates_each_decision_once(world, monkeypatch):
    users, regencies = world
    for n in range(100):
        await make_complaint(regencies["32.15"], 1000 + n)
    engine = policy_engine()
    access = await access_for(users["staff.karawang"])
    spec = REGISTRY["Complaint"]

    # Spy on the real enforcer: count its calls, let each one through.
    calls: list[tuple] = []
    real_enforce = engine.enforcer.enforce

    def counting_enforce(*request):
        calls.append(request)
        return real_enforce(*request)

    monkeypatch.setattr(engine.enforcer, "enforce", counting_enforce)

    # When a page of complaints is read and each row's personal fields resolved concurrently
    rows = await Complaint.filter(access.row_filter(spec, "read")).limit(100)
    assert len(rows) == 100
    after_first_row = None
    with count_statements() as statements:
        access.require("Complaint", "read")
        await access.can_see_personal(spec, rows[0])
        after_first_row = len(calls)
        seen = await asyncio.gather(*(access.can_see_personal(spec, row) for row in rows[1:]))
        for _ in rows:
            access.require("Complaint", "read")

    # Then the enforcer answered each (model, action) once, and one query mapped codes to ids.
    assert all(seen)
    assert after_first_row > 0
    assert len(calls) == after_first_row
    assert {request[2:] for request in calls} == {("Complaint", "read"), ("Complaint", "read_personal")}
    assert len(statements) <= 1


# ---------------------------------------------------------------------------------------------
# The model itself (model.conf + the domain matching function), asked directly.
# ---------------------------------------------------------------------------------------------


async def test_a_role_held_in_star_holds_in_every_domain(world):
    engine = policy_engine()
    for domain in ("*", "32.15", "32.16", "public"):
        assert engine.enforce("kominfo", domain, "Complaint", "delete")
    assert not engine.enforce("staff.karawang", "32.16", "Complaint", "read")
    assert not engine.enforce("staff.karawang", "*", "Complaint", "read")


async def test_the_public_role_matches_itself_without_any_assignment(world):
    engine = policy_engine()
    assert engine.enforce("public", "public", "App", "read")
    assert not engine.enforce("public", "public", "Complaint", "read")
    assert not engine.enforce("public", "32.15", "App", "read")


async def test_a_role_held_in_star_gets_rules_written_for_one_regency(world):
    # Given an auditor role held everywhere, allowed to read complaints of 32.16 only
    from permissions.management import add_rule

    rule = ("auditor", "32.16", "Complaint", "read")
    await add_rule(*rule, registry=registry_for_tests())
    auditor = Caller("auditor.jabar", "auditor", ("*",))
    user = await enrol(auditor)
    # When it reads complaints
    access = await access_for(user)
    decision = access.decide("Complaint", "read")
    # Then only 32.16's rows, as the oracle reads the same rule
    assert (decision.everywhere, decision.regencies) == (False, {"32.16"})
    with_rule = Oracle(REGISTRY, (*ORACLE.rules, rule))
    assert with_rule.decision(auditor, "Complaint", "read").astuple() == (True, False, {"32.16"}, False)
    got = set(await Complaint.filter(access.row_filter(REGISTRY["Complaint"], "read")).values_list("id", flat=True))
    assert got == await with_rule.rows(auditor, REGISTRY["Complaint"], "read")
    assert len(got) == 2


def test_the_callers_cover_every_kind_of_holder():
    kinds = {(c.anonymous, "*" in c.domains, len(c.domains)) for c in CALLERS}
    assert kinds == {(True, False, 0), (False, True, 1), (False, False, 1), (False, False, 2)}
