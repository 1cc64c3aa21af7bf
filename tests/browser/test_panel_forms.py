"""Forms that forgive and lists that inform, in a real browser (issue 11): Karawang's staff create a
complaint with the regency fixed, a refused save keeps what they typed, the list shows the deadline and
the late rows at 1400 px, and an export downloads only Karawang's rows.

Debian's Chromium driven by Playwright, the whole application served by uvicorn in its own process (the
``app_server`` fixture of tests/browser/test_panel_look.py: assembled as the server assembles it, so a
complaint made in the panel gets its tracking code); requests to other hosts are blocked. Screenshots and
the downloaded files land in tests/output/.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl

from models import Complaint
from models.enums import ComplaintCategory
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, OUTPUT, needs_chromium

pytestmark = needs_chromium

TITLES = [
    "Lampu penerangan jalan mati di Jl. Tuparev", "Aplikasi antrean puskesmas tidak bisa dibuka",
    "Sampah menumpuk di pasar Johar", "Jalan berlubang dekat SDN Karawang Wetan 3",
    "Pengajuan KTP elektronik belum selesai sejak dua bulan", "Saluran air tersumbat di Perumnas Bumi Teluk Jambe",
    "Informasi jadwal vaksinasi anak", "Usulan taman bermain di Kelurahan Nagasari",
]


async def more_complaints(world) -> None:
    """A desk worth looking at: more of Karawang's reports, some past their deadline."""
    now = dt.datetime.now(dt.timezone.utc)
    for n, title in enumerate(TITLES):
        complaint = await Complaint.create(
            tracking_code=f"ADU-3215-2026-{n + 100:06d}-BRWSR{n}", regency=world.karawang, app=world.apps[n % 3],
            title=title, body="Mohon segera ditindaklanjuti.", reporter_name=f"Pelapor {n + 1}",
            reporter_contact=f"0812-555-{n:04d}", category=list(ComplaintCategory)[n % 3],
        )
        # Every third one is late; the others are due in the coming days.
        due = now - dt.timedelta(days=1 + n) if n % 3 == 0 else now + dt.timedelta(days=n + 1)
        await Complaint.filter(pk=complaint.pk).update(due_at=due)


async def sign_in(page, server: str, username: str) -> None:
    await page.goto(server + "/admin/login")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', "demo-password")
    await page.click('button[type="submit"]')
    await page.wait_for_url(server + "/admin/")


async def test_staff_create_a_complaint_and_export_their_list(world, app_server):  # noqa: F811 (the fixture)
    from playwright.async_api import async_playwright

    server = app_server
    await more_complaints(world)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            page = await context.new_page()
            await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
            await sign_in(page, server, "staff.karawang")

            # The list at 1400 px: deadline and status on screen, late reports highlighted and labelled
            await page.goto(server + "/admin/complaint/list?sort=due_at")
            for column in ("due_at", "status"):
                box = await page.locator(f'th[data-column="{column}"]').bounding_box()
                assert box is not None and box["x"] + box["width"] <= 1400, (column, box)
            late = page.locator("tr.simpul-highlight-overdue")
            assert await late.count() == 3
            assert "Terlambat" in await late.first.inner_text()
            await page.screenshot(path=str(OUTPUT / "panel_complaint_list_1400.png"), full_page=True)

            # Staff create a report: the regency is theirs, fixed
            await page.click("#create-link")
            await page.wait_for_url("**/admin/complaint/create**")
            fixed = page.locator('[data-fixed="regency"]')
            assert await fixed.input_value() == "Kabupaten Karawang" and await fixed.get_attribute("readonly") is not None
            assert await page.locator('select[name="regency"]').count() == 0
            # and a refused save (a title past its 200 characters) keeps everything they typed
            too_long = "Pohon tumbang menutup jalan " * 8
            await page.fill('input[name="title"]', too_long)
            await page.fill('[name="body"]', "Pohon besar tumbang di Jl. Kertabumi sejak pagi, kendaraan tidak bisa lewat.")
            await page.select_option('select[name="category"]', "COMPLAINT")
            await page.fill('input[name="reporter_name"]', "Ujang Sutisna")
            await page.fill('input[name="reporter_contact"]', "0813-2222-3333")
            await page.click('button[name="save"]')
            await page.wait_for_selector("#form-error")
            assert await page.locator("#field-title .simpul-field-error").count() == 1
            assert "200" in await page.inner_text("#field-title .simpul-field-error")
            assert await page.input_value('input[name="title"]') == too_long
            assert "Kertabumi" in await page.input_value('[name="body"]')
            assert await page.input_value('input[name="reporter_name"]') == "Ujang Sutisna"
            assert await page.input_value('input[name="reporter_contact"]') == "0813-2222-3333"
            await page.screenshot(path=str(OUTPUT / "panel_complaint_form_error.png"), full_page=True)
            # When they shorten the title, the report is saved, and the page says so
            await page.fill('input[name="title"]', "Pohon tumbang menutup Jl. Kertabumi")
            await page.click('button[name="save_and_return"]')
            await page.wait_for_url("**/admin/complaint/list**")
            assert "Data tersimpan" in await page.inner_text("#notice")
            assert "sort=due_at" in page.url  # back to the list as it was
            created = await Complaint.get(title="Pohon tumbang menutup Jl. Kertabumi")
            assert created.regency_id == world.karawang.pk and created.reporter_name == "Ujang Sutisna"
            await page.screenshot(path=str(OUTPUT / "panel_complaint_saved.png"), full_page=True)

            # An export downloads Karawang's rows only, CSV and Excel alike
            theirs = {c.tracking_code for c in world.complaints["32.16"]}
            ours = {c.tracking_code for c in await Complaint.filter(regency=world.karawang)}
            async with page.expect_download() as csv_download:
                await page.click("#export-csv")
            csv_path = OUTPUT / "panel_complaints_export.csv"
            await (await csv_download.value).save_as(str(csv_path))
            rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
            assert {r["Kode pelacakan"] for r in rows} == ours and not theirs & {r["Kode pelacakan"] for r in rows}
            assert {r["Kabupaten/Kota"] for r in rows} == {"Kabupaten Karawang"}
            async with page.expect_download() as xlsx_download:
                await page.click("#export-xlsx")
            xlsx_path = OUTPUT / "panel_complaints_export.xlsx"
            await (await xlsx_download.value).save_as(str(xlsx_path))
            sheet = openpyxl.load_workbook(xlsx_path).active
            header, *values = [[c.value for c in row] for row in sheet.iter_rows()]
            codes = {row[header.index("Kode pelacakan")] for row in values}
            assert codes == ours
        except Exception:
            await page.screenshot(path=str(OUTPUT / "panel_forms_failure.png"), full_page=True)
            raise
        finally:
            await browser.close()


async def test_kominfo_sees_deadline_status_and_actions_at_1400_px(world, app_server):  # noqa: F811 (the fixture)
    from playwright.async_api import async_playwright

    await more_complaints(world)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(app_server) else route.abort())
            await sign_in(page, app_server, "kominfo")
            # Kominfo's list has one column more than staff's (the regency), and still fits
            await page.goto(app_server + "/admin/complaint/list?sort=-due_at&page_size=20")
            assert await page.locator('th[data-column="regency"]').count() == 1
            for selector in ('th[data-column="due_at"]', 'th[data-column="status"]', "tbody tr:first-child .simpul-col-actions a"):
                box = await page.locator(selector).bounding_box()
                assert box is not None and box["x"] + box["width"] <= 1400, (selector, box)
            assert "Ubah" in await page.inner_text("tbody tr:first-child .simpul-col-actions")
            # and nothing covers the deadline: the table fits, the buttons stay beside it
            due = await page.locator('tbody tr:first-child td.simpul-col-time').last.bounding_box()
            actions = await page.locator("tbody tr:first-child td.simpul-col-actions").bounding_box()
            assert due["x"] + due["width"] <= actions["x"] + 1, (due, actions)
            assert await page.evaluate("() => { const t = document.querySelector('.table-responsive');"
                                       " return t.scrollWidth <= t.clientWidth; }")
            await page.screenshot(path=str(OUTPUT / "panel_complaint_list_kominfo_1400.png"), full_page=True)
        finally:
            await browser.close()
