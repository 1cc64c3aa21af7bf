"""The demo world reads like a real one: what is adopted, who complains about what, and in which words."""
from __future__ import annotations

from collections import Counter

from models import Agreement, Complaint
from models.agreement_rules import check_agreement
from models.enums import AgreementKind, AgreementStatus, AppCategory
from seeds import seed
from seeds.agreements import adopted_apps
from seeds.catalogue import adoptable_slugs, app_rows, public_facing_slugs
from tests.conftest import registry_for_tests

REGISTRY = registry_for_tests()
TANGERANG = "36.71"
#: Tools of the civil service that citizens never use (issue 11: complaints about them were seeded).
BACK_OFFICE = ("e-office", "e-audit", "e-arsip", "sikda", "e-budgeting", "e-absensi", "e-gaji", "e-cuti", "eKinerja")


def test_the_catalogue_marks_tangerang_only_and_back_office_apps():
    rows = {row["slug"]: row for row in app_rows()}
    branded = {slug for slug, row in rows.items() if "tangerang" in row["name"].lower()}
    assert {"tangerang-live", "wisata-kota-tangerang"} <= branded
    assert not branded & set(adoptable_slugs())
    assert set(adoptable_slugs()) == set(rows) - branded
    public = set(public_facing_slugs())
    assert {"laksa", "perizinan-online", "siap-kerja", "gawat-darurat-112"} <= public
    assert not {"e-office", "e-audit", "e-arsip", "sikda"} & public
    # every app is marked one way or the other; most of the e-government group is back office
    assert {row["_audience"] for row in rows.values()} == {"PUBLIC", "STAFF"}
    egov = [slug for slug, row in rows.items() if row["category"] is AppCategory.E_GOVERNMENT]
    assert sum(slug not in public for slug in egov) > 0.8 * len(egov)


async def test_no_tangerang_branded_app_is_adopted_by_another_regency():
    await seed(REGISTRY, demo=True)

    agreements = await Agreement.all().prefetch_related("regency", "apps")
    adopted = [(a.number, app.name) for a in agreements if a.regency.code != TANGERANG for app in a.apps]
    assert adopted, "the demo agreements list apps"
    assert [pair for pair in adopted if "tangerang" in pair[1].lower()] == []
    assert {app.slug for a in agreements for app in a.apps} <= set(adoptable_slugs())


async def test_the_demo_agreements_keep_the_agreement_rules():
    await seed(REGISTRY, demo=True)

    for agreement in await Agreement.all().prefetch_related("apps").order_by("id"):
        apps = [app.pk for app in agreement.apps]
        await check_agreement(agreement, {"apps": apps})  # raises on a broken rule
        if agreement.kind is AgreementKind.MOU:
            assert apps == [], agreement.number
        elif agreement.status is AgreementStatus.ACTIVE:
            assert apps, agreement.number


async def test_no_complaint_is_about_a_back_office_app():
    await seed(REGISTRY, demo=True)

    complaints = await Complaint.filter(app_id__isnull=False).prefetch_related("app", "regency")
    assert len(complaints) > 40
    slugs = Counter(c.app.slug for c in complaints)
    assert not set(slugs) & set(BACK_OFFICE)
    assert set(slugs) <= set(public_facing_slugs())
    # and an adopter's citizens complain only about apps their regency adopted under a signed PKS
    adopted = adopted_apps()
    for complaint in complaints:
        if complaint.regency.code != TANGERANG:
            assert complaint.app.slug in adopted[complaint.regency.code], (complaint.tracking_code, complaint.app.slug)


async def test_kota_tangerang_has_its_own_complaints():
    await seed(REGISTRY, demo=True)

    own = await Complaint.filter(regency__code=TANGERANG).prefetch_related("app")
    assert len(own) >= 10
    assert any(c.app is not None for c in own)
    assert any("Kecamatan" in c.title or "Kecamatan" in c.body for c in own)  # places of Kota Tangerang too
    assert len({c.status for c in own}) >= 3


async def test_complaint_texts_are_varied():
    await seed(REGISTRY, demo=True)

    rows = await Complaint.all().values("title", "body", "regency__code")
    bodies = [r["body"] for r in rows]
    assert len(set(bodies)) == len(bodies), Counter(bodies).most_common(3)
    assert len({r["title"] for r in rows}) > 0.8 * len(rows)
    # many kinds of report, not a handful repeated with other names filled in
    openings = {" ".join(body.split()[:3]) for body in bodies}
    assert len(openings) >= 25
    assert len({r["regency__code"] for r in rows}) >= 8
