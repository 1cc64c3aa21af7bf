"""The panel's look for the people who use it (issue 11): badges that can be read, inputs with labels,
dates day first with times on the WIB clock, a print sheet, and every page (GraphiQL too) working
without internet.

The browser half (a 390 px phone, the PKS apps picker, GraphiQL offline) is tests/browser/test_panel_look.py.
"""
from __future__ import annotations

import base64
import colorsys
import datetime as dt
import enum
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from admin import badges, clock
from models.registry import registry_from_modules
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import TEST_MODEL_MODULES

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "admin" / "static"
IDE_STATIC = ROOT / "schema" / "static"
REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))


# --- contrast (WCAG 2.x) -----------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_gives_wcags_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes on white
    # the complaint: white on Tabler's yellow
    assert contrast("#f59f00", "#ffffff") < 2.2


def enums_shown() -> dict[str, type[enum.Enum]]:
    """Every enum a list or form of the panel can show as a badge, by class name."""
    return {
        field.python_type.__name__: field.python_type
        for spec in REGISTRY for field in spec.scalars.values() if field.is_enum
    }


def test_every_badge_colour_pair_reads_at_4_5_to_1():
    ratios = {name: round(contrast(tone.background, tone.text), 2) for name, tone in badges.TONES.items()}
    assert {name: r for name, r in ratios.items() if r < 4.5} == {}, ratios


def test_every_status_category_and_kind_has_a_badge_of_its_own():
    for name, members in enums_shown().items():
        # Given every value of the enum
        values = [m.value for m in members]
        # Then each has a colour chosen for it (not the neutral fallback) that exists and reads at 4.5:1
        assert [v for v in values if v not in badges.COLOURS] == [], name
        for value in values:
            tone = badges.TONES[badges.COLOURS[value]]
            assert contrast(tone.background, tone.text) >= 4.5, (name, value)
        # and no two values of one enum look alike
        tones = [badges.COLOURS[v] for v in values]
        assert len(set(tones)) == len(tones), (name, dict(zip(values, tones)))
    assert {"ComplaintStatus", "ComplaintCategory", "AgreementKind", "AgreementStatus", "AppCategory"} <= set(enums_shown())
    assert badges.COLOURS["MOU"] != badges.COLOURS["PKS"]


def hue_of(colour: str) -> tuple[float, float]:
    """(hue in degrees, saturation) of ``#rrggbb``."""
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, _, saturation = colorsys.rgb_to_hls(r, g, b)
    return hue * 360, saturation


@pytest.mark.parametrize(("status", "low", "high"), [
    ("RECEIVED", -15, 15),      # red: a new report
    ("VERIFIED", 40, 65),       # yellow: checked by the desk
    ("IN_PROGRESS", 10, 40),    # orange: being worked on
    ("RESOLVED", 100, 170),     # green: answered
    ("CLOSED", 100, 170),       # green: settled for good
])
def test_complaint_statuses_follow_laksas_colours(status, low, high):
    hue, saturation = hue_of(badges.TONES[badges.COLOURS[status]].background)
    hue = hue - 360 if hue > 180 and low < 0 else hue
    assert low <= hue <= high and saturation > 0.3, (status, hue, saturation)


def test_rejected_is_grey_and_no_two_complaint_statuses_share_a_colour():
    _, saturation = hue_of(badges.TONES[badges.COLOURS["REJECTED"]].background)
    assert saturation < 0.25
    assert badges.COLOURS["VERIFIED"] != badges.COLOURS["IN_PROGRESS"]
    assert badges.COLOURS["RESOLVED"] != badges.COLOURS["CLOSED"]


def test_statuses_are_pills_and_categories_square_tags():
    spec = next(s for s in REGISTRY if s.name == "Complaint")
    status = badges.badge(spec.scalars["status"], "RECEIVED")
    category = badges.badge(spec.scalars["category"], "COMPLAINT")
    assert "simpul-badge-status" in status and "tone-red" in status and 'data-value="RECEIVED"' in status
    assert "simpul-badge-tag" in category and "simpul-badge-status" not in category


def css_rules(text: str) -> list[tuple[str, str]]:
    """(selector, declarations) of a stylesheet, comments removed; @media blocks are flattened."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [(sel.strip(), body.strip()) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)]


def test_the_stylesheet_paints_each_tone_in_its_table_colours():
    declared = {}
    for selector, body in css_rules((STATIC / "look.css").read_text()):
        found = re.fullmatch(r"\.simpul-badge\.tone-([a-z-]+)", selector)
        if found:
            props = dict(re.findall(r"([a-z-]+)\s*:\s*([^;]+);", body))
            declared[found.group(1)] = badges.Tone(props["background-color"].strip(), props["color"].strip())
    assert declared == badges.TONES


def test_yes_and_no_are_badges_of_the_table():
    from fastapi_admin.widgets import displays

    admin_asgi(TEST_MODEL_MODULES)  # puts our templates in front of fastapi-admin's
    template = displays.Boolean().templates.get_template(displays.Boolean.template)
    assert f"tone-{badges.COLOURS['True']}" in template.render(value=True)
    assert f"tone-{badges.COLOURS['False']}" in template.render(value=False)


# --- labels --------------------------------------------------------------------------------------

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Controls(HTMLParser):
    """Form controls of a page and whether each has a label: ``<label for>``, a wrapping ``<label>``,
    ``aria-label`` or ``aria-labelledby``."""

    def __init__(self):
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict, bool]] = []
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (attributes.get("type") or "text") in UNLABELLED_TYPES:
                return
            self.controls.append((tag, attributes, self.open_labels > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)

    def unlabelled(self) -> list[str]:
        missing = []
        for tag, attributes, wrapped in self.controls:
            if wrapped or attributes.get("aria-label") or attributes.get("aria-labelledby"):
                continue
            if attributes.get("id") and attributes["id"] in self.label_for:
                continue
            missing.append(f"<{tag} name={attributes.get('name')!r} id={attributes.get('id')!r}>")
        return missing


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    return parser.unlabelled()


def test_the_label_check_sees_an_unlabelled_input():
    assert unlabelled('<label>Nama</label><input name="a">') == ["<input name='a' id=None>"]
    assert unlabelled('<label for="x">Nama</label><input id="x" name="a"><input type="hidden" name="b">') == []
    assert unlabelled('<label class="form-check"><input type="checkbox" name="c"> Ya</label>') == []


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def kominfo(asgi):
    async with client_for(asgi) as http:
        client = AdminClient(http)
        assert (await client.login("kominfo")).status_code == 303
        yield client


#: What marks a page generated from the declarations (simpul/list.html, simpul/form.html), not a hand-written one.
GENERATED = ('id="rows"', 'id="record-form"')


async def generated_pages(client: AdminClient) -> dict[str, str]:
    """Every generated list, create and update page kominfo may open, by path (the hand-written
    account pages that some models get instead are not among them)."""
    pages = {}
    for spec in REGISTRY:
        slug = spec.name.lower()
        paths = [f"/admin/{slug}/list", f"/admin/{slug}/create"]
        first = await spec.model.all().order_by(spec.pk).first()
        if first is not None:
            paths.append(f"/admin/{slug}/update/{first.pk}")
        for path in paths:
            response = await client.get(path)
            if response.status_code == 200 and any(mark in response.text for mark in GENERATED):
                pages[path] = response.text
    return pages


async def test_every_input_and_list_filter_on_the_generated_pages_is_labelled(full_world, kominfo):
    pages = await generated_pages(kominfo)
    assert {"/admin/complaint/list", "/admin/agreement/create", "/admin/app/list"} <= set(pages)
    assert any(p.startswith("/admin/complaint/update/") for p in pages)
    missing = {path: unlabelled(html) for path, html in pages.items()}
    assert {path: m for path, m in missing.items() if m} == {}


async def test_every_input_on_the_login_page_and_the_menus_pages_is_labelled(full_world, kominfo, asgi):
    # Given the sign-in page, and every page kominfo's menu links to (the generated lists and the
    # hand-written accounts, policies and audit log pages)
    async with client_for(asgi) as http:
        pages = {"/admin/login": (await http.get("/admin/login")).text}
    home = (await kominfo.get("/admin/")).text
    menu = re.search(r'id="navbar-menu".*?</ul>', home, flags=re.S).group(0)
    for path in sorted(set(re.findall(r'href="(/admin/[^"]+)"', menu))):
        response = await kominfo.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    assert len(pages) > 5
    # Then every input has a label
    missing = {path: unlabelled(html) for path, html in pages.items()}
    assert {path: m for path, m in missing.items() if m} == {}


async def test_list_filters_have_labels_tied_to_them(world, kominfo):
    listing = (await kominfo.get("/admin/complaint/list")).text
    for name in ("q", "status", "category", "regency"):
        field_id = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*id="([^"]+)"|'
                             rf'<(?:input|select)[^>]*id="([^"]+)"[^>]*name="{name}"', listing)
        assert field_id, name
        assert f'<label class="form-label d-inline me-1" for="{field_id.group(1) or field_id.group(2)}">' in listing, name


# --- dates and times -------------------------------------------------------------------------------


def test_times_are_labelled_wib_and_dates_day_first():
    moment = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.timezone.utc)
    assert clock.shown(moment) == "02/03/2026 08:30 WIB"
    assert clock.shown(moment, seconds=True) == "02/03/2026 08:30:00 WIB"
    assert clock.shown(dt.date(2026, 8, 17)) == "17/08/2026"
    assert clock.shown(None) == ""
    # what the forms post stays ISO on the WIB clock
    assert clock.for_input(moment) == "2026-03-02T08:30"
    assert clock.from_input("2026-03-02T08:30") == moment


async def test_date_fields_show_day_first_and_post_iso(world, kominfo):
    mou = world.mou["32.15"]  # signed 16 May 2018
    page = (await kominfo.get(f"/admin/agreement/update/{mou.pk}")).text
    visible = re.search(r'<input type="text" class="form-control" id="form-input-signed_on" value="([^"]*)"[^>]*>', page)
    assert visible and visible.group(1) == "16/05/2018"
    assert 'data-simpul-date="date"' in visible.group(0) and "pattern=" in visible.group(0)
    assert 'name="signed_on"' not in visible.group(0)
    assert '<input type="hidden" name="signed_on" id="form-input-signed_on-iso" value="2018-05-16"' in page
    # in English too: the format does not follow the language
    english = (await kominfo.get(f"/admin/agreement/update/{mou.pk}?language=en_US")).text
    assert 'id="form-input-signed_on" value="16/05/2018"' in english


async def test_times_in_lists_and_forms_are_on_the_wib_clock(world, kominfo):
    from models import Complaint

    complaint = world.complaints["32.15"][0]
    await Complaint.filter(pk=complaint.pk).update(created_at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.timezone.utc))
    listing = (await kominfo.get("/admin/complaint/list")).text
    assert "02/03/2026 08:30 WIB" in listing
    page = (await kominfo.get(f"/admin/complaint/update/{complaint.pk}")).text
    assert re.search(r'id="form-input-created_at" value="02/03/2026 08:30"', page)
    assert 'id="form-input-created_at-iso" value="2026-03-02T08:30"' in page
    assert '<span class="input-group-text">WIB</span>' in page


# --- print ---------------------------------------------------------------------------------------------


def test_the_print_sheet_hides_the_sidebar_bars_and_buttons():
    sheet = (STATIC / "print.css").read_text()
    assert "@media print" in sheet
    hidden = [selector for selector, body in css_rules(sheet) if re.search(r"display\s*:\s*none", body)]
    selectors = {s.strip() for group in hidden for s in group.split(",")}
    assert {"aside.navbar-vertical", ".simpul-mobile-bar", "header.navbar", ".form-footer", "#workflow form"} <= selectors


async def test_every_page_links_the_print_sheet_for_print_only(world, kominfo):
    complaint = world.complaints["32.15"][0]
    page = (await kominfo.get(f"/admin/complaint/update/{complaint.pk}")).text
    assert re.search(r'<link rel="stylesheet" href="/admin/static/print\.css" media="print">', page)
    assert 'id="history"' in page  # the history the sheet prints


# --- local assets ----------------------------------------------------------------------------------------


class AssetLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        url = attributes.get({"link": "href", "script": "src", "img": "src"}.get(tag, ""))
        if url:
            self.assets.append({"url": url, **attributes})


def assets_of(html: str) -> list[dict]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.assets


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


async def test_panel_pages_reference_only_their_own_assets(full_world, kominfo, asgi):
    pages = await generated_pages(kominfo)
    pages["/admin/"] = (await kominfo.get("/admin/")).text
    wanted = {a["url"] for html in pages.values() for a in assets_of(html)}
    assert [u for u in wanted if is_external(u)] == []
    names = {u.rsplit("/", 1)[-1] for u in wanted}
    assert {"tom-select.complete.min.js", "flatpickr.min.js", "id.js", "widgets.js", "look.css", "print.css"} <= names
    async with client_for(asgi) as http:
        for url in sorted(wanted):
            assert (await http.get(url)).status_code == 200, url
    for html in pages.values():
        assert "cdn." not in html and "unpkg" not in html and "@latest" not in html


async def test_graphiql_loads_only_its_own_pinned_copies(http):
    # Given GraphiQL's page, as a browser asks for it
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assets = assets_of(page.text)
    # Then every script and stylesheet is ours, served with its type, cached for good, and upstream's exact file
    assert assets and [a["url"] for a in assets if not a["url"].startswith("/graphql/static/vendor/")] == []
    assert "://unpkg" not in page.text and "js.cookie.min.js" not in page.text
    for asset in assets:
        response = await http.get(asset["url"])
        assert response.status_code == 200, asset["url"]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        kind = response.headers["content-type"].split(";")[0]
        assert kind in ("text/css", "text/javascript", "application/javascript"), (asset["url"], kind)
        digest = "sha384-" + base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert asset["integrity"] == digest, asset["url"]
    # and a file that is not there is a plain 404
    assert (await http.get("/graphql/static/vendor/graphiql-3.8.3/missing.js")).status_code == 404


def test_graphiql_copies_are_the_files_strawberry_pins():
    """Where strawberry's own page names the same package version, its integrity is ours."""
    import strawberry

    upstream = (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text()
    pinned = dict(re.findall(r'src="https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"', upstream))
    pinned |= dict(re.findall(r'href="https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"', upstream))
    ours = {
        path.relative_to(IDE_STATIC / "vendor").as_posix(): path
        for path in (IDE_STATIC / "vendor").rglob("*") if path.suffix in (".js", ".css")
    }
    compared = 0
    for url, integrity in pinned.items():
        package, _, rest = url.rpartition("@")  # "@graphiql/plugin-explorer", "1.0.2/dist/style.css"
        version, _, file = rest.partition("/")
        folder = package.replace("@graphiql/", "graphiql-") + "-" + version
        if f"{folder}/{file}" in ours:
            content = ours[f"{folder}/{file}"].read_bytes()
            assert "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode() == integrity, url
            compared += 1
    # (a strawberry upgrade that moves to other versions compares fewer; ours stay pinned in our page)
    assert compared == 0 or compared >= 4


@pytest.mark.parametrize("vendor", [STATIC / "vendor", IDE_STATIC / "vendor"], ids=["panel", "graphiql"])
def test_every_vendored_folder_is_listed_with_its_licence(vendor):
    readme = (vendor / "README.md").read_text()
    folders = [p for p in vendor.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        assert f"| `{folder.name}/` |" in readme, folder.name
        assert list(folder.glob("LICENSE*")), folder.name
        assert re.fullmatch(r"[a-z-]+-\d+\.\d+\.\d+", folder.name), folder.name
