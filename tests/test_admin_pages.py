"""Generated create/update pages for every declared model, the throwaway model's panel, and the languages."""
import datetime as dt
import enum
import subprocess
from pathlib import Path

import pytest

from models import AuditEntry
from models.registry import registry_from_modules
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import TEST_MODEL_MODULES
from tests.factory import field_values, make_row

REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def kominfo(world, asgi):
    async with client_for(asgi) as http:
        client = AdminClient(http)
        assert (await client.login("kominfo")).status_code == 303
        yield client


def form_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def locked(spec) -> frozenset:
    """Fields a domain workflow owns (the complaint status): shown read-only, never in a generic form."""
    from admin.domain import extension_for

    extension = extension_for(spec.name)
    return extension.locked_fields if extension else frozenset()


async def create_form(spec, regency) -> dict:
    scalars, foreign = await field_values(spec, regency)
    writable = {f.name for f in spec.writable_scalars()} - locked(spec)
    data = {k: form_value(v) for k, v in scalars.items() if k in writable}
    data.update({name: row.pk for name, row in foreign.items()})
    return {k: v for k, v in data.items() if v is not None}


CREATABLE = [spec.name for spec in REGISTRY if spec.declaration.allows("create")]


@pytest.mark.parametrize("model", CREATABLE)
async def test_kominfo_creates_and_updates_through_generated_forms(world, kominfo, model):
    spec = REGISTRY[model]
    page = await kominfo.get(f"/admin/{model.lower()}/create")
    assert page.status_code == 200
    for field in spec.writable_scalars():
        assert (f'name="{field.name}"' in page.text) == (field.name not in locked(spec))
    # When the form is posted, the row is created through the CRUD service (audited as "admin")
    before = await spec.model.all().count()
    response = await kominfo.post(f"/admin/{model.lower()}/create", await create_form(spec, world.karawang))
    assert response.status_code == 303, response.text[:2000]
    assert await spec.model.all().count() == before + 1
    row = await spec.model.all().order_by("-" + spec.pk).first()
    entry = await AuditEntry.filter(model=model, action="create").first()
    assert (entry.source, entry.actor_name, entry.object_id) == ("admin", "kominfo", str(row.pk))
    # and its page shows it, and an edit of a text field is saved
    assert (await kominfo.get(f"/admin/{model.lower()}/update/{row.pk}")).status_code == 200
    text_field = next(f for f in spec.writable_scalars() if f.is_text and not f.is_enum and not f.unique)
    form = await create_form(spec, world.karawang)
    form = {k: v for k, v in form.items() if not spec.field(k).__dict__.get("unique")}
    form[text_field.name] = "diubah lewat panel"
    saved = await kominfo.post(f"/admin/{model.lower()}/update/{row.pk}", form)
    assert saved.status_code == 303, saved.text[:2000]
    assert getattr(await spec.model.get(pk=row.pk), text_field.name) == "diubah lewat panel"


async def test_validation_errors_are_shown_on_the_form(world, kominfo):
    spec = REGISTRY["App"]
    form = await create_form(spec, world.karawang)
    form["slug"] = "laksa"  # already taken by the world
    response = await kominfo.post("/admin/app/create", form)
    assert response.status_code == 400
    assert 'id="form-error"' in response.text
    assert await spec.model.filter(slug="laksa").count() == 1


async def test_throwaway_model_gets_a_panel_with_no_other_file(world, kominfo):
    tracked = subprocess.run(["git", "ls-files", "--others", "--cached", "--exclude-standard", "admin"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    throwaway = [spec.name.lower() for spec in REGISTRY if spec.model.__module__ == "tests.throwaway_models"]
    assert tracked and "kiosk" in throwaway
    texts = {p: (ROOT / p).read_text(errors="ignore").lower() for p in tracked if (ROOT / p).is_file()}
    assert not [(p, name) for p, text in texts.items() for name in throwaway if name in text]
    home = await kominfo.get("/admin/")
    assert 'href="/admin/kiosk/list"' in home.text
    await make_row(REGISTRY["Kiosk"], world.karawang)
    listing = await kominfo.get("/admin/kiosk/list")
    assert listing.status_code == 200 and 'data-total="1"' in listing.text
    assert "Kabupaten Karawang" in listing.text  # the relation shows its label_field


async def test_indonesian_by_default_english_on_request(world, kominfo):
    complaint = world.complaints["32.15"][0]
    indonesian = await kominfo.get(f"/admin/complaint/update/{complaint.id}")
    assert "Kode pelacakan" in indonesian.text and "Nama pelapor" in indonesian.text and "Diterima" in indonesian.text
    english = await kominfo.get(f"/admin/complaint/update/{complaint.id}?language=en_US")
    assert "Tracking code" in english.text and "Reporter name" in english.text and "Received" in english.text
    remembered = await kominfo.get("/admin/complaint/list")  # the cookie keeps the choice
    assert "Tracking code" in remembered.text and "Kode pelacakan" not in remembered.text


async def test_status_shown_in_colour(world, kominfo):
    listing = (await kominfo.get("/admin/complaint/list")).text
    assert '<span class="badge simpul-badge simpul-badge-status tone-red" data-value="RECEIVED">' in listing


async def test_overdue_filter_in_the_complaint_list(world, asgi):
    from models import Complaint

    late_karawang, late_bekasi = world.complaints["32.15"][0], world.complaints["32.16"][0]
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    await Complaint.filter(pk__in=[late_karawang.pk, late_bekasi.pk]).update(due_at=past)
    async with client_for(asgi) as http:
        staff = AdminClient(http)
        assert (await staff.login("staff.karawang")).status_code == 303
        overdue = (await staff.get("/admin/complaint/list?overdue=true")).text
        on_time = (await staff.get("/admin/complaint/list?overdue=false")).text
    assert "Terlambat" in overdue
    assert late_karawang.tracking_code in overdue and late_bekasi.tracking_code not in overdue
    assert all(c.tracking_code not in overdue for c in world.complaints["32.15"][1:])
    assert late_karawang.tracking_code not in on_time
    assert all(c.tracking_code in on_time for c in world.complaints["32.15"][1:])


async def test_every_list_filter_offers_all_first(world, kominfo):
    import re

    listing = (await kominfo.get("/admin/complaint/list")).text
    selects = re.findall(r'<select[^>]*name="(\w+)"[^>]*>\s*<option[^>]*value="([^"]*)"[^>]*>\s*([^<]*?)\s*<', listing)
    assert {name for name, _, _ in selects} >= {"status", "category", "regency", "overdue"}
    assert all((value, label) == ("", "Semua") for _, value, label in selects), selects
    # and choosing it filters nothing
    everything = (await kominfo.get("/admin/complaint/list?status=&overdue=")).text
    assert all(c.tracking_code in everything for codes in world.complaints.values() for c in codes)


async def test_times_are_shown_on_the_wib_clock(world, kominfo):
    from models import Complaint

    complaint = world.complaints["32.15"][0]
    # Received at 01:30 UTC: 08:30 in Karawang
    await Complaint.filter(pk=complaint.pk).update(created_at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.timezone.utc))
    listing = (await kominfo.get("/admin/complaint/list")).text
    assert "02/03/2026 08:30 WIB" in listing and "01:30" not in listing
    page = (await kominfo.get(f"/admin/complaint/update/{complaint.pk}")).text
    assert 'value="2026-03-02T08:30"' in page
