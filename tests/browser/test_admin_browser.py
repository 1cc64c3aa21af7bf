"""A real browser (Debian's Chromium, driven by Playwright) signs in as Karawang's staff and works a complaint.

Chromium comes from the Debian package (`apt-get install chromium`); this test
installs nothing. Requests to other hosts (the CDN stylesheets of fastapi-admin's
layout) are blocked: the panel must work without them. The screenshot lands in
tests/output/ (git-ignored).
"""


from models import Complaint
from models.enums import ComplaintStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, OUTPUT, needs_chromium


pytestmark = needs_chromium


async def test_staff_works_a_complaint_in_a_real_browser(world, server):
    from playwright.async_api import async_playwright

    ours, theirs = world.complaints["32.15"], world.complaints["32.16"]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
            # Given staff of Karawang signing in
            await page.goto(server + "/admin/login")
            await page.fill('input[name="username"]', "staff.karawang")
            await page.fill('input[name="password"]', "demo-password")
            await page.click('button[type="submit"]')
            await page.wait_for_url(server + "/admin/")
            # When they open the complaint list, they see Karawang's complaints only
            await page.click('a[href="/admin/complaint/list"]')
            await page.wait_for_url("**/admin/complaint/list")
            table = await page.inner_text("#rows")
            assert all(c.tracking_code in table for c in ours)
            assert not any(c.tracking_code in table for c in theirs)
            assert await page.get_attribute("#rows", "data-total") == "3"
            # and verify one of them with a note
            # (the row's link carries the way back to this list: /update/<id>?next=...)
            await page.click(f'tr[data-id="{ours[0].id}"] a[href*="/update/{ours[0].id}?"]')
            await page.wait_for_url(f"**/admin/complaint/update/{ours[0].id}?**")
            await page.fill("#transition-note", "Sudah diverifikasi petugas")
            await page.click('button[data-to="VERIFIED"]')
            await page.wait_for_url(f"**/admin/complaint/update/{ours[0].id}?notice=moved")
            assert "Status pengaduan diperbarui." in await page.content()
            assert "Terverifikasi" in await page.inner_text("#current-status")
            assert "staff.karawang" in await page.inner_text("#history")  # the officer who acted
            assert "Sudah diverifikasi petugas" in await page.inner_text("#history")
            await page.screenshot(path=str(OUTPUT / "admin_complaint_verified.png"), full_page=True)
            # Then they sign out and the list needs a login again
            await page.click("#logout")
            await page.wait_for_url("**/admin/login")
            await page.goto(server + "/admin/complaint/list")
            assert page.url.endswith("/admin/login")
        finally:
            await browser.close()
    assert (await Complaint.get(id=ours[0].id)).status == ComplaintStatus.VERIFIED
    assert (await Complaint.get(id=theirs[0].id)).status == ComplaintStatus.RECEIVED
