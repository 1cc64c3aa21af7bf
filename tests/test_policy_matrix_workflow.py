"""The complaint desk's own actions (transition, submit, track) × role × own/other regency, through the API.

The generic matrix (test_policy_matrix_api.py) covers read/create/update/delete
of every model; these are the workflow actions of the contract, which the
same policy store grants (``transition`` to staff in their regency, ``submit``
and ``track`` to everyone). Expectations come from tests/roles.py's oracle.
"""
from __future__ import annotations

import pytest

from models import Complaint
from models.enums import ComplaintStatus
from permissions.management import remove_rule
from tests.roles import CALLER, CALLERS, denied_code, oracle

ORACLE = oracle()
COMPLAINT = ORACLE.registry["Complaint"]
CALLER_NAMES = [c.name for c in CALLERS]

TRANSITION = "mutation($id: ID!) { transitionComplaint(id: $id, to: VERIFIED, note: \"Diverifikasi\") { status } }"
SUBMIT = """mutation($regency: String!) {
  submitComplaint(input: {regencyCode: $regency, title: "Jalan rusak", body: "Berlubang di depan pasar.",
                          reporterName: "Siti", reporterContact: "0812-0000-0000"}) { trackingCode status }
}"""
TRACK = "query($code: String!) { trackComplaint(trackingCode: $code) { trackingCode status } }"


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def transition_outcome(role: str, complaint: Complaint) -> str:
    """Like update: denied without the action at all; a row outside the caller's regencies looks absent."""
    caller = CALLER[role]
    if not ORACLE.allowed(caller, "Complaint", "transition"):
        return denied_code(caller)
    facts = (await ORACLE.facts(COMPLAINT))[complaint.pk]
    return "ok" if ORACLE.may(caller, COMPLAINT, "transition", facts) else "NOT_FOUND"


@pytest.mark.parametrize("regency_code", ["32.15", "32.16"])
@pytest.mark.parametrize("role", CALLER_NAMES)
async def test_transition(world, callers, as_role, role, regency_code):
    complaint = world.complaints[regency_code][0]
    want = await transition_outcome(role, complaint)
    body = await as_role(role)(TRANSITION, {"id": str(complaint.pk)})
    await complaint.refresh_from_db()
    if want == "ok":
        assert body["data"]["transitionComplaint"] == {"status": "VERIFIED"}, body
        assert complaint.status is ComplaintStatus.VERIFIED
    else:
        assert codes(body) == [want], body
        assert complaint.status is ComplaintStatus.RECEIVED


@pytest.mark.parametrize("regency_code", ["32.15", "32.16"])
@pytest.mark.parametrize("role", CALLER_NAMES)
async def test_submit_and_track_follow_the_public_grants(world, callers, as_role, role, regency_code):
    caller, client = CALLER[role], as_role(role)
    body = await client(SUBMIT, {"regency": regency_code})
    if not ORACLE.allowed(caller, "Complaint", "submit"):
        assert codes(body) == [denied_code(caller)], body
        return
    receipt = body["data"]["submitComplaint"]
    assert receipt["status"] == "RECEIVED"
    assert receipt["trackingCode"].startswith(f"ADU-{regency_code.replace('.', '')}-")
    tracked = await client(TRACK, {"code": receipt["trackingCode"]})
    if ORACLE.allowed(caller, "Complaint", "track"):
        assert tracked["data"]["trackComplaint"] == receipt
    else:
        assert codes(tracked) == [denied_code(caller)], tracked


def test_the_contract_opens_submit_and_track_to_everyone():
    assert all(ORACLE.allowed(c, "Complaint", a) for c in CALLERS for a in ("submit", "track"))


async def test_removing_the_public_submit_rule_closes_submissions_on_the_next_request(world, as_role):
    anonymous, staff = as_role("anonymous"), as_role("staff.karawang")
    before = await Complaint.all().count()
    # Given the desk closes public submissions (staff hold the public grants too)
    assert await remove_rule("public", "public", "Complaint", "submit")
    # Then the next submission is refused, for anonymous and signed-in callers alike, and nothing is written
    assert codes(await anonymous(SUBMIT, {"regency": "32.15"})) == ["UNAUTHENTICATED"]
    assert codes(await staff(SUBMIT, {"regency": "32.15"})) == ["FORBIDDEN"]
    assert await Complaint.all().count() == before
    # While tracking, a separate rule, still works
    code = world.complaints["32.15"][0].tracking_code
    assert (await anonymous(TRACK, {"code": code}))["data"]["trackComplaint"]["trackingCode"] == code
