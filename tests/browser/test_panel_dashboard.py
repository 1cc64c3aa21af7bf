"""The home page (Beranda) in a real browser (Debian's Chromium, driven by Playwright), without the internet.

Every request that does not go to the panel itself is blocked (and counted): the charts must be drawn by the
Chart.js the panel serves. Kominfo sees every regency, staff of Karawang only Karawang; the overdue number opens
the list of exactly the overdue complaints.

Screenshots land in tests/output/ (git-ignored): dashboard_kominfo.png (and _390.png, a phone),
dashboard_staff_karawang.png.
"""
from __future__ import annotations

import datetime as dt
import random
import re


from models import Complaint, ComplaintEvent
from models.enums import ComplaintCategory, ComplaintStatus as S
from services.workflow import due_at_for
from tests.browser.conftest import OUTPUT, needs_chromium

TRACKING_CODE = re.compile(r"ADU-\d{4}-\d{4}-\d{6}(?:-[A-Z0-9]{6})?")

pytestmark = needs_chromium


async def a_year_of_complaints(world) -> dict[str, set[str]]:
    """A year of complaints in Karawang and Bekasi, in every status, some settled late and some overdue now.

    Returns the tracking codes of the overdue complaints per regency code.
    """
    rng = random.Random(11)
    now = dt.datetime.now(dt.timezone.utc)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    walks = [
        [S.RECEIVED], [S.RECEIVED, S.VERIFIED], [S.RECEIVED, S.VERIFIED, S.IN_PROGRESS],
        [S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED], [S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
        [S.RECEIVED, S.REJECTED],
    ]
    overdue: dict[str, set[str]] = {"32.15": set(), "32.16": set()}
    for regency, count in ((world.karawang, 34), (world.bekasi, 22)):
        for n in range(count):
            received = now - dt.timedelta(days=rng.randint(2, 360), hours=rng.randint(0, 23))
            walk = rng.choice(walks)
            # Steps a few hours apart (on time), or, for one in four, days apart (late)
            gap = day * rng.randint(6, 12) if rng.random() < 0.25 else hour * rng.randint(2, 20)
            steps = [(status, received + i * gap) for i, status in enumerate(walk)]
            steps = [(status, min(at, now - hour)) for status, at in steps]
            complaint = await Complaint.create(
                regency=regency, app=world.apps[n % 2], title=f"Laporan {n + 1}", body="Layanan terganggu.",
                category=rng.choice(list(ComplaintCategory)), reporter_name=f"Warga {n}", reporter_contact="0812",
                created_at=received,
            )
            last, at = steps[-1]
            clock = steps[1][1] if last in (S.VERIFIED, S.IN_PROGRESS) else at
            await Complaint.filter(pk=complaint.pk).update(status=last, due_at=due_at_for(last, clock))
            for status, moment in steps[1:]:
                await ComplaintEvent.create(complaint_id=complaint.pk, status=status, at=moment)
    for complaint in await Complaint.filter(due_at__lt=now).prefetch_related("regency"):
        overdue[complaint.regency.code].add(complaint.tracking_code)
    return overdue


async def home_of(browser, server, username: str, blocked: list[str]):
    """``username``'s home page at 1400 px, every request to another host blocked and written to ``blocked``."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()

    async def only_the_panel(route):
        if route.request.url.startswith(server):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_the_panel)
    await page.goto(server + "/admin/login")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', "demo-password")
    await page.click('button[type="submit"]')
    await page.wait_for_url(server + "/admin/")
    # Every chart drawn by the panel's own Chart.js
    await page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length > 0 && "
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => c.dataset.drawn === 'true')"
    )
    return page


async def drawn(page, chart: str) -> dict[str, int]:
    """The labels and counts Chart.js drew on one canvas."""
    return await page.evaluate(
        """id => { const c = document.querySelector(`canvas[data-chart="${id}"]`).chart;
                   return Object.fromEntries(c.data.labels.map((l, i) => [l, c.data.datasets[0].data[i]])); }""",
        chart,
    )


async def test_kominfo_sees_every_regency_drawn_without_internet(world, server, browser):
    overdue = await a_year_of_complaints(world)
    blocked: list[str] = []
    page = await home_of(browser, server, "kominfo", blocked)
    assert await page.evaluate("window.Chart.version") == "4.6.1"
    # Then the complaints of both regencies are counted and drawn
    per_regency = await drawn(page, "complaint-regency")
    assert per_regency == {"Kabupaten Karawang": 37, "Kabupaten Bekasi": 25}
    assert sum((await drawn(page, "complaint-status")).values()) == 62
    assert len(await drawn(page, "complaint-created-at-month")) == 12
    assert await page.inner_text("#dash-complaint-overdue") == str(len(overdue["32.15"]) + len(overdue["32.16"]))
    assert await drawn(page, "agreement-status") == {"Draf": 2, "Ditandatangani": 2}
    # and the canvases hold a picture, not a blank
    painted = await page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')].every(c => {
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; })"""
    )
    assert painted
    await page.screenshot(path=str(OUTPUT / "dashboard_kominfo.png"), full_page=True)
    # On a 390 px phone the page does not scroll sideways: cards and charts take the width
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_timeout(300)  # Chart.js resizes on the next frame
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=str(OUTPUT / "dashboard_kominfo_390.png"), full_page=True)
    # Nothing was asked of another host
    assert blocked == []


async def test_staff_see_karawang_and_the_overdue_number_opens_its_list(world, server, browser):
    overdue = await a_year_of_complaints(world)
    blocked: list[str] = []
    page = await home_of(browser, server, "staff.karawang", blocked)
    # Then only Karawang is counted
    assert await drawn(page, "complaint-regency") == {"Kabupaten Karawang": 37}
    assert "Kabupaten Bekasi" not in await page.content()
    assert await drawn(page, "agreement-status") == {"Draf": 1, "Ditandatangani": 1}
    shown = await page.inner_text("#dash-complaint-overdue")
    assert shown == str(len(overdue["32.15"])) and len(overdue["32.15"]) > 0
    assert await page.inner_text("#dash-service-level") != ""
    await page.screenshot(path=str(OUTPUT / "dashboard_staff_karawang.png"), full_page=True)
    # When they click the overdue number
    await page.click("#dash-complaint-overdue a")
    await page.wait_for_url(re.compile(r".*/admin/complaint/list\?overdue=true$"))
    # Then the list shows exactly Karawang's overdue complaints, as many as the number said
    assert await page.get_attribute("#rows", "data-total") == shown
    assert set(TRACKING_CODE.findall(await page.inner_text("#rows"))) <= overdue["32.15"]
    # (all of them on one page)
    await page.goto(page.url + "&page_size=100")
    assert set(TRACKING_CODE.findall(await page.inner_text("#rows"))) == overdue["32.15"]
    assert blocked == []
