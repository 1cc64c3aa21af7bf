"""`Complaint.history`: the status history, for every caller who may read the complaint, and for nobody else.

The history is the generated reverse relation of the declared ``ComplaintEvent``
(``models/history.py``): it is read in the complaint's scope (staff of its
regency, Kominfo), through every path the API offers (the nested field, the
``complaintEvents``/``complaintEvent`` queries, nested under a regency). The
officer who took a step is the ``actor`` relation to ``User``: it shows where
the policy lets the caller read that account (Kominfo: every account), and the
public reaches no history at all (``trackComplaint`` keeps its own view).
"""
import pytest

from models import ComplaintEvent
from models.enums import ComplaintStatus
from permissions.defaults import declared_rules, policy_as_csv
from permissions.management import add_rule, remove_rule
from tests.conftest import registry_for_tests

HISTORY = """
query($id: ID!) {
  complaint(id: $id) { trackingCode status history { id status note at actor { username } } }
}"""
TRANSITION = """
mutation($id: ID!, $to: ComplaintStatus!, $note: String) { transitionComplaint(id: $id, to: $to, note: $note) { status } }
"""
EVENTS = "query($f: ComplaintEventFilter) { complaintEvents(first: 100, filter: $f) { totalCount nodes { id status complaint { id } } } }"
EVENT = "query($id: ID!) { complaintEvent(id: $id) { id status note } }"
NESTED = """
query($regency: ID!) { regency(id: $regency) { code complaints { trackingCode history { status note } } } }
"""


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.fixture
async def worked(world, as_role):
    """A Karawang complaint that the desk verified and started, with notes, as the API does it."""
    complaint = world.complaints["32.15"][0]
    desk = as_role("staff.karawang")
    for to, note in ((ComplaintStatus.VERIFIED, "Laporan lengkap."), (ComplaintStatus.IN_PROGRESS, "Diteruskan ke Dinas.")):
        body = await desk(TRANSITION, {"id": str(complaint.pk), "to": to.value, "note": note})
        assert "errors" not in body, body
    return complaint


async def test_kominfo_reads_the_history_in_order_with_the_officers(worked, as_role):
    body = await as_role("kominfo")(HISTORY, {"id": str(worked.pk)})
    assert "errors" not in body, body
    history = body["data"]["complaint"]["history"]
    assert [(h["status"], h["note"]) for h in history] == [
        ("RECEIVED", ""), ("VERIFIED", "Laporan lengkap."), ("IN_PROGRESS", "Diteruskan ke Dinas."),
    ]
    # The first step is the submission (nobody signed in); the desk's steps name their officer
    assert [h["actor"] and h["actor"]["username"] for h in history] == [None, "staff.karawang", "staff.karawang"]
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)


async def test_staff_of_the_regency_read_the_history_and_the_officers_the_policy_lets_them_read(worked, as_role):
    desk = as_role("staff.karawang")
    # Given the default policy: staff read their regency's complaints and their history
    body = await desk(HISTORY, {"id": str(worked.pk)})
    assert "errors" not in body, body
    history = body["data"]["complaint"]["history"]
    assert [h["status"] for h in history] == ["RECEIVED", "VERIFIED", "IN_PROGRESS"]
    assert history[1]["note"] == "Laporan lengkap."
    # The officer is an account: the default policy gives staff no `User read`, so it reads null, not an error
    assert [h["actor"] for h in history] == [None, None, None]
    # When the policy lets staff read their regency's accounts
    await add_rule("regency_staff", "*", "User", "read", registry=registry_for_tests())
    try:
        body = await desk(HISTORY, {"id": str(worked.pk)})
        # Then the officers' names show
        assert [h["actor"] and h["actor"]["username"] for h in body["data"]["complaint"]["history"]] == [
            None, "staff.karawang", "staff.karawang",
        ]
    finally:
        await remove_rule("regency_staff", "*", "User", "read")


async def test_a_new_transition_appears_at_the_end_of_the_history(worked, as_role):
    desk = as_role("staff.karawang")
    before = (await desk(HISTORY, {"id": str(worked.pk)}))["data"]["complaint"]["history"]
    body = await desk(TRANSITION, {"id": str(worked.pk), "to": "RESOLVED", "note": "Akses sudah pulih."})
    assert body["data"]["transitionComplaint"]["status"] == "RESOLVED"
    after = (await desk(HISTORY, {"id": str(worked.pk)}))["data"]["complaint"]["history"]
    assert after[:-1] == before
    assert (after[-1]["status"], after[-1]["note"]) == ("RESOLVED", "Akses sudah pulih.")


async def test_the_history_pages_with_first_and_after(worked, as_role):
    kominfo = as_role("kominfo")
    query = """
    query($id: ID!, $after: String) { complaint(id: $id) { history(first: 2, after: $after) { id status } } }"""
    first = (await kominfo(query, {"id": str(worked.pk), "after": None}))["data"]["complaint"]["history"]
    assert [h["status"] for h in first] == ["RECEIVED", "VERIFIED"]
    cursor = (await kominfo(
        "query($id: ID!) { complaintEvents(filter: {id: {eq: $id}}) { edges { cursor } } }", {"id": first[-1]["id"]}
    ))["data"]["complaintEvents"]["edges"][0]["cursor"]
    rest = (await kominfo(query, {"id": str(worked.pk), "after": cursor}))["data"]["complaint"]["history"]
    assert [h["status"] for h in rest] == ["IN_PROGRESS"]


async def test_the_history_lists_and_single_reads_are_scoped_to_the_regency(worked, world, as_role):
    karawang_events = await ComplaintEvent.filter(complaint__regency=world.karawang).values_list("id", flat=True)
    bekasi_events = await ComplaintEvent.filter(complaint__regency=world.bekasi).values_list("id", flat=True)
    assert karawang_events and bekasi_events
    # Kominfo reads every step
    body = await as_role("kominfo")(EVENTS, {"f": None})
    assert body["data"]["complaintEvents"]["totalCount"] == len(karawang_events) + len(bekasi_events)
    # Staff of Karawang read Karawang's steps only
    body = await as_role("staff.karawang")(EVENTS, {"f": None})
    assert sorted(int(n["id"]) for n in body["data"]["complaintEvents"]["nodes"]) == sorted(karawang_events)


async def test_staff_of_another_regency_reach_the_history_through_no_path(worked, world, as_role):
    bekasi = as_role("staff.bekasi")
    # Not through the complaint
    body = await bekasi(HISTORY, {"id": str(worked.pk)})
    assert body == {"data": {"complaint": None}}
    # Not through the list, with or without a filter naming the complaint
    body = await bekasi(EVENTS, {"f": {"complaint": {"id": {"eq": str(worked.pk)}}}})
    assert body["data"]["complaintEvents"] == {"totalCount": 0, "nodes": []}
    body = await bekasi(EVENTS, {"f": None})
    assert all(n["complaint"]["id"] not in {str(c.pk) for c in world.complaints["32.15"]}
               for n in body["data"]["complaintEvents"]["nodes"])
    # Not one step by its id
    step = await ComplaintEvent.filter(complaint=worked).first()
    assert await bekasi(EVENT, {"id": str(step.pk)}) == {"data": {"complaintEvent": None}}
    # Not nested under Karawang
    body = await bekasi(NESTED, {"regency": str(world.karawang.pk)})
    assert body["data"]["regency"]["complaints"] == []


async def test_the_public_reaches_no_history_and_no_officer(worked, world, as_role):
    public = as_role("anonymous")
    assert codes(await public(EVENTS, {"f": None})) == ["UNAUTHENTICATED"]
    step = await ComplaintEvent.filter(complaint=worked).first()
    assert codes(await public(EVENT, {"id": str(step.pk)})) == ["UNAUTHENTICATED"]
    assert codes(await public(HISTORY, {"id": str(worked.pk)})) == ["UNAUTHENTICATED"]
    body = await public(NESTED, {"regency": str(world.karawang.pk)})
    assert body["data"]["regency"]["complaints"] == []
    # The tracker (the public's view) keeps its own shape: statuses and dates, never an officer
    tracked = await public(
        "query($c: String!) { trackComplaint(trackingCode: $c) { history { status } } }", {"c": worked.tracking_code}
    )
    assert [h["status"] for h in tracked["data"]["trackComplaint"]["history"]] == ["RECEIVED", "VERIFIED", "IN_PROGRESS"]
    assert "staff.karawang" not in str(tracked)


def test_the_default_policy_grants_staff_the_history():
    rules = declared_rules(registry_for_tests())
    assert ("regency_staff", "*", "ComplaintEvent", "read") in rules
    # Nothing else about the history: no public grant, no write
    assert [r for r in rules if r[2] == "ComplaintEvent"] == [("regency_staff", "*", "ComplaintEvent", "read")]
    assert "p, regency_staff, *, ComplaintEvent, read\n" in policy_as_csv(rules)
