"""Kominfo in a real browser (Debian's Chromium, driven by Playwright) on the policy, account and audit pages.

- the last administrator's grant cannot be removed, and the page says why in Indonesian;
- the policy grid renders per role, saves, and asks before it takes a permission away;
- without JavaScript a removal is still two steps (a confirmation page);
- neither the policy page nor the audit log overflows at 1400 px or at 390 px.

Screenshots land in tests/output/ (git-ignored): panel_policy_1400.png, panel_policy_390.png,
panel_last_admin_refused.png, panel_audit_1400.png, panel_audit_390.png.
"""
from __future__ import annotations



from models import AuditEntry, User
from permissions.management import list_rules, roles_of
from tests.browser.conftest import OUTPUT, needs_chromium

ADMIN_RULE = ("kominfo_admin", "*", "*", "*")

pytestmark = needs_chromium


async def signed_in(browser, server, *, width: int = 1400, javascript: bool = True, username: str = "kominfo"):
    context = await browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    page = await context.new_page()
    # Nothing but the panel itself: it must work without the internet.
    await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    await page.goto(server + "/admin/login")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', "demo-password")
    await page.click('button[type="submit"]')
    await page.wait_for_url(server + "/admin/")
    return page


async def no_overflow(page, selector: str, width: int) -> None:
    """Neither the page nor any of the cards scrolls or sticks out sideways."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    for box in [await card.bounding_box() for card in await page.locator(selector).all()]:
        if box:  # a card inside a closed <details> has no box
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box


async def test_kominfo_cannot_remove_the_last_admin_grant(world, server, browser):
    page = await signed_in(browser, server)
    await page.goto(server + "/admin/policy/list")
    # When Kominfo opens the raw rules and removes kominfo_admin * * *, the page asks first
    await page.click("#advanced summary")
    row = page.locator("#rules tbody tr").filter(has=page.locator('input[name="role"][value="kominfo_admin"]'))
    await row.get_by_role("button", name="Hapus").click()
    dialog = page.locator("#confirm-dialog")
    await dialog.wait_for(state="visible")
    assert "Admin Kominfo" in await dialog.inner_text()
    assert "Semua tindakan · Semua data · Semua wilayah" in await dialog.inner_text()
    # ... and once confirmed, refuses, saying why in Indonesian
    await page.click("#confirm-dialog-yes")
    await page.wait_for_selector("#form-error")
    said = await page.inner_text("#form-error")
    assert "tidak ada lagi akun aktif yang dapat mengelola kebijakan akses" in said
    await page.screenshot(path=str(OUTPUT / "panel_last_admin_refused.png"), full_page=True)
    assert ADMIN_RULE in await list_rules()
    # Revoking Kominfo's own role is refused the same way
    await page.goto(server + "/admin/policy/list")
    grant = page.locator("#assignments tbody tr").filter(has_text="kominfo")
    await grant.get_by_role("button", name="Cabut").click()
    assert "kominfo" in await page.locator("#confirm-dialog-text").inner_text()
    await page.click("#confirm-dialog-yes")
    await page.wait_for_selector("#form-error")
    assert "tidak ada lagi akun aktif" in await page.inner_text("#form-error")
    assert await roles_of("kominfo") == [("kominfo_admin", "*")]
    # Cancelling a question changes nothing and leaves the page as it was
    await page.goto(server + "/admin/user/list")
    staff = page.locator("#rows tbody tr").filter(has_text="staff.bekasi")
    await staff.get_by_role("button", name="Hapus").click()
    assert "staff.bekasi" in await page.locator("#confirm-dialog-text").inner_text()
    await page.click("#confirm-dialog-no")
    assert page.url == server + "/admin/user/list"
    assert await User.filter(username="staff.bekasi").exists()
    assert not await AuditEntry.filter(action__in=["policy_remove", "role_revoke", "user_delete"]).exists()


async def test_the_policy_grid_renders_saves_and_asks_first(world, server, browser):
    page = await signed_in(browser, server)
    await page.goto(server + "/admin/policy/list")
    # Given a grid per role, explained in a sentence, with Indonesian labels
    staff = page.locator("#role-regency_staff")
    assert "Petugas kabupaten: membaca dan menindaklanjuti pengaduan wilayahnya" in await staff.inner_text()
    assert await page.locator(".policy-role").count() == 3
    headers = await staff.locator("thead th").all_inner_texts()
    assert [h.strip() for h in headers][:5] == ["Data", "Lihat", "Tambah", "Ubah", "Hapus"]
    edit = staff.get_by_role("checkbox", name="Ubah · Pengaduan", exact=True)
    assert await edit.is_checked()
    # Kominfo's catch-all rule shows as checked cells that are not edited one by one
    assert await page.locator("#role-kominfo_admin input[type=checkbox][disabled]:checked").count() > 10
    await no_overflow(page, ".card", 1400)
    await page.screenshot(path=str(OUTPUT / "panel_policy_1400.png"), full_page=True)
    # When staff lose "Ubah · Pengaduan" and gain "Lihat · Aplikasi", the save asks about the loss only
    await edit.uncheck()
    await staff.get_by_role("checkbox", name="Lihat · Aplikasi", exact=True).check()
    await staff.get_by_role("button", name="Simpan izin").click()
    await page.locator("#confirm-dialog").wait_for(state="visible")
    assert await page.locator("#confirm-dialog-items li").all_inner_texts() == ["Ubah · Pengaduan"]
    await page.click("#confirm-dialog-yes")
    await page.wait_for_selector("#form-done")
    # Then both changes are made, and audited as Kominfo's from the panel
    rules = await list_rules()
    assert ("regency_staff", "*", "Complaint", "update") not in rules and ("regency_staff", "*", "App", "read") in rules
    entries = [(e.action, e.actor_name, e.source) for e in await AuditEntry.filter(model="Policy").order_by("id")]
    assert entries == [("policy_add", "kominfo", "admin"), ("policy_remove", "kominfo", "admin")]
    # The audit log reads the change in Indonesian, on the WIB clock
    await page.goto(server + "/admin/audit/list")
    log = await page.inner_text("#rows")
    assert "Aturan akses dihapus" in log and "Aturan akses ditambahkan" in log and "WIB" in log
    assert "Petugas kabupaten" in log and "Pengaduan" in log
    await no_overflow(page, ".card", 1400)
    await page.screenshot(path=str(OUTPUT / "panel_audit_1400.png"), full_page=True)


async def test_on_a_phone_nothing_sticks_out(world, server, browser):
    page = await signed_in(browser, server, width=390)
    await page.goto(server + "/admin/policy/list")
    await page.click("#advanced summary")
    await no_overflow(page, ".card", 390)
    # A grid row reads as the model's name over its labelled checkboxes
    label = page.locator("#role-regency_staff .cell-label").first
    assert await label.is_visible() and (await label.inner_text()).strip() == "Lihat"
    await page.screenshot(path=str(OUTPUT / "panel_policy_390.png"), full_page=True)
    # Given an account moved by Kominfo and a citizen's report, the audit log reads well on a phone too
    from permissions.access import access_for
    from services.complaints import submit_complaint
    from services.users import update_user

    admin = await access_for(await User.get(username="kominfo"))
    await update_user(admin, (await User.get(username="staff.karawang")).pk, regency_code="32.16", source="admin")
    await submit_complaint(regency_code="32.15", title="Lampu jalan mati", body="Sejak Senin.",
                           reporter_name="Siti", reporter_contact="0812", client_address="192.0.2.7")
    await page.goto(server + "/admin/audit/list")
    assert "Warga (anonim)" in await page.inner_text("#rows") and "Akun diubah" in await page.inner_text("#rows")
    await no_overflow(page, ".card", 390)
    await page.screenshot(path=str(OUTPUT / "panel_audit_390.png"), full_page=True)


async def test_without_javascript_a_removal_is_still_two_steps(world, server, browser):
    page = await signed_in(browser, server, javascript=False)
    await page.goto(server + "/admin/policy/list?view=advanced")
    row = page.locator("#rules tbody tr").filter(
        has=page.locator('input[name="object"][value="Regency"]')).filter(
        has=page.locator('input[name="role"][value="public"]'))
    await row.get_by_role("button", name="Hapus").click()
    # A confirmation page, not the removal
    await page.wait_for_selector("#confirm-page")
    assert "Lihat · Kabupaten/Kota · Data terbit (publik)" in await page.inner_text("#confirm-page")
    assert ("public", "public", "Regency", "read") in await list_rules()
    await page.click("#confirm-yes")
    await page.wait_for_selector("#form-done")
    assert ("public", "public", "Regency", "read") not in await list_rules()
