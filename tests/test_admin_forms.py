"""Generated forms that forgive and lists that inform (issue 11): typed text kept, every error under its
field, success messages, "save and return" to the same list page, role-aware pickers, the citizen's own
words frozen for staff (panel and API), "Lihat" on rows the caller cannot change, highlighted overdue
rows, sortable columns, page numbers, and CSV/Excel exports scoped and audited like the list.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from models import App, AuditEntry, Complaint
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import TEST_MODEL_MODULES, registry_for_tests
from tests.test_declaration_checks import refused, registry_with, upcoming
from tests.world import _HASH

QUERY_UPDATE = "mutation($id: ID!, $i: ComplaintUpdateInput!) { updateComplaint(id: $id, input: $i) { id title category } }"


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def panel(world, asgi):
    """``await panel("staff.karawang")``: a signed-in panel client."""
    opened = []

    async def login(username: str) -> AdminClient:
        http = client_for(asgi)
        opened.append(http)
        client = AdminClient(http)
        assert (await client.login(username)).status_code == 303
        return client

    yield login
    for http in opened:
        await http.aclose()


def field_block(html: str, name: str) -> str:
    """The markup of one input with its messages (admin/forms.py wraps each in ``id="field-<name>"``)."""
    start = html.index(f'id="field-{name}"')
    end = html.find('<div class="simpul-field', start + 1)
    return html[start:end if end != -1 else len(html)]


def errors_of(html: str, name: str) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]*)<', field_block(html, name))


def options_of(html: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the ``<select name=...>`` options."""
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {name}"
    return [(v, t.strip()) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))]


def location(response) -> str:
    assert response.status_code == 303, response.text[:2000]
    return response.headers["location"]


# --- forms that forgive -----------------------------------------------------------------------


async def test_a_refused_create_keeps_what_was_typed_and_shows_every_error_under_its_field(world, panel):
    kominfo = await panel("kominfo")
    # Given a new app with three mistakes at once: a taken slug, no category, a date that is no date
    response = await kominfo.post("/admin/app/create", {
        "name": "Aplikasi Antrean Puskesmas", "slug": "laksa", "description": "Antre dari rumah, <b>tanpa</b> kertas.",
        "owner_unit": "Dinas Kesehatan", "launched_on": "31-02-2026",
    })
    # Then the form comes back with all three, each under its own input
    assert response.status_code == 400
    html = response.text
    assert errors_of(html, "slug") and errors_of(html, "category") and errors_of(html, "launched_on")
    assert not errors_of(html, "name") and not errors_of(html, "description")
    assert 'id="form-error"' in html and "3" in html[html.index('id="form-error"'):][:300]
    # and with what was typed, escaped, in both the text inputs and the text area
    assert 'value="Aplikasi Antrean Puskesmas"' in field_block(html, "name")
    assert "Antre dari rumah, &lt;b&gt;tanpa&lt;/b&gt; kertas." in field_block(html, "description")
    assert 'value="laksa"' in field_block(html, "slug")
    assert 'value="Dinas Kesehatan"' in field_block(html, "owner_unit")
    assert await App.filter(name="Aplikasi Antrean Puskesmas").count() == 0


async def test_a_refused_edit_keeps_the_edit_not_the_stored_values(world, panel):
    kominfo = await panel("kominfo")
    app = world.apps[1]
    response = await kominfo.post(f"/admin/app/update/{app.pk}", {
        "name": "e-Office Baru", "slug": "laksa", "category": app.category.value, "platform": "WEB", "status": "ACTIVE",
    })
    assert response.status_code == 400
    assert 'value="e-Office Baru"' in field_block(response.text, "name")
    assert errors_of(response.text, "slug")
    assert (await App.get(pk=app.pk)).name == "e-Office"


async def test_errors_are_in_the_panels_language(world, panel):
    kominfo = await panel("kominfo")
    form = {"name": "X", "slug": "laksa", "category": "COMPLAINTS"}
    indonesian = await kominfo.post("/admin/app/create", form)
    english = await kominfo.post("/admin/app/create?language=en_US", form)
    assert "sudah dipakai" in errors_of(indonesian.text, "slug")[0]
    assert "sudah dipakai" not in errors_of(english.text, "slug")[0]


async def test_success_messages_after_save_and_delete(world, panel):
    kominfo = await panel("kominfo")
    created = location(await kominfo.post("/admin/app/create", {"name": "SiPanda", "slug": "sipanda", "category": "COMPLAINTS"}))
    assert "notice=saved" in created
    page = await kominfo.get(created)
    assert 'id="notice"' in page.text and "Data tersimpan." in page.text
    app = await App.get(slug="sipanda")
    updated = location(await kominfo.post(f"/admin/app/update/{app.pk}", {"name": "SiPanda 2", "slug": "sipanda", "category": "COMPLAINTS"}))
    assert "Data tersimpan." in (await kominfo.get(updated)).text
    deleted = location(await kominfo.post(f"/admin/app/delete/{app.pk}"))
    listing = await kominfo.get(deleted)
    assert urlsplit(deleted).path == "/admin/app/list" and "Data terhapus." in listing.text
    # an unknown notice says nothing rather than whatever the address holds
    assert 'id="notice"' not in (await kominfo.get("/admin/app/list?notice=%3Cscript%3E")).text
    assert 'id="notice"' not in (await kominfo.get("/admin/app/list?notice=hacked")).text


async def test_save_and_return_goes_back_to_the_same_list_page_and_filters(world, panel):
    staff = await panel("staff.karawang")
    complaint = world.complaints["32.15"][1]
    list_url = "/admin/complaint/list?status=RECEIVED&page_size=1&page_num=2&sort=tracking_code"
    listing = await staff.get(list_url)
    assert f'data-id="{complaint.pk}"' in listing.text  # the second of Karawang's three, by tracking code
    link = re.search(rf'href="(/admin/complaint/update/{complaint.pk}\?[^"]+)"', listing.text).group(1).replace("&amp;", "&")
    next_url = parse_qs(urlsplit(link).query)["next"][0]
    assert next_url == list_url
    page = await staff.get(link)
    assert f'name="next" value="{list_url.replace("&", "&amp;")}"' in page.text
    assert f'href="{list_url.replace("&", "&amp;")}"' in page.text  # "Kembali" goes there too
    back = location(await staff.post(f"/admin/complaint/update/{complaint.pk}",
                                     {"category": "ASPIRATION", "next": next_url, "save_and_return": ""}))
    assert urlsplit(back).path == "/admin/complaint/list"
    assert parse_qs(urlsplit(back).query) == {**parse_qs(urlsplit(list_url).query), "notice": ["saved"]}
    # a plain save stays on the row and keeps the way back
    stay = location(await staff.post(f"/admin/complaint/update/{complaint.pk}", {"category": "COMPLAINT", "next": next_url}))
    assert urlsplit(stay).path == f"/admin/complaint/update/{complaint.pk}"
    assert parse_qs(urlsplit(stay).query)["next"] == [next_url]


@pytest.mark.parametrize("next_url", [
    "https://evil.example/admin/complaint/list", "//evil.example/admin/", "/adminx/complaint/list",
    "/admin/../graphql", "javascript:alert(1)", "/admin\\complaint", "\t/admin/complaint/list", "",
])
async def test_next_stays_inside_the_panel(world, panel, next_url):
    staff = await panel("staff.karawang")
    complaint = world.complaints["32.15"][0]
    back = location(await staff.post(f"/admin/complaint/update/{complaint.pk}",
                                     {"category": "ASPIRATION", "next": next_url, "save_and_return": ""}))
    assert back == "/admin/complaint/list?notice=saved"
    page = await staff.get(f"/admin/complaint/update/{complaint.pk}", params={"next": next_url})
    assert 'name="next"' not in page.text


# --- role-aware forms -------------------------------------------------------------------------


async def test_staff_create_a_complaint_in_their_own_regency_fixed(world, panel):
    staff = await panel("staff.karawang")
    page = (await staff.get("/admin/complaint/create")).text
    regency = field_block(page, "regency")
    assert 'data-fixed="regency"' in regency and "Kabupaten Karawang" in regency
    assert f'type="hidden" name="regency" value="{world.karawang.pk}"' in regency
    assert "Kabupaten Bekasi" not in page
    form = {"regency": world.karawang.pk, "title": "Lampu jalan mati", "body": "Jl. Tuparev sejak Senin.",
            "category": "COMPLAINT", "reporter_name": "Siti", "reporter_contact": "0812-0000-0000"}
    location(await staff.post("/admin/complaint/create", form))
    created = await Complaint.get(title="Lampu jalan mati")
    assert created.regency_id == world.karawang.pk
    # A forged regency is refused on its field, the report kept, nothing saved and no 403 page
    forged = await staff.post("/admin/complaint/create", {**form, "regency": world.bekasi.pk, "title": "Palsu"})
    assert forged.status_code == 400
    assert errors_of(forged.text, "regency") and 'value="Palsu"' in field_block(forged.text, "title")
    assert not await Complaint.filter(title="Palsu").exists()


async def test_staff_holding_two_regencies_choose_among_them_with_no_default(world, panel):
    from permissions.management import assign_role

    await assign_role("staff.karawang", "regency_staff", "32.16")
    staff = await panel("staff.karawang")
    page = (await staff.get("/admin/complaint/create")).text
    options = options_of(page, "regency")
    assert options[0][0] == "" and {v for v, _ in options[1:]} == {str(world.karawang.pk), str(world.bekasi.pk)}
    assert re.findall(r'<option value="(\d*)"[^>]*selected', re.search(r'<select[^>]*name="regency".*?</select>', page, re.S).group(0)) in ([], [""])


async def test_kominfo_chooses_the_regency_nothing_preselected(world, panel):
    kominfo = await panel("kominfo")
    page = (await kominfo.get("/admin/complaint/create")).text
    options = options_of(page, "regency")
    assert options[0] == ("", "— Pilih —")
    assert len(options) == 4
    select = re.search(r'<select[^>]*name="regency"[^>]*>', page).group(0)
    assert "required" in select
    # the same for a required choice without a default (an app's category)
    assert options_of((await kominfo.get("/admin/app/create")).text, "category")[0][0] == ""


async def test_list_filters_offer_only_what_the_caller_can_see(world, panel):
    staff, kominfo = await panel("staff.karawang"), await panel("kominfo")
    regencies = {t for v, t in options_of((await staff.get("/admin/complaint/list")).text, "regency") if v}
    assert regencies == {"Kabupaten Karawang"}
    everyone = {t for v, t in options_of((await kominfo.get("/admin/complaint/list")).text, "regency") if v}
    assert everyone == {"Kota Tangerang", "Kabupaten Karawang", "Kabupaten Bekasi"}
    # agreements that are not drafts are public: staff may filter them by any regency
    agreements = {t for v, t in options_of((await staff.get("/admin/agreement/list")).text, "regency") if v}
    assert agreements == everyone


async def test_rows_the_caller_cannot_change_say_lihat(world, panel):
    staff, kominfo = await panel("staff.karawang"), await panel("kominfo")
    agreements = (await staff.get("/admin/agreement/list")).text
    assert 'data-action="view"' in agreements and 'data-action="update"' not in agreements
    assert ">Lihat<" in agreements and ">Ubah<" not in agreements
    complaints = (await staff.get("/admin/complaint/list")).text
    assert 'data-action="update"' in complaints and 'data-action="view"' not in complaints
    assert 'data-action="view"' not in (await kominfo.get("/admin/agreement/list")).text
    # and the row opens read-only
    page = (await staff.get(f"/admin/agreement/update/{world.mou['32.15'].pk}")).text
    assert 'name="save"' not in page and "Hanya baca" in page


# --- the citizen's own words ------------------------------------------------------------------


async def test_staff_cannot_rewrite_the_citizens_words_in_the_panel(world, panel):
    staff = await panel("staff.karawang")
    complaint = world.complaints["32.15"][0]
    page = (await staff.get(f"/admin/complaint/update/{complaint.pk}")).text
    for name in ("title", "body", "reporter_name", "reporter_contact"):
        block = field_block(page, name)
        assert "disabled" in block and "tidak dapat diubah" in block, name
    assert "disabled" not in field_block(page, "category")
    # When staff post new words anyway, the words stay and the rest is saved
    location(await staff.post(f"/admin/complaint/update/{complaint.pk}", {
        "title": "dibajak", "body": "dibajak", "reporter_name": "X", "reporter_contact": "X", "category": "ASPIRATION",
    }))
    row = await Complaint.get(pk=complaint.pk)
    assert (row.title, row.body, row.reporter_name, row.reporter_contact) == (
        complaint.title, complaint.body, complaint.reporter_name, complaint.reporter_contact)
    assert row.category == "ASPIRATION"


async def test_kominfo_may_correct_the_citizens_words_in_the_panel(world, panel):
    kominfo = await panel("kominfo")
    complaint = world.complaints["32.15"][0]
    page = (await kominfo.get(f"/admin/complaint/update/{complaint.pk}")).text
    assert "disabled" not in field_block(page, "title")
    location(await kominfo.post(f"/admin/complaint/update/{complaint.pk}", {
        "regency": world.karawang.pk, "title": "Judul dirapikan", "body": complaint.body, "category": "COMPLAINT",
        "reporter_name": complaint.reporter_name, "reporter_contact": complaint.reporter_contact,
    }))
    assert (await Complaint.get(pk=complaint.pk)).title == "Judul dirapikan"


async def test_staff_cannot_rewrite_the_citizens_words_through_the_api(world, as_role):
    complaint = world.complaints["32.15"][0]
    staff = as_role("staff.karawang")
    for change in ({"title": "dibajak"}, {"body": "dibajak"}, {"reporterName": "X"}, {"reporterContact": "X"},
                   {"title": "dibajak", "category": "ASPIRATION"}):
        body = await staff(QUERY_UPDATE, {"id": str(complaint.pk), "i": change})
        [error] = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN" and error["extensions"]["reason"] == "FIELD_FROZEN", body
        assert error["extensions"]["field"] == next(iter(change))
    row = await Complaint.get(pk=complaint.pk)
    assert (row.title, row.body, row.reporter_name, row.category) == (complaint.title, complaint.body, complaint.reporter_name, "COMPLAINT")
    # the stored words sent back unchanged are no change; the rest of the complaint is staff's to work
    same = await staff(QUERY_UPDATE, {"id": str(complaint.pk), "i": {"title": complaint.title, "category": "ASPIRATION"}})
    assert same["data"]["updateComplaint"] == {"id": str(complaint.pk), "title": complaint.title, "category": "ASPIRATION"}
    # and Kominfo, whose update holds everywhere, may correct them
    fixed = await as_role("kominfo")(QUERY_UPDATE, {"id": str(complaint.pk), "i": {"title": "Judul dirapikan"}})
    assert fixed["data"]["updateComplaint"]["title"] == "Judul dirapikan"


async def test_several_refused_fields_come_back_together_from_the_api(world, as_role):
    create = "mutation($i: AppCreateInput!) { createApp(input: $i) { id } }"
    body = await as_role("kominfo")(create, {"i": {"name": "x" * 121, "slug": "laksa", "category": "COMPLAINTS"}})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["reason"] == "INVALID_FIELDS"
    assert [e["field"] for e in error["extensions"]["errors"]] == ["name", "slug"]
    assert all(e["message"] in error["message"] for e in error["extensions"]["errors"])
    # one refused field keeps the one-error shape
    one = await as_role("kominfo")(create, {"i": {"name": "LAKSA 2", "slug": "laksa", "category": "COMPLAINTS"}})
    assert one["errors"][0]["extensions"]["field"] == "slug" and "errors" not in one["errors"][0]["extensions"]


def test_declaration_entries_name_what_exists():
    registry_with(conditions={"upcoming": upcoming}, highlight=("upcoming",), frozen_after_create=("title", "region"))
    refused(
        "Announcement.Simpul.highlight names 'upcomin', which is not one of Announcement's conditions "
        "(Simpul.conditions); did you mean 'upcoming'?",
        conditions={"upcoming": upcoming}, highlight=("upcomin",),
    )
    refused(
        "Announcement.Simpul.frozen_after_create names 'titel', which is not a field of Announcement; did you mean 'title'?",
        frozen_after_create=("titel",),
    )
    refused(
        "Announcement.Simpul.frozen_after_create names 'views', which is readonly (Announcement.Simpul.readonly): "
        "no input ever sets it, so freezing it says nothing. Take 'views' out of one of the two.",
        readonly=("views",), frozen_after_create=("views",),
    )
    refused(
        "Announcement.Simpul.highlight is the string 'upcoming', not a tuple of names; write ('upcoming',) with the comma.",
        conditions={"upcoming": upcoming}, highlight="upcoming",
    )


# --- lists ------------------------------------------------------------------------------------


async def test_overdue_rows_are_highlighted(world, panel):
    late = world.complaints["32.15"][0]
    await Complaint.filter(pk=late.pk).update(due_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
    html = (await (await panel("staff.karawang")).get("/admin/complaint/list")).text
    rows = dict(re.findall(r'<tr data-id="(\d+)" class="([^"]*)"', html))
    assert "simpul-highlight-overdue" in rows[str(late.pk)]
    assert all("simpul-highlight" not in rows[str(c.pk)] for c in world.complaints["32.15"][1:])
    late_row = html[html.index(f'<tr data-id="{late.pk}"'):]
    assert '<span class="badge bg-red-lt simpul-flag">Terlambat</span>' in late_row[:late_row.index("</tr>")]


async def test_columns_sort_from_the_declaration(world, panel):
    kominfo = await panel("kominfo")
    html = (await kominfo.get("/admin/complaint/list")).text
    sortable = set(re.findall(r'<th[^>]*data-column="(\w+)"[^>]*>\s*<a class="simpul-sort', html))
    assert sortable == {"id", "tracking_code", "status", "created_at", "due_at"}
    codes = sorted(c.tracking_code for cs in world.complaints.values() for c in cs)
    descending = (await kominfo.get("/admin/complaint/list?sort=-tracking_code")).text
    assert [c for c in re.findall(r"ADU-\d{4}-\d{4}-\d{6}", descending) if c in codes] == codes[::-1]
    assert 'aria-sort="descending"' in descending and "sort=tracking_code" in descending  # the header now sorts back up
    # a column the declaration does not sort (or anything else) falls back to the default order
    for bad in ("title", "reporter_name", "--id", "id;drop"):
        assert (await kominfo.get(f"/admin/complaint/list?sort={bad}")).status_code == 200


async def test_page_numbers_and_a_jump_keep_the_filters(world, panel):
    kominfo = await panel("kominfo")
    html = (await kominfo.get("/admin/complaint/list?page_size=1&page_num=3&status=RECEIVED")).text
    pages = re.search(r'<ul class="pagination m-0" id="pages">(.*?)</ul>', html, re.S).group(1)
    assert 'aria-current="page"><span class="page-link">3<' in pages
    numbers = [int(n) for n in re.findall(r'page_num=(\d+)', pages.replace("&amp;", "&"))]
    assert {1, 2, 4, 5, 6} <= set(numbers)
    assert "status=RECEIVED" in pages
    jump = re.search(r'<form[^>]*id="page-jump".*?</form>', html, re.S).group(0)
    assert 'name="status" value="RECEIVED"' in jump and 'name="page_size" value="1"' in jump and 'max="6"' in jump
    # a page past the end shows the last page
    last = (await kominfo.get("/admin/complaint/list?page_size=1&page_num=99")).text
    assert 'aria-current="page"><span class="page-link">6<' in last


# --- export -----------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[dict]:
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return [dict(zip(header, row)) for row in rows]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_export_holds_only_the_callers_rows_and_is_audited(world, panel, kind):
    staff = await panel("staff.karawang")
    listing = (await staff.get("/admin/complaint/list?status=RECEIVED&sort=-tracking_code")).text
    href = re.search(rf'id="export-{kind}" href="([^"]+)"', listing).group(1).replace("&amp;", "&")
    assert "status=RECEIVED" in href and "sort=-tracking_code" in href
    response = await staff.get(href)
    assert response.status_code == 200
    assert f'.{kind}"' in response.headers["content-disposition"]
    rows = (read_csv if kind == "csv" else read_xlsx)(response)
    ours = sorted((c.tracking_code for c in world.complaints["32.15"]), reverse=True)
    assert [r["Kode pelacakan"] for r in rows] == ours  # filtered and sorted as the page
    assert {r["Kabupaten/Kota"] for r in rows} == {"Kabupaten Karawang"}
    # staff read their reporters' details: the personal columns are there, filled in
    assert [r["Nama pelapor"] for r in rows] == [c.reporter_name for c in sorted(world.complaints["32.15"], key=lambda c: c.tracking_code, reverse=True)]
    entry = await AuditEntry.get(action="export")
    assert (entry.actor_name, entry.model, entry.source) == ("staff.karawang", "Complaint", "admin")
    assert entry.after["rows"] == 3 and entry.after["format"] == kind and entry.after["filters"] == {"status": "RECEIVED"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_export_leaves_out_personal_fields_the_caller_may_not_read(world, panel, kind):
    from models import User
    from permissions.management import add_rule, assign_role

    registry = registry_for_tests()
    # Given a reader of every regency's complaints who may read reporters only in Karawang,
    await add_rule("desk_reader", "*", "Complaint", "read", registry=registry)
    await add_rule("karawang_desk", "*", "Complaint", "read_personal", registry=registry)
    await User.create(username="pembaca", password_hash=_HASH)
    await assign_role("pembaca", "desk_reader", "*")
    await assign_role("pembaca", "karawang_desk", "32.15")
    # and one who may read no reporter at all
    await User.create(username="peninjau", password_hash=_HASH)
    await assign_role("peninjau", "desk_reader", "*")
    reader, reviewer = await panel("pembaca"), await panel("peninjau")
    read = read_csv if kind == "csv" else read_xlsx
    rows = read(await reader.get(f"/admin/complaint/export/{kind}"))
    names = {r["Kode pelacakan"]: r["Nama pelapor"] for r in rows}
    assert len(rows) == 6
    for code, complaints in world.complaints.items():
        for complaint in complaints:
            assert names[complaint.tracking_code] == (complaint.reporter_name if code == "32.15" else (None if kind == "xlsx" else ""))
    blind = read(await reviewer.get(f"/admin/complaint/export/{kind}"))
    assert len(blind) == 6 and "Nama pelapor" not in blind[0] and "Kontak pelapor" not in blind[0]
    content = (await reviewer.get(f"/admin/complaint/export/{kind}")).content
    assert not any(c.reporter_name.encode() in content for cs in world.complaints.values() for c in cs)


async def test_export_text_is_never_a_formula(world, panel):
    kominfo = await panel("kominfo")
    await Complaint.filter(pk=world.complaints["32.15"][0].pk).update(title="=HYPERLINK(\"http://x\")")
    rows = read_csv(await kominfo.get("/admin/complaint/export/csv?regency=%d" % world.karawang.pk))
    assert "'=HYPERLINK(\"http://x\")" in {r["Judul"] for r in rows}
    sheet = openpyxl.load_workbook(io.BytesIO((await kominfo.get("/admin/complaint/export/xlsx")).content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(\"http://x\")"]
    assert cells and all(c.data_type == "s" for c in cells)


async def test_export_needs_read_and_a_known_format(world, panel):
    staff = await panel("staff.karawang")
    assert (await staff.get("/admin/complaint/export/pdf")).status_code == 404
    assert (await staff.get("/admin/user/export/csv")).status_code == 403
    assert not await AuditEntry.filter(action="export").exists()


async def test_an_export_too_long_asks_to_filter_first(world, panel, monkeypatch):
    import admin.routes

    monkeypatch.setattr(admin.routes, "MAX_EXPORT_ROWS", 5)
    kominfo = await panel("kominfo")
    refused_export = await kominfo.get("/admin/complaint/export/csv")
    assert refused_export.status_code == 400 and "Saring daftarnya dulu" in refused_export.text
    assert (await kominfo.get(f"/admin/complaint/export/csv?regency={world.karawang.pk}")).status_code == 200
    assert await AuditEntry.filter(action="export").count() == 1
