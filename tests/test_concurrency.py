"""Many requests at once on PostgreSQL: no submission lost, no code given twice, no complaint in two states.

The requests run concurrently in one process (asyncio); the database pool and
PostgreSQL's row locks are where they really meet, which is what these tests
are about. SQLite takes one writer at a time, so there is nothing to race.
"""
from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections import Counter

import httpx
import pytest

from core.settings import load_settings
from models import Complaint
from models.enums import ComplaintStatus as S
from models.history import ComplaintEvent
from services.workflow import TRANSITIONS

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL)",
)

SUBMIT = """mutation($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingCode status } }"""
TRANSITION = """mutation($id: ID!, $to: ComplaintStatus!, $note: String) {
  transitionComplaint(id: $id, to: $to, note: $note) { id status } }"""
#: The region, year and counter of a tracking code (whatever may follow them).
CODE = re.compile(r"^ADU-(\d{4})-(\d{4})-(\d{6,})")


async def test_200_simultaneous_submissions_from_200_citizens_are_all_kept_with_their_own_codes(world):
    from server.app import create_app

    # Given the API behind a trusted proxy, and 200 citizens at 200 addresses
    proxy = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
    app = create_app(
        load_settings({
            "PLATFORM_ENV": "test", "SECRET_KEY": os.environ["SECRET_KEY"], "FORWARDED_ALLOW_IPS": proxy,
            "DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ.get("REDIS_URL", ""),
        }),
        manage_database=False,
    )
    run = uuid.uuid4().hex[:6]
    block = uuid.uuid4().int % 200  # a fresh block of addresses per run: with Redis, limits outlive a test
    regencies = ("32.15", "32.16")
    before = await Complaint.all().count()

    async def submit(n: int, http: httpx.AsyncClient) -> dict:
        citizen = f"198.19.{block}.{n + 1}"
        variables = {"i": {"regencyCode": regencies[n % 2], "title": f"Beban {run} {n}", "body": "Lampu jalan mati.",
                           "reporterName": f"Warga {n}", "reporterContact": f"0812{n:06d}"}}
        response = await http.post("/graphql", json={"query": SUBMIT, "variables": variables},
                                   headers={"X-Forwarded-For": citizen})
        return response.json()

    # When all of them submit at the same moment
    transport = httpx.ASGITransport(app=app, client=(proxy, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120) as http:
        answers = await asyncio.gather(*(submit(n, http) for n in range(200)))

    # Then every one is answered without error, and 200 rows hold 200 different codes
    errors = [a["errors"] for a in answers if a.get("errors")]
    assert not errors, errors[:3]
    codes = [a["data"]["submitComplaint"]["trackingCode"] for a in answers]
    assert len(set(codes)) == 200
    rows = await Complaint.filter(title__startswith=f"Beban {run} ").values_list("tracking_code", "regency__code")
    assert len(rows) == 200
    assert sorted(code for code, _ in rows) == sorted(codes)
    assert await Complaint.all().count() == before + 200
    # each with its first history entry, and the counters of each regency handed out without gaps
    assert await ComplaintEvent.filter(complaint__title__startswith=f"Beban {run} ").count() == 200
    for regency in regencies:
        numbers = sorted(int(CODE.match(code).group(3)) for code, where in rows if where == regency)
        assert numbers == list(range(numbers[0], numbers[0] + 100)), (regency, numbers)


#: Moves sent at once, mostly round the RESOLVED ⇄ IN_PROGRESS loop so a long walk is possible; the locks
#: decide the order, and moves the workflow does not have from where the complaint then is fail.
MOVES = [S.VERIFIED, S.IN_PROGRESS, S.RESOLVED, S.IN_PROGRESS, S.RESOLVED] * 9 + [
    S.CLOSED, S.REJECTED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED]


async def test_50_simultaneous_transitions_of_one_complaint_leave_one_valid_history(as_role, world):
    # Given one received complaint and Kominfo's desk
    complaint = world.complaints["32.15"][0]
    kominfo = as_role("kominfo")
    assert len(MOVES) == 50

    # When 50 moves of it arrive at the same moment
    async def move(n: int, to: S) -> tuple[S, dict]:
        return to, await kominfo(TRANSITION, {"id": str(complaint.pk), "to": to.value, "note": f"langkah {n}"})

    answers = await asyncio.gather(*(move(n, to) for n, to in enumerate(MOVES)))

    # Then each move either succeeded or was refused as a move the workflow does not have (never a crash)
    succeeded = []
    for to, body in answers:
        if body.get("errors"):
            assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
            assert body["errors"][0]["extensions"].get("field") == "to", body
        else:
            assert body["data"]["transitionComplaint"]["status"] == to.value, body
            succeeded.append(to)
    assert succeeded, "no move succeeded"

    # and the history is a walk the workflow allows, step for step the moves that reported success
    history = await ComplaintEvent.filter(complaint_id=complaint.pk).order_by("id").values_list("status", "note")
    statuses = [S(status) for status, _ in history]
    assert statuses[0] == S.RECEIVED
    for previous, following in zip(statuses, statuses[1:]):
        assert following in TRANSITIONS[previous], statuses
    assert Counter(statuses[1:]) == Counter(succeeded)
    assert len({note for _, note in history[1:]}) == len(succeeded)  # each success wrote its own step
    await complaint.refresh_from_db()
    assert S(complaint.status) == statuses[-1]
    assert (complaint.resolved_at is not None) == (statuses[-1] in (S.RESOLVED, S.CLOSED))
