"""Labels and help texts of the panel: per model first, written per language, the `#:` comment until someone translates it."""
import enum
import html
import re
from contextlib import contextmanager

import pytest
from markupsafe import escape

from admin import forms, i18n
from admin.i18n.coverage import missing_translations
from models.registry import registry_from_modules
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import TEST_MODEL_MODULES

REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))
#: Models declared by the tests (the throwaway ``Kiosk``) prove a new model works untranslated.
PRODUCT_MODELS = [spec.name for spec in REGISTRY if not spec.model.__module__.startswith("tests.")]
JARGON = re.compile(r"`|\bnull\b|\b[a-z]+[A-Z]\w*\b")  # backticks, null, GraphQL names such as signedOn


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def kominfo(world, asgi):
    async with client_for(asgi) as http:
        client = AdminClient(http)
        assert (await client.login("kominfo")).status_code == 303
        yield client


def help_entry(locale: str, model: str, field: str) -> str | None:
    """The catalogue's help text for the field (``help|Model.field``), or None."""
    key = f"help|{model}.{field}"
    text = i18n.catalogue(locale).ugettext(key)
    return None if text == key else text


@contextmanager
def speaking(locale: str):
    previous = i18n.current_locale()
    i18n.set_locale(locale)
    try:
        yield
    finally:
        i18n.set_locale(previous)


def in_page(text: str, html: str) -> bool:
    return str(escape(text)) in html


def form_error(page: str) -> str:
    found = re.search(r'id="form-error">(.*?)</div>', page, re.S)
    assert found, "page shows no error"
    return html.unescape(found.group(1)).strip()


def api_descriptions(spec) -> list[str]:
    """The English descriptions of the fields (the models' ``#:`` comments), as written and without backticks."""
    found = [f.description for f in forms.shown_fields(spec) if f.description]
    return found + [d.replace("`", "") for d in found]


def test_every_shown_field_has_a_help_text_in_every_language():
    """A catalogue entry, else the model's `#:` comment: a new field is never without a hint. What still
    lacks a translation is listed by `python -m server.manage translations`, not failed here."""
    missing = []
    for locale in i18n.LANGUAGES:
        i18n.set_locale(locale)
        missing += [
            f"{locale} {spec.name}.{field.name}"
            for spec in REGISTRY
            for field in forms.shown_fields(spec)
            if not i18n.field_help(spec.name, field.name, field.description)
        ]
    i18n.set_locale(i18n.DEFAULT_LOCALE)
    assert not missing


def test_help_texts_speak_to_staff_not_to_api_clients():
    offending = [
        (locale, spec.name, field.name, text)
        for spec in (REGISTRY[name] for name in PRODUCT_MODELS)
        for field in forms.shown_fields(spec)
        for locale in i18n.LANGUAGES
        if (text := help_entry(locale, spec.name, field.name)) and JARGON.search(text)
    ]
    assert not offending


async def test_complaint_page_hints_in_indonesian_by_default_english_on_request(world, kominfo):
    spec = REGISTRY["Complaint"]
    complaint = world.complaints["32.15"][0]
    # Given Kominfo, who may read the reporter's personal data
    # When the complaint's page is opened in the default language
    indonesian = (await kominfo.get(f"/admin/complaint/update/{complaint.id}")).text
    # Then each input has its Indonesian hint, and no English description is left
    assert "Data pribadi pelapor; hanya terlihat oleh petugas kabupaten/kota yang berwenang." in indonesian
    for field in forms.shown_fields(spec):
        assert in_page(help_entry("id_ID", "Complaint", field.name), indonesian), field.name
    assert not [d for d in api_descriptions(spec) if in_page(d, indonesian)]
    # When English is chosen, the English hints are shown, in plain words
    english = (await kominfo.get(f"/admin/complaint/update/{complaint.id}?language=en_US")).text
    for field in forms.shown_fields(spec):
        assert in_page(help_entry("en_US", "Complaint", field.name), english), field.name
    assert "Personal data: only staff authorised for this regency or city can see it." in english
    assert "`null`" not in english and "Data pribadi pelapor" not in english


async def test_untranslated_model_shows_its_comments_as_hints_in_every_language(world, kominfo):
    """A field without any catalogue entry shows its `#:` comment: the default text until someone translates it."""
    assert "Where the kiosk stands." in api_descriptions(REGISTRY["Kiosk"])
    for query in ("", "?language=en_US"):
        page = (await kominfo.get(f"/admin/kiosk/create{query}")).text
        assert in_page("Where the kiosk stands.", page) and in_page("Number of screens.", page), query
        # ...while its labels are the names made readable, never another model's label
        assert in_page("Location", page) and in_page("Screens", page)


def test_a_models_own_label_wins_over_the_field_name_fallback():
    with speaking("id_ID"):
        assert i18n.field_label("body", "Complaint") == "Isi laporan"
        assert i18n.field_label("created_at", "Complaint") == "Diterima pada"
        assert i18n.field_label("parent", "Agreement") == "MoU induk"
        # A new model with the same field names gets the label for every model, not Complaint's
        assert i18n.field_label("body", "Kiosk") == "Isi"
        assert i18n.field_label("created_at", "Kiosk") == "Dibuat pada"
        assert i18n.field_label("status", "Kiosk") == "Status"
        # ...and a name no catalogue knows is made readable
        assert i18n.field_label("screens", "Kiosk") == "Screens"
    with speaking("en_US"):
        assert i18n.field_label("body", "Complaint") == "Report"
        assert i18n.field_label("body", "Kiosk") == "Body"


def test_complaint_labels_are_unchanged_in_indonesian():
    expected = {
        "id": "ID", "tracking_code": "Kode pelacakan", "regency": "Kabupaten/Kota", "app": "Aplikasi",
        "title": "Judul", "body": "Isi laporan", "category": "Kategori", "reporter_name": "Nama pelapor",
        "reporter_contact": "Kontak pelapor", "status": "Status", "created_at": "Diterima pada",
        "updated_at": "Diperbarui", "resolved_at": "Diselesaikan", "due_at": "Tenggat", "overdue": "Terlambat",
    }
    with speaking("id_ID"):
        assert i18n.model_label("Complaint") == "Pengaduan"
        assert {name: i18n.field_label(name, "Complaint") for name in expected} == expected


def test_an_untranslated_enum_value_is_labelled_by_its_member_name():
    class Size(str, enum.Enum):
        EXTRA_LARGE = "xl"

    with speaking("id_ID"):
        assert i18n.value_label(Size.EXTRA_LARGE) == "Extra large"
        assert i18n.value_label("IN_PROGRESS") == "Diproses"


def test_missing_translations_lists_a_new_models_texts():
    missing = set(missing_translations(REGISTRY))
    # The throwaway Kiosk has no entries: its model label, the labels no other model lends it, its hints
    for locale in i18n.LANGUAGES:
        assert {
            (locale, "model|Kiosk"), (locale, "field|Kiosk.location"), (locale, "field|Kiosk.screens"),
            (locale, "help|Kiosk.location"), (locale, "help|Kiosk.screens"), (locale, "help|Kiosk.regency"),
        } <= missing
        # `id` and `regency` have labels for every model
        assert (locale, "field|Kiosk.id") not in missing and (locale, "field|Kiosk.regency") not in missing
    # A new model is not a failing test: the command lists what to translate, the panel shows the defaults.


async def test_service_errors_name_the_field_in_the_panels_language(world, kominfo):
    """The API's messages are English; the panel writes an error from its reason code and params, in its language."""
    taken = {"username": "kominfo", "password": "kata-sandi-baru-123", "role": "regency_staff", "regency_code": "32.16"}
    indonesian = await kominfo.post("/admin/user/create", taken)
    assert indonesian.status_code == 400
    assert form_error(indonesian.text) == "Nama pengguna “kominfo” sudah dipakai; pilih yang lain."
    await kominfo.get("/admin/user/list?language=en_US")
    english = await kominfo.post("/admin/user/create", taken)
    assert form_error(english.text) == "Username “kominfo” is already taken; choose another."
    # An error without a translated reason keeps the field's label in front of the service's message
    # (tests/test_error_reasons.py); with one, the params are written in
    missing = await kominfo.post("/admin/user/create", {**taken, "username": "staff.baru", "regency_code": ""})
    assert form_error(missing.text) == "The role regency_staff needs the code of the regency the account works for."
