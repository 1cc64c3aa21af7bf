"""Working days of an Indonesian regional government, counted in Jakarta time (WIB, UTC+7).

The rule for every deadline of the complaint desk:

    deadline = the end (23:59:59 WIB) of the Nth working day AFTER the day of receipt.

The day of receipt never counts, whatever the hour; working days are Monday to
Friday minus public holidays. So a complaint received on Friday at 16:00 (or on
Saturday, or on Sunday) with a 3-working-day limit is due on Wednesday at
23:59:59 WIB, which is stored as Wednesday 16:59:59 UTC. With N = 0 the
deadline is the end of the day of receipt itself.

Public holidays are the built-in national list (``holidays_id.csv``: libur
nasional and cuti bersama 2025-2026) plus the ``PUBLIC_HOLIDAYS`` setting (ISO
dates, comma-separated) for regional holidays and corrections.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from core.clock import WIB, wib_date
from core.settings import get_settings

HOLIDAYS_FILE = Path(__file__).with_name("holidays_id.csv")
_END_OF_DAY = dt.time(23, 59, 59)
_SATURDAY = 5


def add_working_days(start: dt.datetime, days: int, holidays: Collection[dt.date]) -> dt.datetime:
    """End (23:59:59 WIB) of the ``days``-th working day after the WIB day of ``start``, in UTC.

    ``start`` should carry a time zone; a naive datetime is read as UTC (what the
    database returns when time zones are off). ``holidays`` are dates in WIB.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.timezone.utc)
    day = start.astimezone(WIB).date()
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return dt.datetime.combine(day, _END_OF_DAY, tzinfo=WIB).astimezone(dt.timezone.utc)


def is_working_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    return day.weekday() < _SATURDAY and day not in holidays


@lru_cache(maxsize=1)
def national_holidays() -> frozenset[dt.date]:
    """The built-in list: Indonesian libur nasional and cuti bersama for 2025-2026 (see the CSV's header)."""
    with HOLIDAYS_FILE.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return frozenset(dt.date.fromisoformat(row["date"]) for row in csv.DictReader(lines))


def parse_holidays(values: Collection[str]) -> frozenset[dt.date]:
    """ISO dates from the ``PUBLIC_HOLIDAYS`` setting; a malformed one stops the platform with a clear message."""
    dates = set()
    for value in values:
        try:
            dates.add(dt.date.fromisoformat(value))
        except ValueError:
            raise ValueError(
                f"PUBLIC_HOLIDAYS contains {value!r}, which is not an ISO date (YYYY-MM-DD)."
            ) from None
    return frozenset(dates)


def public_holidays() -> frozenset[dt.date]:
    """Every non-working weekday the deadlines skip: the built-in list plus ``PUBLIC_HOLIDAYS``."""
    return national_holidays() | parse_holidays(get_settings().public_holidays)
