"""Deadlines in working days, Jakarta time: weekends, public holidays and the service-level table."""
import datetime as dt

import pytest

from core.settings import get_settings
from models import Complaint, ComplaintEvent, Regency
from models.enums import ComplaintStatus as S, RegencyKind
from core.clock import WIB
from services.calendar import add_working_days, parse_holidays, public_holidays
from services.workflow import SERVICE_LEVELS, due_at_for

NO_HOLIDAYS: frozenset[dt.date] = frozenset()


def wib(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=WIB)


@pytest.fixture
def configured_holidays(monkeypatch):
    """Set PUBLIC_HOLIDAYS for one test, as a deployment would in its environment."""

    def configure(value: str) -> None:
        monkeypatch.setenv("PUBLIC_HOLIDAYS", value)
        get_settings.cache_clear()

    yield configure
    monkeypatch.delenv("PUBLIC_HOLIDAYS", raising=False)
    get_settings.cache_clear()


def test_received_friday_afternoon_is_due_at_the_end_of_wednesday():
    due = add_working_days(wib(2026, 10, 2, 16, 0), 3, NO_HOLIDAYS)  # Friday
    assert due == end_of(dt.date(2026, 10, 7))  # Wednesday
    # Stored in UTC: 23:59:59 WIB is 16:59:59 UTC.
    assert due.utcoffset() == dt.timedelta(0)
    assert due == dt.datetime(2026, 10, 7, 16, 59, 59, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("received", [
    wib(2026, 10, 2, 0, 0),     # Friday, first second
    wib(2026, 10, 2, 23, 59),   # Friday, last minute
    wib(2026, 10, 3, 10, 0),    # Saturday
    wib(2026, 10, 4, 22, 0),    # Sunday
])
def test_the_hour_and_the_weekend_of_receipt_do_not_matter(received):
    assert add_working_days(received, 3, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 7))


def test_the_day_of_receipt_is_the_day_in_jakarta_not_in_utc():
    # Thursday 20:00 UTC is already Friday 03:00 in Jakarta.
    received = dt.datetime(2026, 10, 1, 20, 0, tzinfo=dt.timezone.utc)
    assert add_working_days(received, 3, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 7))


def test_zero_days_is_the_end_of_the_day_of_receipt_and_negative_is_refused():
    assert add_working_days(wib(2026, 10, 2, 9), 0, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 2))
    with pytest.raises(ValueError):
        add_working_days(wib(2026, 10, 2, 9), -1, NO_HOLIDAYS)


def test_a_holiday_in_the_period_pushes_the_deadline_by_one_working_day():
    monday = dt.date(2026, 10, 5)
    assert add_working_days(wib(2026, 10, 2, 16), 3, {monday}) == end_of(dt.date(2026, 10, 8))


def test_a_configured_public_holiday_moves_the_verification_deadline(configured_holidays):
    received = wib(2026, 10, 2, 16)
    assert due_at_for(S.RECEIVED, received) == end_of(dt.date(2026, 10, 7))

    configured_holidays("2026-10-05, 2026-10-06")  # Monday and Tuesday
    assert {dt.date(2026, 10, 5), dt.date(2026, 10, 6)} <= public_holidays().in_year(2026)
    assert due_at_for(S.RECEIVED, received) == end_of(dt.date(2026, 10, 9))


def test_a_malformed_public_holiday_is_reported_by_name():
    with pytest.raises(ValueError, match="'05-10-2026'"):
        parse_holidays(["2026-10-05", "05-10-2026"])


def test_the_national_calendar_holds_the_idul_fitri_2026_break():
    holidays = public_holidays()
    assert {dt.date(2026, 3, d) for d in (18, 19, 20, 21, 22, 23, 24)} <= holidays.in_year(2026)
    assert dt.date(2025, 8, 18) in holidays  # cuti bersama added in August 2025
    # Received on Nyepi (Thursday 19 March): the break and the weekend pass before the clock runs.
    assert add_working_days(wib(2026, 3, 19, 10), 3, holidays) == end_of(dt.date(2026, 3, 27))


def test_service_levels_by_status():
    since = wib(2026, 10, 2, 16)  # Friday
    assert due_at_for(S.RECEIVED, since, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 7))
    assert due_at_for(S.VERIFIED, since, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 9))
    assert due_at_for(S.IN_PROGRESS, since, NO_HOLIDAYS) == end_of(dt.date(2026, 10, 9))
    for final in (S.RESOLVED, S.CLOSED, S.REJECTED):
        assert due_at_for(final, since) is None
    assert SERVICE_LEVELS[S.IN_PROGRESS].clock_starts_at == S.VERIFIED


async def test_any_new_complaint_gets_a_code_a_deadline_and_its_first_history_entry():
    # Given a regency, when a complaint is created directly (as the generic createComplaint does)
    regency = await Regency.create(code="32.15", name="Kabupaten Karawang", kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    received = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.timezone.utc)  # Friday 16:00 WIB
    complaint = await Complaint.create(
        regency=regency, title="Lampu jalan mati", body="Sejak Senin.", reporter_name="Siti",
        reporter_contact="0812", created_at=received,
    )
    # then the hooks filled in the tracking code, the deadline and the history
    await complaint.refresh_from_db()
    assert complaint.tracking_code.startswith("ADU-3215-2026-000001-")
    assert complaint.due_at == due_at_for(S.RECEIVED, received)
    assert complaint.created_at == received
    events = await ComplaintEvent.filter(complaint=complaint).values_list("status", "at")
    assert events == [(S.RECEIVED, received)]
