"""Staff of Karawang cannot reach a Bekasi complaint by any path the API offers."""
import pytest

from models import Complaint, ComplaintEvent


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.fixture
def karawang(as_role):
    return as_role("staff.karawang")


@pytest.fixture
def bekasi_complaint(world):
    return world.complaints["32.16"][0]


async def test_single_read_is_null_like_a_missing_id(world, karawang, bekasi_complaint):
    body = await karawang("query($id: ID!) { complaint(id: $id) { id title } }", {"id": str(bekasi_complaint.id)})
    assert body == {"data": {"complaint": None}}


async def test_list_filter_and_total_count_stay_in_the_regency(world, karawang, bekasi_complaint):
    body = await karawang("{ complaints(first: 100) { totalCount nodes { trackingCode regency { code } } } }")
    page = body["data"]["complaints"]
    assert page["totalCount"] == 3
    assert {n["regency"]["code"] for n in page["nodes"]} == {"32.15"}
    for where in (
        '{regency: {code: {eq: "32.16"}}}',
        f'{{trackingCode: {{eq: "{bekasi_complaint.tracking_code}"}}}}',
        f'{{id: {{in: ["{bekasi_complaint.id}"]}}}}',
        f'{{or: [{{id: {{eq: "{bekasi_complaint.id}"}}}}, {{title: {{contains: "Bekasi"}}}}]}}',
    ):
        body = await karawang(f"{{ complaints(filter: {where}) {{ totalCount nodes {{ id }} }} }}")
        assert body["data"]["complaints"] == {"totalCount": 0, "nodes": []}, where


async def test_nested_relations_do_not_leak(world, karawang):
    body = await karawang(
        '{ regencies(filter: {code: {in: ["32.15", "32.16"]}}) { nodes { code complaints { regency { code } } } } '
        "apps { nodes { complaints(first: 100) { regency { code } } } } }"
    )
    by_code = {n["code"]: n["complaints"] for n in body["data"]["regencies"]["nodes"]}
    assert len(by_code["32.15"]) == 3 and by_code["32.16"] == []
    nested = [c["regency"]["code"] for app in body["data"]["apps"]["nodes"] for c in app["complaints"]]
    assert nested and set(nested) == {"32.15"}


async def test_relation_filters_cannot_probe_hidden_rows(world, karawang, bekasi_complaint):
    # Regencies that have a complaint with Bekasi's tracking code: none the caller may see.
    body = await karawang(
        f'{{ apps(filter: {{complaints: {{trackingCode: {{eq: "{bekasi_complaint.tracking_code}"}}}}}}) {{ totalCount }} }}'
    )
    if "errors" in body:  # complaints is not a declared filter on App: nothing to probe
        assert error_codes(body) == ["BAD_USER_INPUT"]
    else:
        assert body["data"]["apps"]["totalCount"] == 0


async def test_update_delete_and_transition_are_not_found_with_the_missing_id_message(world, karawang, bekasi_complaint):
    target = str(bekasi_complaint.id)
    for mutation, missing in (
        ('mutation($id: ID!) { updateComplaint(id: $id, input: {title: "x"}) { id } }', "99999"),
        ('mutation($id: ID!) { transitionComplaint(id: $id, to: VERIFIED) { id } }', "99999"),
    ):
        hidden = await karawang(mutation, {"id": target})
        absent = await karawang(mutation, {"id": missing})
        assert error_codes(hidden) == error_codes(absent) == ["NOT_FOUND"]
        assert hidden["errors"][0]["message"].replace(target, "ID") == absent["errors"][0]["message"].replace(missing, "ID")
    # Staff may not delete complaints at all, in or out of their regency.
    body = await karawang("mutation($id: ID!) { deleteComplaint(id: $id) }", {"id": target})
    assert error_codes(body) == ["FORBIDDEN"]
    await bekasi_complaint.refresh_from_db()
    assert bekasi_complaint.title.startswith("Keluhan") and bekasi_complaint.status.value == "RECEIVED"
    assert await Complaint.filter(pk=bekasi_complaint.pk).exists()
    assert not await ComplaintEvent.filter(complaint_id=bekasi_complaint.pk, status="VERIFIED").exists()


async def test_cannot_move_own_complaint_to_another_regency(world, karawang):
    own = world.complaints["32.15"][0]
    body = await karawang(
        'mutation($id: ID!, $r: ID!) { updateComplaint(id: $id, input: {regencyId: $r}) { id } }',
        {"id": str(own.id), "r": str(world.bekasi.id)},
    )
    assert error_codes(body) == ["FORBIDDEN"]
    await own.refresh_from_db()
    assert own.regency_id == world.karawang.id


async def test_cursors_from_a_wider_scope_only_page_the_callers_rows(world, as_role, karawang):
    # A cursor issued to Kominfo (who sees both regencies) says "after position N", nothing more.
    body = await as_role("kominfo")("{ complaints(first: 1) { pageInfo { endCursor } } }")
    cursor = body["data"]["complaints"]["pageInfo"]["endCursor"]
    body = await karawang("query($c: String) { complaints(after: $c) { nodes { regency { code } } } }", {"c": cursor})
    assert {n["regency"]["code"] for n in body["data"]["complaints"]["nodes"]} <= {"32.15"}


async def test_personal_data_is_null_for_other_roles_never_an_error(world, as_role):
    own = world.complaints["32.15"][0]
    query = "query($id: ID!) { complaint(id: $id) { reporterName reporterContact } }"
    body = await as_role("staff.karawang")(query, {"id": str(own.id)})
    assert body["data"]["complaint"] == {"reporterName": own.reporter_name, "reporterContact": own.reporter_contact}
    body = await as_role("kominfo")(query, {"id": str(own.id)})
    assert body["data"]["complaint"]["reporterName"] == own.reporter_name
    # Bekasi staff cannot see the complaint at all; through Kominfo-visible nesting they get nulls, not errors.
    body = await as_role("staff.bekasi")(query, {"id": str(own.id)})
    assert body == {"data": {"complaint": None}}


async def test_public_sees_no_complaint_list_and_no_drafts(world, gql):
    body = await gql("{ complaints { totalCount } }")
    assert error_codes(body) == ["UNAUTHENTICATED"]
    body = await gql("{ agreements(first: 100) { nodes { number status } } }")
    statuses = {n["status"] for n in body["data"]["agreements"]["nodes"]}
    assert statuses and "DRAFT" not in statuses


async def test_staff_see_their_own_drafts_but_not_other_regencies_drafts(world, karawang):
    body = await karawang('{ agreements(first: 100, filter: {status: {eq: DRAFT}}) { nodes { number regency { code } } } }')
    assert [n["regency"]["code"] for n in body["data"]["agreements"]["nodes"]] == ["32.15"]
