"""The complaint workflow through its domain services: submit, track, transition, events."""
import asyncio
import datetime as dt
import itertools
import os
import sys
import uuid
from pathlib import Path

import pytest

from core.errors import BadUserInput, NotFound, Unauthenticated
from models import AuditEntry, Complaint, ComplaintEvent, User
from models.enums import ComplaintCategory, ComplaintStatus as S
from permissions.access import access_for
from services.complaints import submit_complaint, track_complaint
from services.transitions import transition_complaint
from services.events import complaint_feed
from services.tracking import parse_code
from services.workflow import TRANSITIONS, allowed_transitions, check_transition, due_at_for

ALLOWED = {
    (S.RECEIVED, S.VERIFIED), (S.RECEIVED, S.REJECTED),
    (S.VERIFIED, S.IN_PROGRESS), (S.VERIFIED, S.REJECTED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.IN_PROGRESS),
}
ALL_PAIRS = list(itertools.product(S, S))


def fresh_address() -> str:
    """A client address no other test used: the rate limit counts per address for the whole session."""
    return f"198.51.100.{uuid.uuid4().hex[:8]}"


def submission(**changes) -> dict:
    values = dict(
        regency_code="32.15", app_id=None, title="Lampu jalan mati", body="Jl. Tuparev sejak Senin.",
        category=ComplaintCategory.COMPLAINT, reporter_name="Siti", reporter_contact="0812-0000-0000",
        client_address=fresh_address(),
    )
    return values | changes


async def access_of(username: str | None):
    return await access_for(await User.get(username=username) if username else None)


# --- the state machine as data ----------------------------------------------------------------


def test_the_transition_table_is_exactly_the_contract():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(TRANSITIONS) == set(S)
    assert allowed_transitions("VERIFIED") == (S.IN_PROGRESS, S.REJECTED)
    assert allowed_transitions(S.CLOSED) == ()


def test_a_forbidden_move_names_the_allowed_ones():
    with pytest.raises(BadUserInput) as raised:
        check_transition(S.VERIFIED, S.CLOSED)
    assert raised.value.message == "A complaint in status VERIFIED can move to IN_PROGRESS or REJECTED, not CLOSED."
    assert raised.value.extensions["allowed"] == ["IN_PROGRESS", "REJECTED"]


@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
async def test_every_pair_of_statuses(world, current, target):
    # Given a Karawang complaint in `current`, when kominfo moves it to `target`
    complaint = world.complaints["32.15"][0]
    await Complaint.filter(pk=complaint.pk).update(status=current)
    kominfo = await access_of("kominfo")
    if (current, target) in ALLOWED:
        moved = await transition_complaint(kominfo, complaint.pk, target, note="dicek")
        # then the row, its history and the audit log show the move
        assert moved.status == target
        assert (await Complaint.get(pk=complaint.pk)).status == target
        event = await ComplaintEvent.filter(complaint_id=complaint.pk).order_by("-id").first()
        assert (event.status, event.note, event.actor_id) == (target, "dicek", kominfo.user.pk)
        entry = await AuditEntry.get(model="Complaint", object_id=str(complaint.pk), action="transition")
        assert (entry.before["status"], entry.after["status"], entry.actor_name) == (current.value, target.value, "kominfo")
    else:
        # or it is refused, naming what is possible, and nothing changes
        with pytest.raises(BadUserInput) as raised:
            await transition_complaint(kominfo, complaint.pk, target)
        assert raised.value.message.startswith(f"A complaint in status {current.value} ")
        assert target.value in raised.value.message
        assert (await Complaint.get(pk=complaint.pk)).status == current
        assert not await AuditEntry.filter(model="Complaint", action="transition").exists()


async def test_resolved_at_is_set_on_resolved_and_cleared_when_reopened(world):
    complaint = world.complaints["32.15"][0]
    staff = await access_of("staff.karawang")
    for step in (S.VERIFIED, S.IN_PROGRESS):
        moved = await transition_complaint(staff, complaint.pk, step)
        assert moved.resolved_at is None

    resolved = await transition_complaint(staff, str(complaint.pk), S.RESOLVED, note="Lampu sudah diganti.")
    assert resolved.resolved_at is not None and resolved.due_at is None
    assert (await Complaint.get(pk=complaint.pk)).resolved_at == resolved.resolved_at

    reopened = await transition_complaint(staff, complaint.pk, "IN_PROGRESS", note="Masih mati.")
    assert reopened.resolved_at is None
    assert (await Complaint.get(pk=complaint.pk)).resolved_at is None
    # A reopened complaint gets a fresh follow-up period from the reopening.
    assert reopened.due_at == due_at_for(S.IN_PROGRESS, (await ComplaintEvent.filter(complaint_id=complaint.pk).order_by("-id").first()).at)

    statuses = await ComplaintEvent.filter(complaint_id=complaint.pk).order_by("at", "id").values_list("status", flat=True)
    assert statuses == [S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED, S.IN_PROGRESS]


async def test_work_keeps_the_deadline_counted_from_verification(world):
    complaint = world.complaints["32.15"][1]
    staff = await access_of("staff.karawang")
    verified = await transition_complaint(staff, complaint.pk, S.VERIFIED)
    verified_at = (await ComplaintEvent.get(complaint_id=complaint.pk, status=S.VERIFIED)).at
    assert verified.due_at == due_at_for(S.VERIFIED, verified_at)
    started = await transition_complaint(staff, complaint.pk, S.IN_PROGRESS)
    assert started.due_at == verified.due_at
    rejected_elsewhere = world.complaints["32.15"][2]
    rejected = await transition_complaint(staff, rejected_elsewhere.pk, S.REJECTED, note="Bukan wewenang.")
    assert rejected.due_at is None


async def test_out_of_scope_and_missing_complaints_look_the_same(world):
    bekasi_complaint = world.complaints["32.16"][0]
    staff = await access_of("staff.karawang")
    messages = []
    for target_id in (bekasi_complaint.pk, 999999, "not-a-number"):
        with pytest.raises(NotFound) as raised:
            await transition_complaint(staff, target_id, S.VERIFIED)
        messages.append(raised.value.message.replace(repr(target_id), "<id>"))
    assert len(set(messages)) == 1
    assert (await Complaint.get(pk=bekasi_complaint.pk)).status == S.RECEIVED

    anonymous = await access_of(None)
    with pytest.raises(Unauthenticated):
        await transition_complaint(anonymous, bekasi_complaint.pk, S.VERIFIED)


# --- submit and track -------------------------------------------------------------------------


async def test_submit_then_track_then_transition_then_track(world):
    # Given a submission from a citizen
    complaint = await submit_complaint(**submission(app_id=str(world.apps[0].pk)))
    # then it gets the next code of Karawang this year (the world holds 000001-000003 already)
    parsed = parse_code(complaint.tracking_code)
    assert (parsed.regency_code, parsed.sequence) == ("32.15", 4)
    assert complaint.status == S.RECEIVED
    assert complaint.due_at == due_at_for(S.RECEIVED, complaint.created_at)

    # When anyone tracks it (any letter case)
    view = await track_complaint(complaint.tracking_code.lower())
    assert (view.status, view.regency_code, view.regency_name, view.app_name) == (
        S.RECEIVED, "32.15", "Kabupaten Karawang", "LAKSA",
    )
    assert [(h.status, h.note) for h in view.history] == [(S.RECEIVED, "")]
    # then the reporter's details are nowhere in the view
    shown = repr(view)
    assert "Siti" not in shown and "0812-0000-0000" not in shown

    # When the desk verifies it, tracking shows the new status and the note written for the citizen,
    # never the desk's internal note
    await transition_complaint(
        await access_of("staff.karawang"), complaint.pk, S.VERIFIED,
        note="Pelapor tetangga kepala dinas.", public_note="Diteruskan ke Dishub.",
    )
    view = await track_complaint(f"  {complaint.tracking_code}  ")
    assert view.status == S.VERIFIED
    assert [(h.status, h.note) for h in view.history] == [(S.RECEIVED, ""), (S.VERIFIED, "Diteruskan ke Dishub.")]
    assert "kepala dinas" not in repr(view)
    # and only the full code finds it
    assert await track_complaint(complaint.tracking_code.rsplit("-", 1)[0]) is None
    assert view.due_at == (await Complaint.get(pk=complaint.pk)).due_at


async def test_unknown_tracking_codes_give_none(world):
    assert await track_complaint("ADU-3215-2026-999999") is None
    assert await track_complaint("") is None


async def test_a_signed_in_submitter_is_the_actor_of_the_first_entry_and_the_audit(world):
    kominfo = await User.get(username="kominfo")
    complaint = await submit_complaint(**submission(actor=kominfo))
    assert (await ComplaintEvent.get(complaint_id=complaint.pk)).actor_id == kominfo.pk
    entry = await AuditEntry.get(model="Complaint", object_id=str(complaint.pk), action="create")
    assert entry.actor_name == "kominfo" and entry.after["tracking_code"] == complaint.tracking_code


@pytest.mark.parametrize("changes,field,fragment", [
    ({"regency_code": "99.99"}, "regencyCode", "does not match any regency"),
    ({"app_id": "424242"}, "appId", "does not match any app"),
    ({"app_id": "abc"}, "appId", "does not match any app"),
    ({"title": ""}, "title", "title is required"),
    ({"title": "   "}, "title", "title is required"),
    ({"title": "x" * 201}, "title", "at most 200 characters (got 201)"),
    ({"body": ""}, "body", "body is required"),
    ({"body": "x" * 5001}, "body", "at most 5000 characters"),
    ({"reporter_name": ""}, "reporterName", "reporterName is required"),
    ({"reporter_contact": "1" * 121}, "reporterContact", "at most 120 characters"),
    ({"category": "GOSSIP"}, "category", "category must be one of ASPIRATION, COMPLAINT, INFORMATION_REQUEST"),
])
async def test_submit_validation_names_the_field(world, changes, field, fragment):
    with pytest.raises(BadUserInput) as raised:
        await submit_complaint(**submission(**changes))
    assert fragment in raised.value.message
    assert raised.value.extensions["field"] == field
    assert await Complaint.filter(regency__code="32.15").count() == 3


async def test_submit_accepts_the_limits_exactly(world):
    complaint = await submit_complaint(**submission(title="x" * 200, body="y" * 5000, reporter_name="n" * 120, category="ASPIRATION"))
    assert (len(complaint.title), len(complaint.body), complaint.category) == (200, 5000, ComplaintCategory.ASPIRATION)


async def test_submissions_are_rate_limited_per_address(world):
    from services.complaints import submissions_allowed_per_window

    busy, other = fresh_address(), fresh_address()
    allowed = submissions_allowed_per_window()
    for _ in range(allowed):
        await submit_complaint(**submission(client_address=busy))
    with pytest.raises(BadUserInput) as raised:
        await submit_complaint(**submission(client_address=busy))
    wait = raised.value.extensions["retryAfterSeconds"]
    assert wait >= 1
    assert raised.value.message == f"Too many complaints from this address; try again in {wait} seconds."
    # Another address is not affected.
    await submit_complaint(**submission(client_address=other))
    assert await Complaint.filter(regency__code="32.15").count() == 3 + allowed + 1


async def test_concurrent_submissions_get_unique_consecutive_codes(world):
    # Given 20 citizens submitting to Bekasi at the same moment
    results = await asyncio.gather(*(
        submit_complaint(**submission(regency_code="32.16", title=f"Keluhan {n}")) for n in range(20)
    ))
    # then every code is different and the sequence has no gap (the world holds 000001-000003)
    codes = [c.tracking_code for c in results]
    assert len(set(codes)) == 20
    assert sorted(parse_code(c).sequence for c in codes) == list(range(4, 24))
    assert {parse_code(c).regency_code for c in codes} == {"32.16"}
    assert await ComplaintEvent.filter(complaint__regency__code="32.16").count() == 23


async def test_each_regency_and_year_counts_on_its_own(world):
    bekasi = await submit_complaint(**submission(regency_code="32.16"))
    karawang = await submit_complaint(**submission(regency_code="32.15"))
    next_year = await Complaint.create(
        regency=world.karawang, title="t", body="b", reporter_name="n", reporter_contact="c",
        created_at=dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    last_of_year = await Complaint.create(
        regency=world.karawang, title="t", body="b", reporter_name="n", reporter_contact="c",
        # 31 December 2026, 23:30 in Jakarta: still 2026 there, although it is 16:30 UTC.
        created_at=dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc),
    )
    readable = [parse_code(c.tracking_code).readable for c in (bekasi, karawang, next_year, last_of_year)]
    assert readable == [
        f"ADU-3216-{bekasi.created_at.year}-000004", f"ADU-3215-{karawang.created_at.year}-000004",
        "ADU-3215-2027-000001", "ADU-3215-2026-000005",
    ]
    # each with its own random suffix
    assert len({parse_code(c.tracking_code).suffix for c in (bekasi, karawang, next_year, last_of_year)}) == 4


# --- live changes -----------------------------------------------------------------------------


async def test_a_subscriber_hears_about_submissions_and_transitions(world):
    async with complaint_feed() as feed:
        changes = aiter(feed)
        complaint = await submit_complaint(**submission())
        # A hang guard, not a timing assertion: the message is already on its way.
        submitted = await asyncio.wait_for(anext(changes), timeout=10)
        assert (submitted.complaint_id, submitted.tracking_code, submitted.regency_code) == (
            complaint.pk, complaint.tracking_code, "32.15",
        )
        await transition_complaint(await access_of("staff.karawang"), complaint.pk, S.VERIFIED)
        moved = await asyncio.wait_for(anext(changes), timeout=10)
        assert moved.complaint_id == complaint.pk


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="workers share changes only through Redis (REDIS_URL)")
async def test_a_change_published_by_another_worker_process_arrives():
    script = (
        "import asyncio\n"
        "from services.events import publish_complaint_changed\n"
        "asyncio.run(publish_complaint_changed(7, 'ADU-3215-2026-000007', '32.15'))\n"
    )
    async with complaint_feed() as feed:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "PLATFORM_ENV": "development"},
        )
        assert await worker.wait() == 0
        change = await asyncio.wait_for(anext(aiter(feed)), timeout=10)
    assert (change.complaint_id, change.tracking_code, change.regency_code) == (7, "ADU-3215-2026-000007", "32.15")
