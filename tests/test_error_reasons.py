"""Errors carry a reason code and params; the panel writes them in its language from its catalogue.

The API keeps English messages and adds ``extensions.reason`` (and ``extensions.params``) so a
frontend can translate too; the panel looks up ``error|<REASON>`` in its catalogue (Indonesian by
default, English on request). Every reason raised anywhere in the code has a translation in both
catalogues: a reason without one would show the English message in the Indonesian panel.
"""
from __future__ import annotations

import ast
import datetime as dt
import html
import re
from pathlib import Path

import pytest

from admin import i18n
from core.errors import BadUserInput
from models import Agreement, App
from models.enums import AgreementStatus as St
from tests.admin_client import AdminClient, admin_asgi, client_for

ROOT = Path(__file__).resolve().parents[1]
REASON_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}")
LOCALES = tuple(i18n.LANGUAGES)

CREATE_AGREEMENT = "mutation($i: AgreementCreateInput!) { createAgreement(input: $i) { id status } }"
UPDATE_AGREEMENT = "mutation($id: ID!, $i: AgreementUpdateInput!) { updateAgreement(id: $id, input: $i) { id status } }"


def source_files() -> list[Path]:
    """The code base's Python files: not the virtualenv, not the tests (their reasons are made up)."""
    skipped = {"tests", "node_modules", "__pycache__"}
    return [
        path for path in ROOT.rglob("*.py")
        if not any(part.startswith(".") or part in skipped for part in path.relative_to(ROOT).parts)
    ]


def raised_reasons() -> dict[str, list[str]]:
    """Reason code → the files that raise it.

    Found as Python reads the code: ``reason="X"`` in a call (``BadUserInput(..., reason="X")``,
    ``dict(reason="X")``), ``reason=NAME`` where the module sets ``NAME = "X"``, and
    ``reason = "X"`` assigned (a validator's class attribute).
    """
    found: dict[str, list[str]] = {}
    for path in source_files():
        for reason in reasons_in(ast.parse(path.read_text(encoding="utf-8"))):
            found.setdefault(reason, []).append(str(path.relative_to(ROOT)))
    return found


def reasons_in(tree: ast.Module) -> set[str]:
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets if isinstance(target, ast.Name)
    }

    def code(value: ast.expr) -> str | None:
        text = value.value if isinstance(value, ast.Constant) else constants.get(getattr(value, "id", None))
        return text if isinstance(text, str) and REASON_CODE.match(text) else None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= {code(k.value) for k in node.keywords if k.arg == "reason"}
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "reason" for t in node.targets):
            found.add(code(node.value))
    return found - {None}


def catalogue_entry(locale: str, reason: str) -> str | None:
    key = f"error|{reason}"
    text = i18n.catalogue(locale).ugettext(key)
    return None if text == key else text


def only_error(body: dict) -> dict:
    assert len(body.get("errors") or []) == 1, body
    return body["errors"][0]


def pks_input(world, **values) -> dict:
    """A PKS following Karawang's MoU (signed 2018-05-16, valid until 2030-05-16)."""
    return {
        "number": "PKS/32.15/2019", "kind": "PKS", "title": "PKS Aplikasi Smart City",
        "regencyId": str(world.karawang.id), "providerId": str(world.tangerang.id),
        "parentId": str(world.mou["32.15"].id), "status": "SIGNED", "signedOn": "2018-08-15",
        "validUntil": "2030-05-16", "appIds": [str(world.apps[0].id)],
    } | values


# --- every reason has a translation -------------------------------------------------------------


def test_the_code_base_raises_reasons():
    reasons = raised_reasons()
    # the agreement rules, the slug rule and the generic ones are found where they are raised
    for reason in ("AGREEMENT_PKS_BEFORE_MOU", "AGREEMENT_PKS_BEYOND_MOU", "AGREEMENT_ACTIVE_PKS_WITHOUT_APPS",
                   "AGREEMENT_MOU_HAS_APPS", "APP_SLUG_FORMAT", "REQUIRED", "UNIQUE_TAKEN", "STILL_REFERENCED",
                   "TOO_LONG", "NOT_ONE_OF", "UNKNOWN_REFERENCE", "INVALID_ID"):
        assert reason in reasons, reason


def test_the_finder_sees_every_way_a_reason_is_written():
    tree = ast.parse(
        'GONE = "CODE_A"\n'
        'raise BadUserInput("m", reason="CODE_B")\n'
        'raise BadUserInput("m", reason=GONE)\n'
        'class Rule:\n    reason = "CODE_C"\n'
        'extra = dict(reason="CODE_D", params={})\n'
        'websocket.close(code=4429, reason=why)\n'
        'raise BadUserInput("m", reason="not a code")\n'
    )
    assert reasons_in(tree) == {"CODE_A", "CODE_B", "CODE_C", "CODE_D"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_raised_reason_is_translated(locale):
    missing = {reason: files for reason, files in raised_reasons().items() if not catalogue_entry(locale, reason)}
    assert not missing, (
        f"reasons without error|<REASON> in admin/i18n/{locale}/LC_MESSAGES/messages.po "
        f"(the panel would show the English message): {missing}"
    )


def test_both_languages_fill_in_the_same_params():
    for reason in raised_reasons():
        texts = [catalogue_entry(locale, reason) for locale in LOCALES]
        if None in texts:
            continue  # reported by test_every_raised_reason_is_translated
        names = [set(PLACEHOLDER.findall(text)) for text in texts]
        assert all(n == names[0] for n in names), (reason, texts)


# --- the agreement rules through the API ---------------------------------------------------------


async def test_a_pks_signed_before_its_mou_is_refused_with_reason_and_params(world, as_role):
    body = await as_role("kominfo")(CREATE_AGREEMENT, {"i": pks_input(world, signedOn="2018-05-15")})
    error = only_error(body)
    assert error["message"] == (
        "A PKS cannot be signed (2018-05-15) before its MoU MOU/32.15/2018 (2018-05-16)."
    )
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT", "field": "signedOn", "reason": "AGREEMENT_PKS_BEFORE_MOU",
        "params": {"pks": "2018-05-15", "mou": "2018-05-16", "mouNumber": "MOU/32.15/2018"},
    }
    assert not await Agreement.filter(number="PKS/32.15/2019").exists()


async def test_a_pks_valid_beyond_its_mou_is_refused(world, as_role):
    body = await as_role("kominfo")(CREATE_AGREEMENT, {"i": pks_input(world, validUntil="2030-05-17")})
    extensions = only_error(body)["extensions"]
    assert (extensions["field"], extensions["reason"]) == ("validUntil", "AGREEMENT_PKS_BEYOND_MOU")
    assert extensions["params"] == {"pks": "2030-05-17", "mou": "2030-05-16", "mouNumber": "MOU/32.15/2018"}
    # ending with its MoU is fine
    body = await as_role("kominfo")(CREATE_AGREEMENT, {"i": pks_input(world)})
    assert body["data"]["createAgreement"]["status"] == "SIGNED", body


async def test_an_active_pks_without_apps_is_refused(world, as_role):
    kominfo = as_role("kominfo")
    body = await kominfo(CREATE_AGREEMENT, {"i": pks_input(world, status="ACTIVE", appIds=[])})
    extensions = only_error(body)["extensions"]
    assert (extensions["field"], extensions["reason"]) == ("appIds", "AGREEMENT_ACTIVE_PKS_WITHOUT_APPS")
    # nor may an update take the last app away from one
    created = await kominfo(CREATE_AGREEMENT, {"i": pks_input(world, status="ACTIVE")})
    pks_id = created["data"]["createAgreement"]["id"]
    body = await kominfo(UPDATE_AGREEMENT, {"id": pks_id, "i": {"appIds": []}})
    assert only_error(body)["extensions"]["reason"] == "AGREEMENT_ACTIVE_PKS_WITHOUT_APPS"
    assert await (await Agreement.get(pk=pks_id)).apps.all().count() == 1


async def test_an_mou_with_apps_is_refused_through_the_api(world, as_role):
    mou = {
        "number": "NK/32.16/2024", "kind": "MOU", "title": "Nota Kesepakatan", "regencyId": str(world.bekasi.id),
        "providerId": str(world.tangerang.id), "status": "SIGNED", "signedOn": "2024-05-15",
        "validUntil": "2029-05-14",
    }
    kominfo = as_role("kominfo")
    body = await kominfo(CREATE_AGREEMENT, {"i": mou | {"appIds": [str(app.id) for app in world.apps[:2]]}})
    extensions = only_error(body)["extensions"]
    assert extensions == {"code": "BAD_USER_INPUT", "field": "appIds", "reason": "AGREEMENT_MOU_HAS_APPS",
                          "params": {"count": 2}}
    body = await kominfo(CREATE_AGREEMENT, {"i": mou})
    assert body["data"]["createAgreement"]["status"] == "SIGNED", body


async def test_a_slug_with_a_space_is_refused(world, as_role):
    body = await as_role("kominfo")(
        "mutation($i: AppCreateInput!) { createApp(input: $i) { id } }",
        {"i": {"name": "LAKSA Baru", "slug": "laksa baru", "category": "COMPLAINTS"}},
    )
    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug", "reason": "APP_SLUG_FORMAT"}
    assert error["message"].startswith("slug may contain only lowercase letters, digits and single dashes")
    assert not await App.filter(name="LAKSA Baru").exists()


# --- generic errors carry reasons too ------------------------------------------------------------


async def test_generic_errors_carry_reasons(world, as_role):
    kominfo = as_role("kominfo")
    create_app = "mutation($i: AppCreateInput!) { createApp(input: $i) { id } }"
    # a unique value already taken: the field and the value
    taken = only_error(await kominfo(create_app, {"i": {"name": "Dup", "slug": "laksa", "category": "HEALTH"}}))
    assert taken["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug", "reason": "UNIQUE_TAKEN",
                                   "params": {"field": "slug", "value": "laksa"}}
    # too long
    long = only_error(await kominfo(create_app, {"i": {"name": "x" * 121, "slug": "long", "category": "HEALTH"}}))
    assert long["extensions"]["reason"] == "TOO_LONG" and long["extensions"]["params"] == {"max": 120, "length": 121}
    # a row still referenced by others
    referenced = only_error(await kominfo("mutation($id: ID!) { deleteRegency(id: $id) }", {"id": str(world.karawang.id)}))
    assert referenced["extensions"]["reason"] == "STILL_REFERENCED"
    assert referenced["extensions"]["params"] == {"model": "Regency", "id": world.karawang.id}
    # ids that match nothing, an id that cannot be one
    unknown = only_error(await kominfo(UPDATE_AGREEMENT, {"id": str(world.draft["32.15"].id), "i": {"appIds": ["31337"]}}))
    assert unknown["extensions"]["reason"] == "UNKNOWN_REFERENCES"
    assert unknown["extensions"]["params"] == {"model": "App", "ids": [31337]}
    invalid = only_error(await kominfo(UPDATE_AGREEMENT, {"id": str(world.draft["32.15"].id), "i": {"regencyId": "abc"}}))
    assert (invalid["extensions"]["reason"], invalid["extensions"]["field"]) == ("INVALID_ID", "regencyId")
    # a citizen's submission: a blank title, an unknown regency
    submit = "mutation($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingCode } }"
    citizen = {"regencyCode": "32.15", "title": " ", "body": "Isi", "reporterName": "Siti", "reporterContact": "0812"}
    blank = only_error(await as_role("anonymous")(submit, {"i": citizen}))
    assert (blank["extensions"]["reason"], blank["extensions"]["field"]) == ("REQUIRED", "title")
    nowhere = only_error(await as_role("anonymous")(submit, {"i": citizen | {"title": "Judul", "regencyCode": "99.99"}}))
    assert nowhere["extensions"]["reason"] == "UNKNOWN_REFERENCE"
    assert nowhere["extensions"]["params"] == {"model": "Regency", "value": "99.99"}


# --- the panel writes them in its language -------------------------------------------------------


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi()


@pytest.fixture
async def kominfo(world, asgi):
    async with client_for(asgi) as http:
        client = AdminClient(http)
        assert (await client.login("kominfo")).status_code == 303
        yield client


def shows(response, text: str) -> bool:
    return text in html.unescape(response.text)


async def test_the_panel_shows_a_pks_before_its_mou_in_indonesian_then_english(world, kominfo):
    # Given a draft PKS whose signing date was stored before its MoU's (as an older version allowed)
    pks = world.draft["32.15"]
    await Agreement.filter(pk=pks.pk).update(signed_on=dt.date(2018, 5, 1))
    # When an officer saves it in the panel
    refused = await kominfo.post(f"/admin/agreement/update/{pks.pk}", {"title": "PKS Karawang"})
    # Then the rule is explained in Indonesian, with the dates as dd/mm/yyyy
    assert refused.status_code == 400
    expected = "PKS tidak boleh ditandatangani (01/05/2018) sebelum MoU-nya, MOU/32.15/2018, ditandatangani (16/05/2018)."
    assert shows(refused, expected), refused.text[:3000]
    assert not shows(refused, "A PKS cannot be signed")
    # and in English once the officer picks English
    await kominfo.get("/admin/agreement/list?language=en_US")
    english = await kominfo.post(f"/admin/agreement/update/{pks.pk}", {"title": "PKS Karawang"})
    assert shows(english, "A PKS cannot be signed (01/05/2018) before its MoU, MOU/32.15/2018, was signed (16/05/2018).")


async def test_the_panel_refuses_each_agreement_rule_in_indonesian(world, kominfo):
    mou, pks = world.mou["32.16"], world.draft["32.16"]
    # an MoU that still lists apps (the test world's MoUs do) cannot be saved until they go
    refused = await kominfo.post(f"/admin/agreement/update/{mou.pk}", {"title": "MoU Bekasi"})
    assert refused.status_code == 400
    assert shows(refused, "MoU tidak memuat aplikasi (3 dipilih): aplikasi dicantumkan dalam PKS yang mengikutinya.")
    # a PKS valid beyond its MoU
    await Agreement.filter(pk=pks.pk).update(signed_on=dt.date(2018, 8, 15), valid_until=dt.date(2031, 1, 1))
    beyond = await kominfo.post(f"/admin/agreement/update/{pks.pk}", {"title": "PKS Bekasi"})
    assert shows(beyond, "PKS tidak boleh berlaku (01/01/2031) melewati masa berlaku MoU-nya, MOU/32.16/2018, "
                         "yang berakhir 16/05/2030.")
    # an ACTIVE PKS without apps
    await Agreement.filter(pk=pks.pk).update(valid_until=dt.date(2030, 5, 16))
    active = await kominfo.post(f"/admin/agreement/update/{pks.pk}", {"status": "ACTIVE"})
    assert shows(active, "PKS yang aktif harus memuat paling sedikit satu aplikasi: pilih aplikasi yang diadopsi.")
    assert (await Agreement.get(pk=pks.pk)).status is St.DRAFT
    # a validUntil before signedOn, in the panel's words and dates
    await Agreement.filter(pk=pks.pk).update(valid_until=dt.date(2018, 8, 1))
    early_end = await kominfo.post(f"/admin/agreement/update/{pks.pk}", {"title": "PKS Bekasi"})
    assert shows(early_end, "Tanggal berlaku sampai (01/08/2018) harus sesudah tanggal penandatanganan (15/08/2018).")


async def test_the_panel_translates_generic_errors(world, kominfo):
    app = {"name": "LAKSA Baru", "category": "COMPLAINTS", "platform": "WEB", "status": "ACTIVE"}
    taken = await kominfo.post("/admin/app/create", app | {"slug": "laksa"})
    assert taken.status_code == 400
    assert shows(taken, "Slug “laksa” sudah dipakai; pilih yang lain.")
    spaced = await kominfo.post("/admin/app/create", app | {"slug": "laksa baru"})
    assert shows(spaced, "Slug hanya boleh berisi huruf kecil, angka dan tanda hubung di antaranya, tanpa spasi")
    referenced = await kominfo.post(f"/admin/regency/delete/{world.karawang.pk}")
    assert referenced.status_code == 400
    assert shows(referenced, "Kabupaten/Kota ini masih dipakai oleh data lain; hapus atau pindahkan data tersebut terlebih dahulu.")
    assert not await App.filter(name="LAKSA Baru").exists()


# --- error_text on its own ------------------------------------------------------------------------


def speaking(locale: str):
    i18n.set_locale(locale)


def test_error_text_fills_in_labels_dates_and_values():
    speaking("id_ID")
    try:
        needs_date = BadUserInput("x", field="signedOn", reason="AGREEMENT_NEEDS_SIGNED_ON", params={"status": St.ACTIVE})
        assert i18n.error_text(needs_date, "Agreement") == "Perjanjian berstatus Aktif harus memiliki tanggal penandatanganan."
        required = BadUserInput("slug is required.", field="slug", reason="REQUIRED")
        assert i18n.error_text(required, "App") == "Slug wajib diisi."
        ends = BadUserInput("x", field="validUntil", reason="AGREEMENT_ENDS_BEFORE_SIGNED",
                            params={"validUntil": dt.date(2026, 1, 1), "signedOn": dt.date(2026, 2, 1)})
        assert i18n.error_text(ends, "Agreement") == (
            "Tanggal berlaku sampai (01/01/2026) harus sesudah tanggal penandatanganan (01/02/2026)."
        )
    finally:
        speaking(i18n.DEFAULT_LOCALE)


def test_error_text_falls_back_to_the_label_and_the_message():
    speaking("id_ID")
    try:
        # no reason: the field's label in front of the service's message
        plain = BadUserInput("signedOn must be a date.", field="signedOn")
        assert i18n.error_text(plain, "Agreement") == "Tanggal penandatanganan: signedOn must be a date."
        # a reason the catalogue does not know, and a translation naming a param the error lacks
        unknown = BadUserInput("Something new.", field="signedOn", reason="SOMETHING_NEW")
        assert i18n.error_text(unknown, "Agreement") == "Tanggal penandatanganan: Something new."
        short = BadUserInput("PKS early.", field="signedOn", reason="AGREEMENT_PKS_BEFORE_MOU", params={"pks": "x"})
        assert i18n.error_text(short, "Agreement") == "Tanggal penandatanganan: PKS early."
    finally:
        speaking(i18n.DEFAULT_LOCALE)
