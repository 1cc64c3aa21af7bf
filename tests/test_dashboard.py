"""The panel's home page (Beranda) and the figures behind it (services/dashboard.py).

Each role sees its own desk: Kominfo every regency, staff of Karawang only
Karawang (its complaints, and its own agreements rather than every signed one
the public may read). The overdue number is a link, and the list it opens shows
exactly the overdue complaints. The service level (SP4N-LAPOR! deadlines kept)
is checked step by step on histories with known times.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from core.clock import WIB
from models import Complaint, ComplaintEvent, User
from models.enums import ComplaintStatus as S
from services import dashboard
from tests.admin_client import AdminClient, admin_asgi, client_for

UTC = dt.timezone.utc
TRACKING_CODE = re.compile(r"ADU-\d{4}-\d{4}-\d{6}(?:-[A-Z0-9]{6})?")


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi()


async def signed_in(asgi, username: str):
    http = client_for(asgi)
    client = AdminClient(await http.__aenter__())
    assert (await client.login(username)).status_code == 303
    return http, client


@pytest.fixture
async def panel(world, asgi):
    """``await panel("staff.karawang")`` → that user's browser-like client, signed in."""
    opened = []

    async def open_as(username: str) -> AdminClient:
        http, client = await signed_in(asgi, username)
        opened.append(http)
        return client

    yield open_as
    for http in opened:
        await http.__aexit__(None, None, None)


def number(page: str, counter: str) -> int:
    found = re.search(rf'id="dash-{counter}" data-count="(\d+)"', page)
    assert found, f"no counter {counter}"
    return int(found.group(1))


def link_of(page: str, counter: str) -> str:
    found = re.search(rf'id="dash-{counter}" data-count="\d+">\s*<a href="([^"]+)"', page)
    assert found, f"counter {counter} is not a link"
    return html.unescape(found.group(1))


def charts(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="dashboard-charts">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def figures(page: str, chart: str) -> dict[str, int]:
    data = charts(page)[chart]
    return dict(zip(data["labels"], data["counts"]))


async def make_overdue(*complaints: Complaint) -> None:
    past = dt.datetime.now(UTC) - dt.timedelta(days=2)
    await Complaint.filter(pk__in=[c.pk for c in complaints]).update(due_at=past)


# --- the page, per role -----------------------------------------------------------------------


async def test_kominfo_sees_every_regency(world, panel):
    # Given one overdue complaint in Karawang and one in Bekasi
    await make_overdue(world.complaints["32.15"][0], world.complaints["32.16"][0])
    page = (await (await panel("kominfo")).get("/admin/")).text
    # Then the home page counts all six complaints, both overdue, in both regencies
    assert "Beranda" in page and "Angka untuk semua kabupaten/kota." in page
    assert number(page, "complaint-total") == 6
    assert number(page, "complaint-overdue") == 2
    assert figures(page, "complaint-regency") == {"Kabupaten Karawang": 3, "Kabupaten Bekasi": 3}
    assert figures(page, "complaint-status") == {"Diterima": 6}
    # and every agreement: a signed MoU and a draft PKS in each regency
    assert number(page, "agreement-total") == 4
    assert figures(page, "agreement-status") == {"Draf": 2, "Ditandatangani": 2}
    assert figures(page, "agreement-kind") == {"MoU": 2, "PKS": 2}


async def test_staff_see_only_their_regency(world, panel):
    await make_overdue(world.complaints["32.15"][0], world.complaints["32.16"][0])
    page = (await (await panel("staff.karawang")).get("/admin/")).text
    assert "Angka untuk wilayah Anda: Kabupaten Karawang." in page
    # Then Karawang's three complaints, its one overdue, and nothing of Bekasi
    assert number(page, "complaint-total") == 3
    assert number(page, "complaint-overdue") == 1
    assert figures(page, "complaint-regency") == {"Kabupaten Karawang": 3}
    assert "Kabupaten Bekasi" not in page
    # and Karawang's own agreements (its draft included), not Bekasi's signed MoU the public may read
    assert number(page, "agreement-total") == 2
    assert figures(page, "agreement-status") == {"Draf": 1, "Ditandatangani": 1}
    # whose list link is narrowed to Karawang, so that the list shows what the page counted
    karawang = world.karawang.pk
    assert link_of(page, "agreement-total") == f"/admin/agreement/list?regency={karawang}"


async def test_complaints_per_month_cover_the_last_twelve_months(world, panel):
    # Given a Karawang complaint received fourteen months ago (outside the chart) and one two months ago
    now = dt.datetime.now(UTC)
    old, recent, _ = world.complaints["32.15"]
    await Complaint.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=430))
    await Complaint.filter(pk=recent.pk).update(created_at=now - dt.timedelta(days=62))
    page = (await (await panel("staff.karawang")).get("/admin/")).text
    months = charts(page)["complaint-created-at-month"]
    # Then twelve months are shown, the current one (on the WIB calendar) last, each complaint in its month
    shown = dashboard.last_months(now)
    assert len(months["labels"]) == 12 and sum(months["counts"]) == 2
    wib_month = (now - dt.timedelta(days=62)).astimezone(WIB).strftime("%Y-%m")
    assert months["counts"][-1] == 1 and months["counts"][shown.index(wib_month)] == 1


async def test_the_overdue_number_opens_the_list_of_exactly_the_overdue_complaints(world, panel):
    # Given two of Karawang's complaints and one of Bekasi's past their deadline
    late = world.complaints["32.15"][:2]
    await make_overdue(*late, world.complaints["32.16"][0])
    staff = await panel("staff.karawang")
    page = (await staff.get("/admin/")).text
    assert number(page, "complaint-overdue") == 2
    # When staff follow the number
    link = link_of(page, "complaint-overdue")
    assert link == "/admin/complaint/list?overdue=true"
    listing = (await staff.get(link)).text
    # Then the list holds exactly those two, as many as the number said
    assert set(TRACKING_CODE.findall(listing)) == {c.tracking_code for c in late}
    # and each status's figure opens the list of that status
    assert '<a href="/admin/complaint/list?status=RECEIVED">3</a>' in page


async def test_the_service_level_card(world, panel):
    # Given one Karawang complaint settled on time and one that passed its deadline
    # (received a month ago, inside the card's twelve months, each step hours or weeks apart: no calendar decides)
    on_time, late, _ = world.complaints["32.15"]
    received, hour = dt.datetime.now(UTC) - 30 * DAY, dt.timedelta(hours=1)
    await give_history(on_time, [(S.RECEIVED, received), (S.VERIFIED, received + hour),
                                 (S.IN_PROGRESS, received + 2 * hour), (S.RESOLVED, received + 3 * hour)])
    await give_history(late, [(S.RECEIVED, received), (S.VERIFIED, received + 20 * DAY),
                              (S.IN_PROGRESS, received + 21 * DAY), (S.RESOLVED, received + 22 * DAY)])
    page = (await (await panel("staff.karawang")).get("/admin/")).text
    # Then half of the decided complaints kept the deadlines; the third, just received, is still pending
    assert 'data-percent="50"' in page
    assert "1 dari 2 pengaduan ditangani tepat waktu; 1 melewati tenggat." in page
    assert "1 pengaduan masih berjalan dalam tenggat." in page


async def test_the_page_in_english(world, panel):
    page = (await (await panel("kominfo")).get("/admin/?language=en_US")).text
    assert "Figures for every regency and city." in page
    assert "Complaints in total" in page or "in total" in page
    assert "SP4N-LAPOR! deadlines kept" in page


async def test_a_user_without_a_role_gets_the_public_figures(world, panel):
    # Given an account that holds no role: only what the public may read
    from tests.world import _HASH

    await User.create(username="tamu", password_hash=_HASH)
    page = (await (await panel("tamu")).get("/admin/")).text
    # Then the page greets them and counts the signed agreements; no complaint card, no service level
    assert "Selamat datang, tamu." in page
    assert number(page, "agreement-total") == 2
    assert 'id="dash-complaint-total"' not in page and 'id="dash-service-level"' not in page


async def test_the_page_loads_chart_js_from_the_panel(world, panel):
    client = await panel("kominfo")
    page = (await client.get("/admin/")).text
    script = re.search(r'<script src="([^"]*chart\.umd\.min\.js)"', page).group(1)
    assert script == "/admin/static/vendor/chart-js-4.6.1/chart.umd.min.js"
    response = await client.get(script)
    assert response.status_code == 200 and "Chart.js v4.6.1" in response.text[:200]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


# --- the service level, step by step ----------------------------------------------------------

#: Monday 2 March 2026, 09:00 WIB; the week has no public holiday in the tests (holidays=()).
MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)
NO_HOLIDAYS: frozenset = frozenset()
LATER = MONDAY + 60 * DAY


async def give_history(complaint: Complaint, steps: list[tuple[S, dt.datetime]]) -> None:
    """Replace the complaint's history by ``steps`` and set its status and deadline as the workflow would."""
    from services.workflow import due_at_for

    await ComplaintEvent.filter(complaint_id=complaint.pk).delete()
    for status, at in steps:
        await ComplaintEvent.create(complaint_id=complaint.pk, status=status, at=at)
    last, at = steps[-1]
    await Complaint.filter(pk=complaint.pk).update(status=last, created_at=steps[0][1], due_at=due_at_for(last, at))


@pytest.mark.parametrize(("history", "due_at", "expected"), [
    # verified on Wednesday (deadline Thursday), resolved the next Monday (deadline Wednesday 11 March)
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + 2 * DAY), (S.RESOLVED, MONDAY + 7 * DAY)], None, "on_time"),
    # closed after resolution: no deadline left
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + DAY), (S.IN_PROGRESS, MONDAY + 2 * DAY),
      (S.RESOLVED, MONDAY + 3 * DAY), (S.CLOSED, MONDAY + 20 * DAY)], None, "on_time"),
    # verified on Friday: one day past Thursday's deadline
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + 4 * DAY), (S.RESOLVED, MONDAY + 5 * DAY)], None, "late"),
    # started in time, but the follow-up came after the 5 working days counted from verification
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + DAY), (S.IN_PROGRESS, MONDAY + 2 * DAY),
      (S.RESOLVED, MONDAY + 9 * DAY)], None, "late"),
    # rejected at verification, in time
    ([(S.RECEIVED, MONDAY), (S.REJECTED, MONDAY + DAY)], None, "on_time"),
    # still waiting for verification, deadline ahead / behind
    ([(S.RECEIVED, LATER - DAY)], LATER + 2 * DAY, "pending"),
    ([(S.RECEIVED, MONDAY)], MONDAY + 3 * DAY, "late"),
    # reopened after resolution: a fresh follow-up period from the reopening, kept
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + DAY), (S.RESOLVED, MONDAY + 2 * DAY),
      (S.IN_PROGRESS, MONDAY + 14 * DAY), (S.RESOLVED, MONDAY + 16 * DAY)], None, "on_time"),
    # late once stays late, even when the complaint now owes a step with time left
    ([(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + 7 * DAY)], LATER + DAY, "late"),
])
def test_verdict(history, due_at, expected):
    assert dashboard.verdict(history, due_at, LATER, NO_HOLIDAYS) == expected


async def test_the_service_level_counts_the_callers_complaints(world):
    from permissions.access import access_for
    from tests.conftest import registry_for_tests

    k1, k2, k3 = world.complaints["32.15"]
    b1, _, _ = world.complaints["32.16"]
    await give_history(k1, [(S.RECEIVED, MONDAY), (S.REJECTED, MONDAY + DAY)])
    await give_history(k2, [(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + 6 * DAY)])
    await give_history(b1, [(S.RECEIVED, MONDAY), (S.VERIFIED, MONDAY + 9 * DAY)])
    spec = registry_for_tests()["Complaint"]
    staff = dashboard.desk_rows(spec, await access_for(await User.get(username="staff.karawang")))
    kominfo = dashboard.desk_rows(spec, await access_for(await User.get(username="kominfo")))
    # Karawang: one rejected in time, one verified late (and overdue now), one just received
    assert await dashboard.service_level(staff.rows) == dashboard.ServiceLevel(on_time=1, late=1, pending=1)
    # Kominfo adds Bekasi: its late one and two just received
    everyone = await dashboard.service_level(kominfo.rows)
    assert everyone == dashboard.ServiceLevel(on_time=1, late=2, pending=3)
    assert everyone.percent == 33
    # An empty desk has no share yet
    assert dashboard.ServiceLevel(0, 0, 4).share is None
