"""Every generated resource × every caller, generated from the registry: menu, lists, counts, rows, scope, CSRF.

The expectations come from tests/roles.py's oracle (the grants the models
declare, read against the world's rows); a model that declares none (a
test-only one) is Kominfo's alone.
"""
import pytest

from models import Agreement, AuditEntry, Complaint, User
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import TEST_MODEL_MODULES, registry_for_tests
from tests.roles import CALLER, CALLERS, oracle

ORACLE = oracle()
REGISTRY = ORACLE.registry
CALLER_NAMES = [c.name for c in CALLERS]
#: The panel's own pages and the decision that opens each.
DOMAIN_PAGES = {"/admin/user/list": ("User", "read"), "/admin/policy/list": ("Policy", "manage"), "/admin/audit/list": ("Policy", "manage")}


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi(TEST_MODEL_MODULES)


@pytest.fixture
async def as_role(full_world, callers, asgi):
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


PAIRS = [(spec.name, caller) for spec in REGISTRY for caller in CALLER_NAMES]


@pytest.mark.parametrize(("model", "role"), PAIRS)
async def test_list_page_per_model_and_role(as_role, model, role):
    spec, caller = REGISTRY[model], CALLER[role]
    client = await as_role(role)
    response = await client.get(f"/admin/{model.lower()}/list")
    assert response.status_code == ORACLE.panel_status(caller, model)
    if response.status_code == 303:
        assert response.headers["location"] == "/admin/login"
    elif response.status_code == 200:
        readable = await ORACLE.rows(caller, spec, "read")
        assert f'data-total="{len(readable)}"' in response.text
        # personal columns show the value only where the caller may read it
        facts = await ORACLE.facts(spec)
        for row in await spec.model.all():
            for name in set(spec.declaration.personal) & set(spec.declaration.admin_columns):
                shown = row.pk in readable and ORACLE.may_read_personal(caller, spec, facts[row.pk])
                assert (getattr(row, name) in response.text) is shown, (row.pk, name)


@pytest.mark.parametrize(("model", "role"), PAIRS)
async def test_row_pages_per_model_and_role(as_role, model, role):
    """Each row's page: found only in the caller's read scope, a save button only in its update scope
    (for a model with the generic update), personal data only with read_personal on the row's regency."""
    spec, caller = REGISTRY[model], CALLER[role]
    client = await as_role(role)
    facts = await ORACLE.facts(spec)
    assert facts, f"the world has no {model} rows"
    for row in await spec.model.all():
        page = await client.get(f"/admin/{model.lower()}/update/{row.pk}")
        status = ORACLE.panel_status(caller, model)
        if status == 200 and not ORACLE.may(caller, spec, "read", facts[row.pk]):
            status = 404
        assert page.status_code == status, (row.pk, facts[row.pk])
        if status != 200:
            continue
        if spec.declaration.allows("update"):  # else a domain service owns changes (accounts) or none may
            editable = ORACLE.may(caller, spec, "update", facts[row.pk])
            assert ('name="save"' in page.text) is editable, (row.pk, facts[row.pk])
        for name in spec.declaration.personal:
            shown = ORACLE.may_read_personal(caller, spec, facts[row.pk])
            assert (getattr(row, name) in page.text) is shown, (row.pk, name)


@pytest.mark.parametrize("role", CALLER_NAMES)
async def test_menu_lists_what_the_role_may_read(as_role, role):
    caller = CALLER[role]
    client = await as_role(role)
    home = await client.get("/admin/")
    if caller.anonymous:
        assert home.status_code == 303
        return
    links = {spec.name for spec in REGISTRY if f'href="/admin/{spec.name.lower()}/list"' in home.text}
    assert links == ORACLE.readable_models(caller)
    pages = {p for p in DOMAIN_PAGES if f'href="{p}"' in home.text}
    assert pages == {p for p, (obj, action) in DOMAIN_PAGES.items() if ORACLE.allowed(caller, obj, action)}
    for page, (obj, action) in DOMAIN_PAGES.items():
        assert (await client.get(page)).status_code == (200 if ORACLE.allowed(caller, obj, action) else 403)


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
    # and the same forms on their own complaint work (the category: the citizen's own words are frozen for staff)
    assert (await client.post(f"/admin/complaint/update/{ours.id}", {"category": "ASPIRATION"})).status_code == 303
    assert (await Complaint.get(id=ours.id)).category == "ASPIRATION"
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
    await User.create(username="pembaca", password_hash=_HASH, regency=world.karawang)
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
    await reader.post(url, {"category": "ASPIRATION", "reporter_name": "Palsu"})
    row = await Complaint.get(id=complaint.id)
    assert (row.category, row.reporter_name) == ("ASPIRATION", complaint.reporter_name)
