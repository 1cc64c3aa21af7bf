"""Every generated resource × every role, generated from the registry: menu, lists, counts, scope, CSRF.

The expectations are written out per role (from the contract's role table), not
asked of the policy engine; a model the table does not name (the throwaway
Kiosk) is expected to be Kominfo-only, as the default policy's `*` rule makes it.
"""
import pytest

from models import Agreement, AuditEntry, Complaint, User
from models.registry import registry_from_modules
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import ROLES, TEST_MODEL_MODULES
from tests.factory import make_row
from tests.conftest import registry_for_tests

REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))
STAFF_READS = {"Regency", "App", "Agreement", "Complaint"}
DOMAIN_PAGES = {"/admin/user/list", "/admin/policy/list", "/admin/audit/list"}


def readable(role: str, model: str) -> bool:
    return role == "kominfo" or (role.startswith("staff.") and model in STAFF_READS)


def expected_count(role: str, model: str) -> int:
    """Rows of the world (+ one row per regency of models without a hand-made world) each role lists."""
    everything = {"Regency": 3, "App": 3, "Agreement": 4, "Complaint": 6}
    if role == "kominfo":
        return everything.get(model, 2)
    # staff: the public catalogue, the two signed MoUs plus their own draft, their own complaints
    return {"Regency": 3, "App": 3, "Agreement": 3, "Complaint": 3}[model]


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def as_role(world, asgi):
    # Models the world does not populate get one row in Karawang and one in Bekasi.
    for spec in REGISTRY:
        if await spec.model.all().count() == 0:
            for regency in (world.karawang, world.bekasi):
                await make_row(spec, regency)
    clients = []

    async def login(role: str) -> AdminClient:
        http = client_for(asgi)
        clients.append(http)
        client = AdminClient(http)
        if role != "anonymous":
            assert (await client.login(role)).status_code == 303
        return client

    yield login
    for http in clients:
        await http.aclose()


PAIRS = [(spec.name, role) for spec in REGISTRY for role in ROLES]


@pytest.mark.parametrize(("model", "role"), PAIRS)
async def test_list_page_per_model_and_role(as_role, model, role):
    client = await as_role(role)
    response = await client.get(f"/admin/{model.lower()}/list")
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/login"
    elif readable(role, model):
        assert response.status_code == 200
        assert f'data-total="{expected_count(role, model)}"' in response.text
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
async def test_menu_lists_what_the_role_may_read(as_role, role):
    client = await as_role(role)
    home = await client.get("/admin/")
    if role == "anonymous":
        assert home.status_code == 303
        return
    links = {spec.name for spec in REGISTRY if f'href="/admin/{spec.name.lower()}/list"' in home.text}
    assert links == {spec.name for spec in REGISTRY if readable(role, spec.name)}
    pages = {p for p in DOMAIN_PAGES if f'href="{p}"' in home.text}
    assert pages == (DOMAIN_PAGES if role == "kominfo" else set())
    for page in DOMAIN_PAGES:
        assert (await client.get(page)).status_code == (200 if role == "kominfo" else 403)


async def test_staff_list_shows_only_their_regency(world, as_role):
    page = (await as_role("staff.karawang")).get
    text = (await page("/admin/complaint/list")).text
    assert all(c.tracking_code in text for c in world.complaints["32.15"])
    assert not any(c.tracking_code in text for c in world.complaints["32.16"])
    # filters and search stay inside the scope
    bekasi = world.complaints["32.16"][0]
    searched = (await page(f"/admin/complaint/list?q={bekasi.tracking_code}")).text
    assert 'data-total="0"' in searched
    by_regency = (await page(f"/admin/complaint/list?regency={world.bekasi.id}")).text
    assert 'data-total="0"' in by_regency  # a filter narrows the scope, never widens it
    by_own = (await page(f"/admin/complaint/list?regency={world.karawang.id}&status=RECEIVED")).text
    assert 'data-total="3"' in by_own
    drafts = (await page("/admin/agreement/list?status=DRAFT")).text
    assert 'data-total="1"' in drafts and "PKS/32.15/DRAFT" in drafts and "PKS/32.16/DRAFT" not in drafts


async def test_other_regencys_complaint_is_404_for_every_url_and_form(world, as_role):
    from permissions.management import add_rule

    await add_rule("regency_staff", "*", "Complaint", "delete", registry=registry_for_tests())  # so delete reaches the row scope
    client = await as_role("staff.karawang")
    theirs = world.complaints["32.16"][0]
    ours = world.complaints["32.15"][0]
    assert (await client.get(f"/admin/complaint/update/{theirs.id}")).status_code == 404
    assert (await client.get(f"/admin/complaint/update/{ours.id}")).status_code == 200
    # Given a form replayed against the other regency's id, nothing changes
    replay = await client.post(f"/admin/complaint/update/{theirs.id}", {"title": "dibajak", "category": "COMPLAINT"})
    assert replay.status_code == 404
    assert (await client.post(f"/admin/complaint/delete/{theirs.id}")).status_code == 404
    mixed = await client.post("/admin/complaint/delete", [("ids", ours.id), ("ids", theirs.id)])
    assert mixed.status_code == 404
    assert await Complaint.filter(id__in=[ours.id, theirs.id]).count() == 2
    assert (await Complaint.get(id=theirs.id)).title == theirs.title
    assert not await AuditEntry.filter(source="admin").exists()
    # and the same forms on their own complaint work
    assert (await client.post(f"/admin/complaint/update/{ours.id}", {"title": "Judul baru", "category": "COMPLAINT"})).status_code == 303
    assert (await Complaint.get(id=ours.id)).title == "Judul baru"
    assert (await client.post(f"/admin/complaint/delete/{ours.id}")).status_code == 303
    assert not await Complaint.filter(id=ours.id).exists()


async def test_staff_may_read_but_not_write_agreements(world, as_role):
    client = await as_role("staff.karawang")
    own = world.mou["32.15"]
    page = await client.get(f"/admin/agreement/update/{own.id}")
    assert page.status_code == 200 and 'name="save"' not in page.text
    assert (await client.get(f"/admin/agreement/update/{world.draft['32.16'].id}")).status_code == 404
    assert (await client.post(f"/admin/agreement/update/{own.id}", {"title": "x"})).status_code == 403
    assert (await client.get("/admin/agreement/create")).status_code == 403
    assert (await Agreement.get(id=own.id)).title == own.title


@pytest.mark.parametrize("token", ["missing", "wrong", "other-session"])
async def test_forms_without_the_sessions_csrf_token_are_refused(world, as_role, token):
    client = await as_role("kominfo")
    other = await as_role("kominfo")
    complaint = world.complaints["32.15"][0]
    csrf = {"missing": False, "wrong": "not-the-token", "other-session": await other.csrf()}[token]
    update = await client.post(f"/admin/complaint/update/{complaint.id}", {"title": "diubah"}, csrf=csrf)
    delete = await client.post(f"/admin/complaint/delete/{complaint.id}", csrf=csrf)
    logout = await client.post("/admin/logout", csrf=csrf)
    assert (update.status_code, delete.status_code, logout.status_code) == (403, 403, 403)
    assert (await Complaint.get(id=complaint.id)).title == complaint.title
    assert (await client.get("/admin/complaint/list")).status_code == 200  # still signed in


async def test_login_form_needs_its_csrf_token(world, asgi):
    async with client_for(asgi) as http:
        await http.get("/admin/login")
        response = await http.post("/admin/login", data={"username": "kominfo", "password": "demo-password"})
        assert response.status_code == 403
        assert (await http.get("/admin/complaint/list")).status_code == 303


async def test_wrong_password_and_logout(world, as_role):
    client = await as_role("anonymous")
    failed = await client.login("kominfo", "wrong-password")
    assert failed.status_code == 401 and "salah" in failed.text
    assert (await client.login("kominfo")).status_code == 303
    assert (await client.get("/admin/complaint/list")).status_code == 200
    assert (await client.post("/admin/logout")).status_code == 303
    assert (await client.get("/admin/complaint/list")).status_code == 303


async def test_a_password_change_ends_the_panel_sessions_of_the_old_password(world, as_role):
    from permissions.access import access_for
    from services.accounts import update_user

    staff = await as_role("staff.karawang")
    assert (await staff.get("/admin/complaint/list")).status_code == 200
    # When an administrator gives staff.karawang a new password
    kominfo = await access_for(await User.get(username="kominfo"))
    await update_user(kominfo, (await User.get(username="staff.karawang")).pk, password="a-brand-new-password")
    # then the session opened with the old one is over: back to the login page
    response = await staff.get("/admin/complaint/list")
    assert response.status_code == 303 and response.headers["location"].endswith("/admin/login")


async def test_personal_fields_hidden_without_read_personal(world, as_role):
    from permissions.management import add_rule, assign_role
    from tests.world import _HASH
    from models import User

    # Given a role that may read and update Karawang's complaints but not their reporters
    await add_rule("desk_reader", "*", "Complaint", "read", registry=registry_for_tests())
    await add_rule("desk_reader", "*", "Complaint", "update", registry=registry_for_tests())
    await User.create(username="pembaca", password_hash=_HASH, role="desk_reader", regency=world.karawang)
    await assign_role("pembaca", "desk_reader", "32.15")
    complaint = world.complaints["32.15"][0]
    url = f"/admin/complaint/update/{complaint.id}"
    assert complaint.reporter_name in (await (await as_role("kominfo")).get(url)).text
    assert complaint.reporter_name in (await (await as_role("staff.karawang")).get(url)).text
    reader = await as_role("pembaca")
    page = await reader.get(url)
    assert page.status_code == 200
    assert complaint.reporter_name not in page.text and complaint.reporter_contact not in page.text
    # a field the form did not show is never written, even when posted
    await reader.post(url, {"title": "Judul", "category": "COMPLAINT", "reporter_name": "Palsu"})
    row = await Complaint.get(id=complaint.id)
    assert (row.title, row.reporter_name) == ("Judul", complaint.reporter_name)
