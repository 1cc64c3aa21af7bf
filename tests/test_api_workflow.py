"""The complaint workflow and signing in, through the GraphQL API as each role calls it.

tests/test_workflow.py covers the rules at the service level (every pair of
statuses, deadlines, codes, rate limits); here each path is walked once through
HTTP, to pin what a frontend sees: shapes, error codes and what is written.
"""
import datetime as dt
import json
import re

import pytest

from models import AuditEntry, Complaint, ComplaintEvent
from core.clock import wib_date
from tests.world import PASSWORD

SUBMIT = """
mutation Submit($input: SubmitComplaintInput!) {
  submitComplaint(input: $input) { trackingCode status dueAt }
}"""
TRACK = """
query Track($code: String!) {
  trackComplaint(trackingCode: $code) {
    trackingCode status dueAt regency { code name } app { name } history { status at note }
  }
}"""
TRANSITION = """
mutation Move($id: ID!, $to: ComplaintStatus!, $note: String, $publicNote: String) {
  transitionComplaint(id: $id, to: $to, note: $note, publicNote: $publicNote) { id status resolvedAt dueAt }
}"""
FIND = """
query Find($code: String!) {
  complaints(filter: {trackingCode: {eq: $code}}) { nodes { id status resolvedAt } }
}"""
ONE = "query One($id: ID!) { complaint(id: $id) { id status resolvedAt } }"

REPORTER = {"reporterName": "Siti Aminah", "reporterContact": "0812-3456-7890"}


def submission(**changes) -> dict:
    values = {"regencyCode": "32.15", "title": "Lampu jalan mati", "body": "Jl. Tuparev sejak Senin.", **REPORTER}
    return values | changes


def only_error(body: dict) -> dict:
    assert body.get("errors"), body
    assert len(body["errors"]) == 1, body["errors"]
    return body["errors"][0]


async def submit(gql, **changes) -> dict:
    body = await gql(SUBMIT, {"input": submission(**changes)})
    assert "errors" not in body, body
    return body["data"]["submitComplaint"]


async def written_rows() -> tuple[int, int, int]:
    return await Complaint.all().count(), await ComplaintEvent.all().count(), await AuditEntry.all().count()


# --- submit and track as the public -----------------------------------------------------------


async def test_anyone_submits_and_tracks_without_seeing_the_reporter(world, as_role):
    anonymous = as_role("anonymous")
    # When a citizen submits a complaint without signing in
    receipt = await submit(anonymous, appId=str(world.apps[0].pk))
    # then the receipt carries a Karawang code of this year, the first status and a deadline
    year = wib_date(dt.datetime.now(dt.timezone.utc)).year
    assert re.fullmatch(rf"ADU-3215-{year}-\d{{6}}-[2-9A-HJ-NP-Z]{{6}}", receipt["trackingCode"]), receipt
    assert receipt["status"] == "RECEIVED"
    assert dt.datetime.fromisoformat(receipt["dueAt"]) > dt.datetime.now(dt.timezone.utc)

    # When anyone tracks it by its code
    body = await anonymous(TRACK, {"code": receipt["trackingCode"]})
    assert "errors" not in body, body
    tracking = body["data"]["trackComplaint"]
    # then they see its status, regency, app and a one-step history
    assert tracking["trackingCode"] == receipt["trackingCode"]
    assert tracking["status"] == "RECEIVED"
    assert tracking["regency"] == {"code": "32.15", "name": "Kabupaten Karawang"}
    assert tracking["app"] == {"name": "LAKSA"}
    assert tracking["dueAt"] == receipt["dueAt"]
    assert [(h["status"], h["note"]) for h in tracking["history"]] == [("RECEIVED", None)]
    # and never who reported it: the type has no such field, and the answer holds no trace of it
    assert set(tracking) == {"trackingCode", "status", "dueAt", "regency", "app", "history"}
    shown = json.dumps(body)
    assert REPORTER["reporterName"] not in shown and REPORTER["reporterContact"] not in shown
    for field in ("reporterName", "reporterContact"):
        asked = await anonymous(f'{{ trackComplaint(trackingCode: "{receipt["trackingCode"]}") {{ {field} }} }}')
        error = only_error(asked)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert f"Cannot query field '{field}' on type 'ComplaintTracking'" in error["message"]
        assert asked.get("data") is None


async def test_the_tracking_type_has_no_reporter_fields(app):
    tracking = app.state.schema.get_type_by_name("ComplaintTracking")
    names = {f.graphql_name or f.python_name for f in tracking.fields}
    assert not {n for n in names if "reporter" in n.lower()}, names


async def test_an_unknown_tracking_code_is_null(world, as_role):
    body = await as_role("anonymous")(TRACK, {"code": "ADU-3215-2026-999999"})
    assert body == {"data": {"trackComplaint": None}}


@pytest.mark.parametrize("changes,field", [
    ({"regencyCode": "99.99"}, "regencyCode"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
], ids=["unknown-regency", "empty-title", "title-too-long"])
async def test_a_bad_submission_is_refused_and_writes_nothing(world, as_role, changes, field):
    before = await written_rows()
    body = await as_role("anonymous")(SUBMIT, {"input": submission(**changes)})
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert body["data"] is None
    assert await written_rows() == before


# --- the desk works a complaint ---------------------------------------------------------------


async def test_staff_move_a_complaint_to_resolved_and_tracking_shows_every_step(world, as_role):
    # Given a complaint submitted by a citizen, found by the Karawang desk by its code
    code = (await submit(as_role("anonymous")))["trackingCode"]
    staff = as_role("staff.karawang")
    found = await staff(FIND, {"code": code})
    [complaint] = found["data"]["complaints"]["nodes"]
    assert (complaint["status"], complaint["resolvedAt"]) == ("RECEIVED", None)

    # When the desk moves it step by step, with a note each time
    steps = [
        ("VERIFIED", "Laporan benar, diteruskan ke Dishub."),
        ("IN_PROGRESS", "Petugas dijadwalkan Rabu."),
        ("RESOLVED", "Lampu sudah diganti."),
    ]
    for status, note in steps:
        body = await staff(TRANSITION, {"id": complaint["id"], "to": status, "publicNote": note,
                                        "note": f"internal: {status}"})
        assert "errors" not in body, body
        moved = body["data"]["transitionComplaint"]
        # then each answer shows the new status; resolvedAt appears only on RESOLVED
        assert (moved["id"], moved["status"]) == (complaint["id"], status)
        if status == "RESOLVED":
            assert moved["resolvedAt"] is not None and moved["dueAt"] is None
        else:
            assert moved["resolvedAt"] is None and moved["dueAt"] is not None
    stored = (await staff(ONE, {"id": complaint["id"]}))["data"]["complaint"]
    assert stored == {"id": complaint["id"], "status": "RESOLVED", "resolvedAt": moved["resolvedAt"]}

    # and the public tracking shows every step, in order, with the notes written for the citizen only
    tracking = (await as_role("anonymous")(TRACK, {"code": code}))["data"]["trackComplaint"]
    assert tracking["status"] == "RESOLVED"
    assert [(h["status"], h["note"]) for h in tracking["history"]] == [("RECEIVED", None), *steps]
    assert "internal:" not in str(tracking)
    # while staff read both notes and the officer in the complaint's own history
    history = (await staff(
        'query($id: ID!) { complaint(id: $id) { history { status note publicNote actorName } } }', {"id": complaint["id"]}
    ))["data"]["complaint"]["history"]
    assert [(h["status"], h["note"], h["actorName"]) for h in history[1:]] == [
        (status, f"internal: {status}", "staff.karawang") for status, _ in steps
    ]
    moments = [dt.datetime.fromisoformat(h["at"]) for h in tracking["history"]]
    assert moments == sorted(moments)


async def test_a_move_the_workflow_does_not_have_is_bad_input_and_changes_nothing(world, as_role):
    complaint = world.complaints["32.15"][0]
    staff = as_role("staff.karawang")
    body = await staff(TRANSITION, {"id": str(complaint.pk), "to": "RESOLVED", "note": "Langsung selesai."})
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "A complaint in status RECEIVED can move to VERIFIED or REJECTED, not RESOLVED."
    assert error["extensions"]["allowed"] == ["VERIFIED", "REJECTED"]
    assert body["data"] is None
    stored = (await staff(ONE, {"id": str(complaint.pk)}))["data"]["complaint"]
    assert (stored["status"], stored["resolvedAt"]) == ("RECEIVED", None)
    tracking = (await staff(TRACK, {"code": complaint.tracking_code}))["data"]["trackComplaint"]
    assert [h["status"] for h in tracking["history"]] == ["RECEIVED"]


async def test_another_regency_s_complaint_looks_like_a_missing_one(world, as_role):
    karawang_complaint = world.complaints["32.15"][0]
    bekasi_staff = as_role("staff.bekasi")
    messages = {}
    for target in (str(karawang_complaint.pk), "999999"):
        body = await bekasi_staff(TRANSITION, {"id": target, "to": "VERIFIED"})
        error = only_error(body)
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert body["data"] is None
        messages[target] = error["message"].replace(target, "<id>")
    # The same words for both: the caller cannot tell the Karawang row exists.
    assert messages[str(karawang_complaint.pk)] == messages["999999"]
    assert (await Complaint.get(pk=karawang_complaint.pk)).status == "RECEIVED"


async def test_the_public_may_not_move_a_complaint(world, as_role):
    complaint = world.complaints["32.15"][0]
    body = await as_role("anonymous")(TRANSITION, {"id": str(complaint.pk), "to": "VERIFIED"})
    assert only_error(body)["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None
    assert (await Complaint.get(pk=complaint.pk)).status == "RECEIVED"


@pytest.mark.parametrize("how", ["literal", "variables"])
async def test_update_complaint_cannot_change_the_status(world, as_role, how):
    complaint = world.complaints["32.15"][0]
    staff = as_role("staff.karawang")
    if how == "literal":
        body = await staff(
            f'mutation {{ updateComplaint(id: "{complaint.pk}", input: {{title: "Baru", status: RESOLVED}}) {{ id status }} }}'
        )
    else:
        body = await staff(
            "mutation($id: ID!, $input: ComplaintUpdateInput!) { updateComplaint(id: $id, input: $input) { id status } }",
            {"id": str(complaint.pk), "input": {"title": "Baru", "status": "RESOLVED"}},
        )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "status" in error["message"] and "ComplaintUpdateInput" in error["message"]
    assert body.get("data") is None
    stored = await Complaint.get(pk=complaint.pk)
    assert (stored.status, stored.title) == ("RECEIVED", complaint.title)


async def test_overdue_filter_follows_the_deadline_and_the_caller_scope(world, as_role):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    late_karawang, late_bekasi = world.complaints["32.15"][1], world.complaints["32.16"][1]
    settled = world.complaints["32.15"][2]
    await Complaint.filter(pk__in=[late_karawang.pk, late_bekasi.pk]).update(due_at=past)
    # A settled complaint has no deadline: it is neither overdue nor lost from "not overdue"
    await Complaint.filter(pk=settled.pk).update(status="RESOLVED", due_at=None)
    query = """
    query Overdue($overdue: Boolean!) {
      complaints(filter: {overdue: $overdue}, first: 100) { totalCount nodes { trackingCode } }
    }"""
    seen = {}
    for role in ("kominfo", "staff.karawang", "staff.bekasi"):
        for overdue in (True, False):
            body = await as_role(role)(query, {"overdue": overdue})
            assert "errors" not in body, body
            codes = sorted(n["trackingCode"] for n in body["data"]["complaints"]["nodes"])
            assert body["data"]["complaints"]["totalCount"] == len(codes)
            seen[role, overdue] = codes
    karawang = sorted(c.tracking_code for c in world.complaints["32.15"])
    bekasi = sorted(c.tracking_code for c in world.complaints["32.16"])
    assert seen["kominfo", True] == sorted([late_karawang.tracking_code, late_bekasi.tracking_code])
    assert seen["staff.karawang", True] == [late_karawang.tracking_code]
    assert seen["staff.bekasi", True] == [late_bekasi.tracking_code]
    assert seen["staff.karawang", False] == sorted(set(karawang) - {late_karawang.tracking_code})
    assert settled.tracking_code in seen["staff.karawang", False]
    assert seen["kominfo", False] == sorted(set(karawang + bekasi) - {late_karawang.tracking_code, late_bekasi.tracking_code})


# --- signing in -------------------------------------------------------------------------------

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { token user { id username role regency { code } } }
}"""
ME = "{ me { id username role regency { code name } } }"


async def test_sign_in_then_ask_who_i_am(world, gql):
    # When staff sign in with the right password
    body = await gql(LOGIN, {"username": "staff.karawang", "password": PASSWORD})
    assert "errors" not in body, body
    signed_in = body["data"]["login"]
    assert signed_in["user"]["username"] == "staff.karawang"
    assert signed_in["user"]["role"] == "regency_staff"
    assert signed_in["user"]["regency"] == {"code": "32.15"}
    # then the token they got names them on later requests
    me = await gql.as_user(signed_in["token"])(ME)
    assert me == {"data": {"me": {
        "id": signed_in["user"]["id"], "username": "staff.karawang", "role": "regency_staff",
        "regency": {"code": "32.15", "name": "Kabupaten Karawang"},
    }}}
    # and without it they are nobody
    assert await gql(ME) == {"data": {"me": None}}


async def test_wrong_credentials_are_unauthenticated_with_one_message(world, gql):
    messages = []
    for username, password in (("staff.karawang", "wrong-password"), ("nobody.here", PASSWORD)):
        body = await gql(LOGIN, {"username": username, "password": password})
        error = only_error(body)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert body.get("data") is None
        messages.append(error["message"])
    assert messages == ["Wrong username or password."] * 2


async def test_tracking_is_rate_limited_per_client_and_needs_the_full_code(world, as_role):
    from core.settings import get_settings

    anonymous = as_role("anonymous")
    receipt = await submit(anonymous)
    code = receipt["trackingCode"]
    # The readable part alone (regency, year, number) finds nothing: the suffix is what makes it unguessable
    assert (await anonymous(TRACK, {"code": code.rsplit("-", 1)[0]}))["data"]["trackComplaint"] is None
    allowed = int(get_settings().track_rate.split("/")[0])
    for _ in range(allowed - 1):
        assert "errors" not in await anonymous(TRACK, {"code": code})
    body = await anonymous(TRACK, {"code": code})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["retryAfterSeconds"] > 0
