"""The panel's look in a real browser (issue 11): a 390 px phone reaches the menu and signs out; the PKS
apps picker keeps every chosen app through a save; dates are typed day first in an English browser;
a complaint prints as a clean sheet; GraphiQL runs a query with every request to another host blocked.

Debian's Chromium driven by Playwright, as tests/browser/test_admin_browser.py; the whole application
(tests/browser/app_server.py) runs in a separate uvicorn process. Screenshots land in tests/output/.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote


from models import Agreement, App
from models.enums import AppCategory
from tests.browser.conftest import OUTPUT, needs_chromium


pytestmark = needs_chromium


async def offline_page(browser, base: str, **context_options):
    """A page whose requests to any other host fail, as on an intranet without internet; returns (page, blocked)."""
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    blocked: list[str] = []
    local_ws = base.replace("http://", "ws://", 1)

    async def only_local(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(local_ws):
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort()

    await page.route("**/*", only_local)
    return page, blocked


async def sign_in(page, base: str, username: str) -> None:
    await page.goto(base + "/admin/login")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', "demo-password")
    await page.click('button[type="submit"]')
    await page.wait_for_url(base + "/admin/")


async def test_a_390_px_phone_opens_the_menu_and_signs_out(world, app_server, browser):
    page, blocked = await offline_page(browser, app_server, viewport={"width": 390, "height": 844},
                                       is_mobile=True, has_touch=True, device_scale_factor=2)
    # Given staff of Karawang signed in on a phone
    await sign_in(page, app_server, "staff.karawang")
    menu_link = page.locator('#navbar-menu a[href="/admin/complaint/list"]')
    # fastapi-admin's header (menu button, sign-out) is hidden at this width; the menu is folded
    assert await page.locator("header.navbar").is_hidden()
    assert not await menu_link.is_visible()
    # and sign-out is in sight, and nothing is wider than the screen
    assert await page.locator("#logout-mobile").is_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    # When they open the menu
    await page.click("#menu-toggle")
    await menu_link.wait_for(state="visible")
    assert await page.get_attribute("#menu-toggle", "aria-expanded") == "true"
    await page.screenshot(path=str(OUTPUT / "panel_phone_menu.png"))
    # Then its links work
    await menu_link.click()
    await page.wait_for_url("**/admin/complaint/list")
    assert await page.get_attribute("#rows", "data-total") == "3"
    await page.screenshot(path=str(OUTPUT / "panel_phone_list.png"), full_page=True)
    # and they sign out from the bar; the list needs a login again
    await page.click("#logout-mobile")
    await page.wait_for_url("**/admin/login")
    await page.goto(app_server + "/admin/complaint/list")
    assert page.url.endswith("/admin/login")
    assert blocked == []


async def test_the_pks_apps_picker_keeps_every_chosen_app(world, app_server, browser):
    # Given a catalogue of 43 apps and Karawang's draft PKS listing two of them
    extra = [await App.create(name=f"Aplikasi Uji {n:02d}", slug=f"aplikasi-uji-{n:02d}", category=AppCategory.PUBLIC_SERVICE)
             for n in range(40)]
    laksa, office, sikda = world.apps
    pks = world.draft["32.15"]
    await pks.apps.add(laksa, office)
    # and kominfo in a browser that speaks American English (its own date fields would be mm/dd/yyyy)
    page, blocked = await offline_page(browser, app_server, viewport={"width": 1280, "height": 900}, locale="en-US")
    await sign_in(page, app_server, "kominfo")
    await page.goto(f"{app_server}/admin/agreement/update/{pks.pk}")
    await page.wait_for_selector("html[data-simpul-widgets=ready]")
    chips = page.locator("#form-select-apps + .ts-wrapper .ts-control .item")
    assert await chips.count() == 2
    search = page.locator("#form-select-apps-ts-control")

    async def choose(typed: str, app: App) -> None:
        await search.click()
        await search.fill(typed)
        # Tom Select filters the list a moment after typing (its refreshThrottle): wait for the filtered list
        await page.wait_for_function(
            "word => [...document.querySelectorAll('.ts-dropdown .option')]"
            ".every(o => o.textContent.toLowerCase().includes(word))", arg=typed.split()[-1].lower())
        option = page.locator(f'.ts-dropdown .option[data-value="{app.pk}"]')
        await option.click()  # a plain click, no Ctrl

    # When they add three apps by searching and clicking
    await choose("Uji 12", extra[12])
    await choose("uji 33", extra[33])
    await choose("SIK", sikda)
    # and click around: on a chip, then on the page
    await chips.first.click()
    await page.click("h3.card-title")
    assert await chips.count() == 5
    chosen = await page.eval_on_selector("#form-select-apps", "s => [...s.selectedOptions].map(o => o.value)")
    expected = {laksa.pk, office.pk, sikda.pk, extra[12].pk, extra[33].pk}
    assert {int(v) for v in chosen} == expected
    # and type the signing date day first
    await page.fill("#form-input-signed_on", "17/08/2026")
    assert await page.input_value("#form-input-signed_on-iso") == "2026-08-17"
    await page.locator("#form-select-apps").scroll_into_view_if_needed()
    await page.screenshot(path=str(OUTPUT / "panel_pks_apps_picker.png"), full_page=True)
    # and save, with no picker's list left open over the button (a person closes it the same way)
    await page.keyboard.press("Escape")
    await page.click("h3.card-title")
    await page.wait_for_function("() => [...document.querySelectorAll('.ts-dropdown')].every(d => !d.offsetParent)")
    async with page.expect_navigation():
        await page.click('button[name="save"]')
    # Then every chosen app is kept, and the date is the 17th of August
    saved = await Agreement.get(pk=pks.pk)
    assert {a.pk for a in await saved.apps.all()} == expected
    assert saved.signed_on == dt.date(2026, 8, 17)
    # and the page shows them again
    await page.goto(f"{app_server}/admin/agreement/update/{pks.pk}")
    await page.wait_for_selector("html[data-simpul-widgets=ready]")
    assert await chips.count() == 5
    assert await page.input_value("#form-input-signed_on") == "17/08/2026"
    assert blocked == []


async def test_a_complaint_prints_as_a_clean_sheet(world, app_server, browser):
    complaint = world.complaints["32.15"][0]
    page, _ = await offline_page(browser, app_server, viewport={"width": 1280, "height": 900})
    await sign_in(page, app_server, "staff.karawang")
    await page.goto(f"{app_server}/admin/complaint/update/{complaint.pk}")
    # When the page is printed
    await page.emulate_media(media="print")
    # Then the sidebar, the bars, the buttons and the transition form are gone; the values and the history stay
    for chrome in ("aside.navbar-vertical", "header.navbar", ".simpul-mobile-bar", ".form-footer", "#workflow form"):
        assert await page.locator(chrome).first.is_hidden(), chrome
    assert await page.locator("#history").is_visible()
    assert await page.locator("#form-input-title").is_visible()
    assert await page.evaluate("getComputedStyle(document.querySelector('.page-wrapper')).marginLeft") == "0px"
    await page.screenshot(path=str(OUTPUT / "panel_complaint_print.png"), full_page=True)


async def test_graphiql_runs_a_query_with_every_outside_request_blocked(world, app_server, browser):
    page, blocked = await offline_page(browser, app_server, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Given GraphiQL opened with a query, on a network without internet
    query = "{ apps(first: 3) { nodes { name } } }"
    await page.goto(f"{app_server}/graphql?q={quote(query)}")
    await page.wait_for_selector(".graphiql-execute-button", timeout=20000)
    # When the query is run
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "document.querySelector('.result-window') && document.querySelector('.result-window').innerText.includes('nodes')",
        timeout=20000,
    )
    # Then the answer holds the apps, and nothing was asked of another host
    result = await page.inner_text(".result-window")
    assert all(app.name in result for app in world.apps), result
    await page.screenshot(path=str(OUTPUT / "graphiql_offline.png"))
    assert blocked == []
    assert errors == []
