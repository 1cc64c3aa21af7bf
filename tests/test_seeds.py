"""The seeds: reference data, the catalogue, the demo world, idempotence and respect for edits, the bench generator."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from tortoise import Tortoise, connections

from models import Agreement, App, Complaint, ComplaintCounter, ComplaintEvent, Regency, SeedRecord, User
from models.enums import AgreementKind, AgreementStatus, AppCategory, ComplaintStatus
from permissions.management import roles_of
from seeds import seed, seed_bench
from tests.conftest import registry_for_tests

REGISTRY = registry_for_tests()
from services.passwords import verify_password
from services.workflow import due_at_for
from tests.conftest import reset_database

REAL_APP_NAMES = (
    "Tangerang LIVE", "LAKSA", "Gawat Darurat 112", "Siap Kerja", "Perizinan Online", "SEGAR", "e-Sabakota",
    "e-Transport", "Pindah Sekolah Online", "e-Audit", "e-Office", "SIKDA", "eSAKIP", "eKinerja",
)
TRACKING_CODE = re.compile(r"^ADU-(\d{4})-(\d{4})-(\d{6})-[2-9A-HJ-NP-Z]{6}$")


async def dump_tables() -> dict[str, list[dict]]:
    """Every row of every table (models and many-to-many tables), for comparing whole databases."""
    conn = connections.get("default")
    models = list(Tortoise.apps.get_models_iterable())
    tables = {m._meta.db_table for m in models}
    tables |= {m._meta.fields_map[name].through for m in models for name in m._meta.m2m_fields}
    return {t: await conn.execute_query_dict(f'SELECT * FROM "{t}" ORDER BY 1, 2') for t in sorted(tables)}


# --- reference data ----------------------------------------------------------------------------


async def test_reference_data_has_48_regencies_with_kota_tangerang_as_the_provider():
    await seed(REGISTRY, demo=False)

    assert await Regency.all().count() == 48
    assert await Regency.filter(is_provider=True).values_list("code", flat=True) == ["36.71"]
    tangerang = await Regency.get(code="36.71")
    assert (tangerang.name, tangerang.province) == ("Kota Tangerang", "Banten")
    assert (await Regency.get(code="31.71")).name == "Kota Administrasi Jakarta Pusat"  # Kemendagri, not BPS


async def test_catalogue_has_174_apps_split_111_public_63_e_government_with_the_real_names():
    await seed(REGISTRY, demo=False)

    apps = await App.all().values("name", "slug", "category", "description", "owner_unit", "launched_on")
    assert len(apps) == 174
    assert len({a["slug"] for a in apps}) == 174
    egov = [a for a in apps if a["category"] is AppCategory.E_GOVERNMENT]
    assert (len(apps) - len(egov), len(egov)) == (111, 63)
    names = {a["name"] for a in apps}
    assert set(REAL_APP_NAMES) <= names
    assert all(a["description"] and a["owner_unit"] for a in apps)
    launched = {a["name"]: a["launched_on"] for a in apps}
    assert launched["Pindah Sekolah Online"] == launched["e-Transport"] == dt.date(2018, 1, 11)
    assert (await App.get(slug="laksa")).category is AppCategory.COMPLAINTS


async def test_without_demo_no_accounts_agreements_or_complaints_are_written():
    summary = await seed(REGISTRY, demo=False)

    assert await User.all().count() == 0
    assert await Agreement.all().count() == 0
    assert await Complaint.all().count() == 0
    assert set(summary.models) == {"Regency", "App"}


# --- the demo world ----------------------------------------------------------------------------


async def test_demo_mous_of_16_may_2018_carry_their_signatories():
    await seed(REGISTRY, demo=True)

    karawang = await Agreement.get(regency__code="32.15", kind=AgreementKind.MOU, signed_on=dt.date(2018, 5, 16))
    bekasi = await Agreement.get(regency__code="32.16", kind=AgreementKind.MOU, signed_on=dt.date(2018, 5, 16))
    for mou in (karawang, bekasi):
        for name in ("Tabrani", "M. Yusuf", "Dadi Budaeri", "Tangerang Live Room"):
            assert name in mou.signatories
        assert mou.valid_until == dt.date(2023, 5, 15)
    assert "Cellica Nurachadiana" in karawang.signatories and "Bupati Karawang" in karawang.signatories
    assert "Ruddy Gandakusuma" in bekasi.signatories and "Pjs Bupati Bekasi" in bekasi.signatories


async def test_demo_agreements_pks_follow_an_mou_of_their_regency_and_list_apps():
    await seed(REGISTRY, demo=True)

    agreements = await Agreement.all().prefetch_related("regency", "provider", "parent__regency", "parent__provider", "apps")
    assert {a.provider.code for a in agreements} == {"36.71"}
    assert len({a.regency.code for a in agreements}) == 28
    assert "36.71" not in {a.regency.code for a in agreements}
    assert {a.status for a in agreements} == set(AgreementStatus)
    for pks in (a for a in agreements if a.kind is AgreementKind.PKS):
        assert pks.parent is not None and pks.parent.kind is AgreementKind.MOU
        assert pks.parent.status is not AgreementStatus.DRAFT
        assert (pks.parent.regency.code, pks.parent.provider.code) == (pks.regency.code, pks.provider.code)
        assert len(pks.apps) >= 1
    for agreement in agreements:
        if agreement.status is AgreementStatus.DRAFT:
            assert agreement.signed_on is None
        else:
            assert agreement.signed_on < agreement.valid_until
    karawang_2018 = next(a for a in agreements if a.kind is AgreementKind.PKS and a.parent.signed_on == dt.date(2018, 5, 16) and a.regency.code == "32.15")
    slugs = {app.slug for app in karawang_2018.apps}
    assert "laksa" in slugs and "e-office" in slugs


async def test_demo_complaints_have_tracking_codes_counters_and_a_history_per_status():
    await seed(REGISTRY, demo=True)

    complaints = await Complaint.all().prefetch_related("regency", "history")
    assert len(complaints) >= 100
    per_regency = Counter(c.regency.code for c in complaints)
    assert per_regency.most_common(2)[0][0] in ("32.15", "32.16") and set(dict(per_regency.most_common(2))) == {"32.15", "32.16"}
    assert len(per_regency) > 2
    assert {c.status for c in complaints} == set(ComplaintStatus)

    highest: dict[tuple[str, int], int] = {}
    for c in complaints:
        match = TRACKING_CODE.match(c.tracking_code)
        assert match, c.tracking_code
        assert match.group(1) == c.regency.code.replace(".", "")
        assert 2025 <= c.created_at.year <= 2026 and int(match.group(2)) in (2025, 2026)
        key = (c.regency.code, int(match.group(2)))
        highest[key] = max(highest.get(key, 0), int(match.group(3)))

        statuses = [event.status for event in c.history]
        assert statuses[0] is ComplaintStatus.RECEIVED and statuses[-1] is c.status
        assert len(set(statuses)) == len(statuses)
        assert [e.at for e in c.history] == sorted(e.at for e in c.history)
        assert (c.resolved_at is not None) == (c.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED))
        if c.status is ComplaintStatus.RECEIVED:
            assert c.due_at == due_at_for(ComplaintStatus.RECEIVED, c.created_at)
        if c.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED, ComplaintStatus.REJECTED):
            assert c.due_at is None

    counters = {(c.regency_code, c.year): c.value for c in await ComplaintCounter.all()}
    assert counters == highest
    for (code, year), value in highest.items():  # sequences run 1..value without gaps
        prefix = f"ADU-{code.replace('.', '')}-{year}-"
        assert await Complaint.filter(tracking_code__startswith=prefix).count() == value


async def test_demo_accounts_sign_in_with_the_demo_password_and_hold_their_roles():
    await seed(REGISTRY, demo=True)

    users = {u.username: u for u in await User.all().prefetch_related("regency")}
    assert set(users) == {"kominfo", "staff.karawang", "staff.bekasi"}
    assert verify_password("demo-password", users["staff.bekasi"].password_hash)
    assert users["kominfo"].regency is None and users["staff.karawang"].regency.code == "32.15"
    assert await roles_of("kominfo") == [("kominfo_admin", "*")]
    assert await roles_of("staff.karawang") == [("regency_staff", "32.15")]
    assert await roles_of("staff.bekasi") == [("regency_staff", "32.16")]
    events_by_staff = await ComplaintEvent.filter(actor__username="staff.karawang").count()
    assert events_by_staff > 0


# --- idempotence and edits ---------------------------------------------------------------------


async def test_a_second_run_changes_nothing():
    await seed(REGISTRY, demo=True)
    before = await dump_tables()

    summary = await seed(REGISTRY, demo=True)

    assert await dump_tables() == before
    for model, counts in summary.models.items():
        assert counts.changed == 0 and counts.unchanged > 0, model


async def test_an_edited_app_survives_a_rerun():
    await seed(REGISTRY, demo=False)
    await App.filter(slug="laksa").update(description="Diubah oleh admin.")

    summary = await seed(REGISTRY, demo=False)

    assert (await App.get(slug="laksa")).description == "Diubah oleh admin."
    assert summary.models["App"].kept_edited == 1
    assert summary.models["App"].unchanged == 173


async def test_changed_seed_data_updates_rows_nobody_edited(monkeypatch):
    await seed(REGISTRY, demo=False)
    from seeds import runner

    original = runner.app_rows
    monkeypatch.setattr(runner, "app_rows", lambda: [
        {**row, "description": "Deskripsi baru."} if row["slug"] == "segar" else row for row in original()
    ])

    summary = await seed(REGISTRY, demo=False)
    again = await seed(REGISTRY, demo=False)

    assert (await App.get(slug="segar")).description == "Deskripsi baru."
    assert summary.models["App"].updated == 1
    assert again.models["App"].changed == 0 and again.models["App"].unchanged == 174


async def test_a_deleted_seeded_row_is_not_recreated():
    await seed(REGISTRY, demo=True)
    code = (await Complaint.all().order_by("id").first()).tracking_code
    await Complaint.filter(tracking_code=code).delete()
    await Regency.filter(code="73.71").delete()  # Kota Makassar: nothing refers to it in the demo

    summary = await seed(REGISTRY, demo=True)

    assert not await Complaint.filter(tracking_code=code).exists()
    assert not await Regency.filter(code="73.71").exists()
    assert summary.models["Complaint"].deleted == 1
    assert summary.models["Regency"].deleted == 1
    assert any("not recreated" in note for note in summary.notes)


async def test_a_row_the_seeds_never_wrote_is_left_alone():
    await App.create(name="LAKSA lokal", slug="laksa", category=AppCategory.COMPLAINTS, description="Milik admin.")

    summary = await seed(REGISTRY, demo=False)

    assert (await App.get(slug="laksa")).name == "LAKSA lokal"
    assert summary.models["App"].kept_not_seeded == 1
    assert not await SeedRecord.filter(model="App", key="laksa").exists()


# --- the benchmark generator -------------------------------------------------------------------


async def test_seed_bench_inserts_the_same_rows_on_a_fresh_database():
    inserted = await seed_bench(REGISTRY, 2000)
    first = await Complaint.all().order_by("tracking_code").values_list("tracking_code", "status", "created_at")

    await reset_database()
    await seed_bench(REGISTRY, 2000)
    second = await Complaint.all().order_by("tracking_code").values_list("tracking_code", "status", "created_at")

    assert inserted == 2000 and len(first) == 2000
    assert first == second
    assert all(code.startswith("BEN-") for code, _status, _at in first)


async def test_seed_bench_again_adds_rows_with_new_codes():
    await seed_bench(REGISTRY, 300)

    assert await seed_bench(REGISTRY, 200, seed_value=2) == 200

    codes = await Complaint.all().values_list("tracking_code", flat=True)
    assert len(codes) == len(set(codes)) == 500
