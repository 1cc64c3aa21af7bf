"""The complaint workflow in the panel, and Kominfo's users, policies and audit pages."""
import pytest

from models import AuditEntry, Complaint, ComplaintEvent, User
from models.enums import ComplaintStatus
from tests.admin_client import AdminClient, admin_asgi, client_for


@pytest.fixture(scope="module")
def asgi():
    return admin_asgi()


@pytest.fixture
async def as_role(world, asgi):
    clients = []

    async def login(username: str, password: str = "demo-password") -> AdminClient:
        http = client_for(asgi)
        clients.append(http)
        client = AdminClient(http)
        assert (await client.login(username, password)).status_code == 303
        return client

    yield login
    for http in clients:
        await http.aclose()


async def test_staff_moves_their_complaint_through_the_workflow(world, as_role):
    staff = await as_role("staff.karawang")
    ours = world.complaints["32.15"][0]
    page = (await staff.get(f"/admin/complaint/update/{ours.id}")).text
    # the next steps from RECEIVED are buttons; status itself is not a free dropdown
    assert 'data-to="VERIFIED"' in page and 'data-to="REJECTED"' in page and 'data-to="CLOSED"' not in page
    assert '<select class="form-select" name="status"' in page and 'name="status" id="form-select-status" disabled' in page
    moved = await staff.post(f"/admin/complaint/transition/{ours.id}",
                             {"to": "VERIFIED", "note": "Sudah dicek", "public_note": "Diteruskan ke Dinas PUPR."})
    assert moved.status_code == 303 and moved.headers["location"].endswith("?notice=moved")
    assert "Status pengaduan diperbarui." in (await staff.get(moved.headers["location"])).text
    assert (await Complaint.get(id=ours.id)).status == ComplaintStatus.VERIFIED
    assert await ComplaintEvent.filter(
        complaint_id=ours.id, status=ComplaintStatus.VERIFIED, note="Sudah dicek",
        public_note="Diteruskan ke Dinas PUPR.", actor_name="staff.karawang",
    ).exists()
    # the history on the page names the officer and both notes; the citizen's tracker shows the public one only
    page = (await staff.get(f"/admin/complaint/update/{ours.id}")).text
    assert "staff.karawang" in page and "Sudah dicek" in page and "Diteruskan ke Dinas PUPR." in page
    from services.complaints import track_complaint

    view = await track_complaint(ours.tracking_code)
    assert [h.note for h in view.history] == ["", "Diteruskan ke Dinas PUPR."]
    assert await AuditEntry.filter(model="Complaint", object_id=str(ours.id), action="transition", source="admin").exists()
    # a step the workflow does not have is refused on the page
    refused = await staff.post(f"/admin/complaint/transition/{ours.id}", {"to": "CLOSED"})
    assert refused.status_code == 400 and 'id="workflow-error"' in refused.text
    # a status posted through the generic form is ignored (the workflow owns it)
    await staff.post(f"/admin/complaint/update/{ours.id}", {"title": ours.title, "category": "COMPLAINT", "status": "CLOSED"})
    assert (await Complaint.get(id=ours.id)).status == ComplaintStatus.VERIFIED


async def test_staff_cannot_move_another_regencys_complaint(world, as_role):
    staff = await as_role("staff.karawang")
    theirs = world.complaints["32.16"][0]
    assert (await staff.post(f"/admin/complaint/transition/{theirs.id}", {"to": "VERIFIED"})).status_code == 404
    assert (await Complaint.get(id=theirs.id)).status == ComplaintStatus.RECEIVED


async def test_kominfo_manages_users_and_the_change_applies_at_once(world, as_role):
    kominfo = await as_role("kominfo")
    made = await kominfo.post("/admin/user/create", {
        "username": "staff.baru", "password": "kata-sandi-baru-123", "password_confirm": "kata-sandi-baru-123",
        "role": "regency_staff", "regency_code": "32.16",
    })
    assert made.status_code == 303
    newcomer = await as_role("staff.baru", "kata-sandi-baru-123")
    listing = (await newcomer.get("/admin/complaint/list")).text
    assert 'data-total="3"' in listing and world.complaints["32.16"][0].tracking_code in listing
    # Moving the account to Karawang ends its session: it signs in again and sees Karawang's desk
    user = await User.get(username="staff.baru")
    moved = await kominfo.post(f"/admin/user/update/{user.id}", {"role": "regency_staff", "regency_code": "32.15", "is_active": "on"})
    assert moved.status_code == 303
    assert (await newcomer.get("/admin/complaint/list")).status_code == 303  # to the login page
    newcomer = await as_role("staff.baru", "kata-sandi-baru-123")
    listing = (await newcomer.get("/admin/complaint/list")).text
    assert world.complaints["32.15"][0].tracking_code in listing and world.complaints["32.16"][0].tracking_code not in listing
    # Deactivating signs it out
    await kominfo.post(f"/admin/user/update/{user.id}", {"role": "regency_staff", "regency_code": "32.15"})
    assert (await newcomer.get("/admin/complaint/list")).status_code == 303
    # Deleting asks first (the page without JavaScript), then deletes once confirmed
    asked = await kominfo.post(f"/admin/user/delete/{user.id}")
    assert asked.status_code == 200 and 'id="confirm-page"' in asked.text and "staff.baru" in asked.text
    assert await User.filter(username="staff.baru").exists()
    assert (await kominfo.post(f"/admin/user/delete/{user.id}", {"confirmed": "yes"})).status_code == 303
    assert not await User.filter(username="staff.baru").exists()


async def test_kominfo_changes_policy_rules_from_the_panel(world, as_role):
    kominfo = await as_role("kominfo")
    staff = await as_role("staff.karawang")
    assert (await staff.get("/admin/app/create")).status_code == 403
    added = await kominfo.post("/admin/policy/add-rule", {"role": "regency_staff", "domain": "*", "object": "App", "action": "create"})
    assert added.status_code == 303
    assert "regency_staff" in (await kominfo.get("/admin/policy/list")).text
    assert (await staff.get("/admin/app/create")).status_code == 200  # next request, no restart
    rule = {"role": "regency_staff", "domain": "*", "object": "App", "action": "create"}
    asked = await kominfo.post("/admin/policy/remove-rule", rule)  # asks first: nothing removed yet
    assert asked.status_code == 200 and 'id="confirm-page"' in asked.text
    assert (await staff.get("/admin/app/create")).status_code == 200
    await kominfo.post("/admin/policy/remove-rule", {**rule, "confirmed": "yes"})
    assert (await staff.get("/admin/app/create")).status_code == 403
    bad = await kominfo.post("/admin/policy/add-rule", {"role": "regency_staff", "domain": "99.99", "object": "App", "action": "read"})
    assert bad.status_code == 400 and 'id="form-error"' in bad.text
    # revoking a role assignment takes the menu away
    grant = {"username": "staff.karawang", "role": "regency_staff", "domain": "32.15"}
    assert 'id="confirm-page"' in (await kominfo.post("/admin/policy/revoke-role", grant)).text
    assert (await staff.get("/admin/complaint/list")).status_code == 200
    await kominfo.post("/admin/policy/revoke-role", {**grant, "confirmed": "yes"})
    assert (await staff.get("/admin/complaint/list")).status_code == 403


async def test_audit_log_shows_panel_changes_to_kominfo_only(world, as_role):
    kominfo = await as_role("kominfo")
    app = world.apps[0]
    await kominfo.post(f"/admin/app/update/{app.id}", {"name": "LAKSA 2", "slug": "laksa", "category": "COMPLAINTS", "platform": "WEB", "status": "ACTIVE"})
    log = (await kominfo.get("/admin/audit/list?model=App")).text
    assert 'data-total="1"' in log and "LAKSA 2" in log and "kominfo" in log
    staff = await as_role("staff.karawang")
    assert (await staff.get("/admin/audit/list")).status_code == 403


async def test_a_bulk_delete_deletes_the_whole_selection_or_nothing(world, as_role):
    from models import Regency

    kominfo = await as_role("kominfo")
    spare = await Regency.create(code="32.99", name="Kabupaten Cadangan", kind="KABUPATEN", province="Jawa Barat")
    # Karawang is still referenced by its complaints and agreements: the whole selection is refused
    refused = await kominfo.post("/admin/regency/delete", [("ids", spare.id), ("ids", world.karawang.id)])
    assert refused.status_code == 400
    assert await Regency.filter(id__in=[spare.id, world.karawang.id]).count() == 2
    assert not await AuditEntry.filter(action="delete", model="Regency").exists()
    # A selection that can go, goes whole
    assert (await kominfo.post("/admin/regency/delete", [("ids", spare.id)])).status_code == 303
    assert not await Regency.filter(id=spare.id).exists()
