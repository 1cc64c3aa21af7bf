"""The default policy, decision by decision and row by row, against the real enforcer and database.

Cases are generated from the registry (the test-only Kiosk included) × every
action × every caller; the expectations come from the role table below, which
restates default_policy.csv / the contract's "Roles" section. A model the
table does not name is invisible to staff and the public (default deny).
"""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest

from core.errors import Forbidden, Unauthenticated
from models import Agreement, App, Complaint, Regency, User
from models.enums import AgreementKind, AgreementStatus, AppCategory, RegencyKind
from models.registry import registry_from_modules
from permissions.access import access_for
from permissions.enforcer import policy_engine
from permissions.defaults import sync_default_policy
from permissions.management import assign_role
from tests.conftest import registry_for_tests
from permissions.terms import ACTIONS, MANAGEMENT_OBJECTS
from tests.conftest import TEST_MODEL_MODULES
from tests.sql_counter import count_statements
from tests.throwaway_models import Kiosk

REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))
OBJECTS = [*REGISTRY.names(), *MANAGEMENT_OBJECTS]

# ---------------------------------------------------------------------------------------------
# The expectation table: what each role is granted by default_policy.csv.
# ---------------------------------------------------------------------------------------------

#: Everyone, signed in or not (domain `public`: the model's published rows).
PUBLIC_GRANTS = {
    ("Regency", "read"),
    ("App", "read"),
    ("Agreement", "read"),  # published = not DRAFT
    ("Complaint", "submit"),
    ("Complaint", "track"),
}
#: regency_staff, in each regency the role is held in.
STAFF_GRANTS = {
    ("Complaint", "read"),
    ("Complaint", "create"),
    ("Complaint", "update"),
    ("Complaint", "transition"),
    ("Complaint", "read_personal"),
    ("Agreement", "read"),  # every status, own regency only
}


@dataclass(frozen=True)
class Caller:
    name: str
    role: str | None  # None = anonymous
    domains: tuple[str, ...]  # where the role is held


CALLERS = [
    Caller("kominfo", "kominfo_admin", ("*",)),
    Caller("staff.karawang", "regency_staff", ("32.15",)),
    Caller("staff.bekasi", "regency_staff", ("32.16",)),
    Caller("officer", "regency_staff", ("32.15", "32.16")),  # holds the role in two regencies
    Caller("anonymous", None, ()),
]
CALLER = {c.name: c for c in CALLERS}


def expected(caller: Caller, model: str, action: str) -> tuple[bool, bool, frozenset[str], bool]:
    """(allowed, everywhere, regencies, published) the default policy gives ``caller``."""
    published = (model, action) in PUBLIC_GRANTS
    if caller.role == "kominfo_admin":
        return True, True, frozenset(), published
    regencies = frozenset(caller.domains) if (model, action) in STAFF_GRANTS and caller.role else frozenset()
    return bool(regencies) or published, False, regencies, published


# ---------------------------------------------------------------------------------------------
# The world: three regencies, their agreements (incl. drafts), complaints and kiosks.
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
    await Kiosk.create(location="Kantor Bupati Karawang", regency=karawang)
    await Kiosk.create(location="Kantor Bupati Bekasi", regency=bekasi)

    users: dict[str, User | None] = {"anonymous": None}
    for caller in CALLERS:
        if caller.role is None:
            continue
        home = regencies.get(caller.domains[0])
        users[caller.name] = await User.create(username=caller.name, password_hash="x", role=caller.role, regency=home)
        for domain in caller.domains:
            await assign_role(caller.name, caller.role, domain)
    return users, regencies


async def make_complaint(regency: Regency, n: int) -> Complaint:
    return await Complaint.create(
        tracking_code=f"ADU-{regency.code.replace('.', '')}-2026-{n + 1:06d}", regency=regency,
        title=f"Keluhan {n + 1}", body="Layanan tidak dapat diakses.",
        reporter_name=f"Warga {n + 1}", reporter_contact=f"0812{n:06d}",
    )


# ---------------------------------------------------------------------------------------------
# Decisions: every object × action × caller.
# ---------------------------------------------------------------------------------------------


async def test_decisions_follow_the_role_table(world):
    users, _ = world
    mismatches = []
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        for model in OBJECTS:
            for action in ACTIONS:
                decision = access.decide(model, action)
                got = (decision.allowed, decision.everywhere, decision.regencies, decision.published)
                if got != expected(caller, model, action):
                    mismatches.append((caller.name, model, action, got, expected(caller, model, action)))
    assert mismatches == []


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
            allowed = expected(CALLER[caller], model, action)[0]
            if allowed:
                assert access.require(model, action).allowed
                continue
            error = Unauthenticated if caller == "anonymous" else Forbidden
            with pytest.raises(error):
                access.require(model, action)


async def test_everyone_holds_the_public_grants_and_the_roles_they_were_given(world):
    users, _ = world
    assert (await access_for(None)).grants() == []
    assert (await access_for(users["officer"])).grants() == [("regency_staff", "32.15"), ("regency_staff", "32.16")]
    assert (await access_for(users["kominfo"])).grants() == [("kominfo_admin", "*")]


async def test_an_inactive_user_keeps_only_the_public_grants(world):
    users, _ = world
    karawang = users["staff.karawang"]
    karawang.is_active = False
    access = await access_for(karawang)
    assert not access.decide("Complaint", "read").allowed
    assert access.decide("App", "read").published
    with pytest.raises(Forbidden):  # signed in, so FORBIDDEN rather than UNAUTHENTICATED
        access.require("Complaint", "read")


# ---------------------------------------------------------------------------------------------
# Rows: the row filter as real SQL on the engine under test.
# ---------------------------------------------------------------------------------------------

#: Rows each caller reads per model, given the world above:
#: 3 regencies, 2 apps, agreements SIGNED+DRAFT in 32.15 and ACTIVE+DRAFT in 32.16,
#: complaints 3 in 32.15 / 2 in 32.16 / 1 in 36.71, one kiosk each in 32.15 and 32.16.
READ_COUNTS = {
    #              kominfo  staff.karawang  staff.bekasi  officer  anonymous
    "Regency":    (3,       3,              3,            3,       3),
    "App":        (2,       2,              2,            2,       2),
    "Agreement":  (4,       3,              3,            4,       2),  # published 2 + own drafts
    "Complaint":  (6,       3,              2,            5,       0),  # officer: union of both regencies
    "Kiosk":      (2,       0,              0,            0,       0),  # no rule: invisible but to kominfo
}
ACTION_COUNTS = {
    ("Complaint", "update"):     (6, 3, 2, 5, 0),
    ("Complaint", "transition"): (6, 3, 2, 5, 0),
    ("Complaint", "delete"):     (6, 0, 0, 0, 0),
    ("Agreement", "update"):     (4, 0, 0, 0, 0),
    ("Regency", "delete"):       (3, 0, 0, 0, 0),
    ("App", "create"):           (2, 0, 0, 0, 0),
}


def test_every_declared_model_has_a_row_count_expectation():
    assert set(READ_COUNTS) == set(REGISTRY.names())


@pytest.mark.parametrize("model", list(READ_COUNTS))
async def test_read_row_filter_counts_per_caller(world, model):
    users, _ = world
    spec = REGISTRY[model]
    counts = []
    for caller in CALLERS:
        access = await access_for(users[caller.name])
        row_filter = access.row_filter(spec, "read")
        queryset = spec.model.all() if row_filter is None else spec.model.filter(row_filter)
        counts.append(await queryset.count())
    assert tuple(counts) == READ_COUNTS[model]


@pytest.mark.parametrize(("model", "action"), list(ACTION_COUNTS))
async def test_write_row_filter_counts_per_caller(world, model, action):
    users, _ = world
    spec = REGISTRY[model]
    counts = []
    for caller in CALLERS:
        row_filter = (await access_for(users[caller.name])).row_filter(spec, action)
        queryset = spec.model.all() if row_filter is None else spec.model.filter(row_filter)
        counts.append(await queryset.count())
    assert tuple(counts) == ACTION_COUNTS[(model, action)]


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
    await add_rule("regency_staff", "*", "App", "update", registry=registry_for_tests())
    access = await access_for(users["staff.karawang"])
    decision = access.decide("App", "update")
    assert decision.allowed and decision.regencies == {"32.15"}
    assert await App.filter(access.row_filter(REGISTRY["App"], "update")).count() == 0


# ---------------------------------------------------------------------------------------------
# Personal data.
# ---------------------------------------------------------------------------------------------

PERSONAL = {"kominfo": True, "staff.karawang": True, "staff.bekasi": False, "officer": True, "anonymous": False}


@pytest.mark.parametrize("caller", list(PERSONAL))
async def test_reporter_details_are_for_own_regency_staff_and_kominfo(world, caller):
    users, _ = world
    spec = REGISTRY["Complaint"]
    karawang_complaint = await Complaint.filter(regency__code="32.15").first()
    access = await access_for(users[caller])
    assert await access.can_see_personal(spec, karawang_complaint) is PERSONAL[caller]


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

    users, _ = world
    await add_rule("auditor", "32.16", "Complaint", "read", registry=registry_for_tests())
    auditor = await User.create(username="auditor.jabar", password_hash="x", role="auditor")
    await assign_role("auditor.jabar", "auditor", "*")
    # When it reads complaints
    access = await access_for(auditor)
    decision = access.decide("Complaint", "read")
    # Then only 32.16's rows
    assert (decision.everywhere, decision.regencies) == (False, {"32.16"})
    assert await Complaint.filter(access.row_filter(REGISTRY["Complaint"], "read")).count() == 2
