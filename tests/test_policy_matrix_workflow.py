"""The complaint desk's own actions (transition, submit, track) × role × own/other regency, through the API.

The generic matrix (test_policy_matrix_api.py) covers read/create/update/delete
of every model; these are the workflow actions of the contract, which the
same policy store grants (``transition`` to staff in their regency, ``submit``
and ``track`` to everyone).
"""
from __future__ import annotations

import pytest

from models import Complaint
from models.enums import ComplaintStatus
from permissions.management import remove_rule

ROLES = ("kominfo", "staff.karawang", "staff.bekasi", "anonymous")
HOME = {"staff.karawang": "32.15", "staff.bekasi": "32.16"}

TRANSITION = "mutation($id: ID!) { transitionComplaint(id: $id, to: VERIFIED, note: \"Diverifikasi\") { status } }"
SUBMIT = """mutation($regency: String!) {
  submitComplaint(input: {regencyCode: $regency, title: "Jalan rusak", body: "Berlubang di depan pasar.",
                          reporterName: "Siti", reporterContact: "0812-0000-0000"}) { trackingCode status }
}"""
TRACK = "query($code: String!) { trackComplaint(trackingCode: $code) { trackingCode status } }"


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def transition_outcome(role: str, regency_code: str) -> str:
    if role == "kominfo":
        return "ok"
    if role == "anonymous":
        return "UNAUTHENTICATED"
    # Staff may transition, but only rows of their regency; others look absent.
    return "ok" if HOME[role] == regency_code else "NOT_FOUND"


@pytest.mark.parametrize("regency_code", ["32.15", "32.16"])
@pytest.mark.parametrize("role", ROLES)
async def test_transition(world, as_role, role, regency_code):
    complaint = world.complaints[regency_code][0]
    body = await as_role(role)(TRANSITION, {"id": str(complaint.pk)})
    want = transition_outcome(role, regency_code)
    await complaint.refresh_from_db()
    if want == "ok":
        assert body["data"]["transitionComplaint"] == {"status": "VERIFIED"}, body
        assert complaint.status is ComplaintStatus.VERIFIED
    else:
        assert codes(body) == [want], body
        assert complaint.status is ComplaintStatus.RECEIVED


@pytest.mark.parametrize("regency_code", ["32.15", "32.16"])
@pytest.mark.parametrize("role", ROLES)
async def test_submit_and_track_are_open_to_everyone(world, as_role, role, regency_code):
    client = as_role(role)
    body = await client(SUBMIT, {"regency": regency_code})
    receipt = body["data"]["submitComplaint"]
    assert receipt["status"] == "RECEIVED"
    assert receipt["trackingCode"].startswith(f"ADU-{regency_code.replace('.', '')}-")
    tracked = await client(TRACK, {"code": receipt["trackingCode"]})
    assert tracked["data"]["trackComplaint"] == receipt


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
