"""Working days of an Indonesian regional government, counted in Jakarta time (WIB, UTC+7).

The rule for every deadline of the complaint desk:

    deadline = the end (23:59:59 WIB) of the Nth working day AFTER the day of receipt.

The day of receipt never counts, whatever the hour; working days are Monday to
Friday minus public holidays. So a complaint received on Friday at 16:00 (or on
Saturday, or on Sunday) with a 3-working-day limit is due on Wednesday at
23:59:59 WIB, which is stored as Wednesday 16:59:59 UTC. With N = 0 the
deadline is the end of the day of receipt itself.

Public holidays, for any year:

* libur nasional and cuti bersama from the ``holidays`` library
  (``country_holidays("ID")``: its PUBLIC category holds the libur nasional, its
  GOVERNMENT category the cuti bersama of the yearly SKB 3 Menteri). For a year
  whose decree the installed version does not carry yet, the library still
  knows the fixed and computed holidays, with Islamic dates estimated
  ("perkiraan"), but no cuti bersama;
* corrected by ``holidays_override.csv``: dates to add and dates to remove, each
  with the decree or announcement that says why, for decisions the installed
  library does not carry yet;
* plus the ``PUBLIC_HOLIDAYS`` setting (ISO dates, comma-separated) for a
  regency's own holidays.

Each year is computed the first time a deadline reaches it, then kept. Logger
``simpul.calendar`` reports, once per year: an ERROR for a year with no data at
all (its deadlines skip weekends only), a WARNING for a year since 2002 with no
cuti bersama (the installed library predates that year's decree; upgrade it or
add the days to the override table).
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Container, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from holidays import __version__ as HOLIDAYS_VERSION
from holidays import country_holidays
from holidays.constants import GOVERNMENT, PUBLIC

from core.clock import WIB
from core.settings import get_settings

logger = logging.getLogger("simpul.calendar")

OVERRIDES_FILE = Path(__file__).with_name("holidays_override.csv")
#: Cuti bersama began in 2002; a later year without any means the library lacks that year's decree.
FIRST_COLLECTIVE_LEAVE_YEAR = 2002
_END_OF_DAY = dt.time(23, 59, 59)
_SATURDAY = 5


def add_working_days(start: dt.datetime, days: int, holidays: Container[dt.date]) -> dt.datetime:
    """End (23:59:59 WIB) of the ``days``-th working day after the WIB day of ``start``, in UTC.

    ``start`` should carry a time zone; a naive datetime is read as UTC (what the
    database returns when time zones are off). ``holidays`` are dates in WIB: a
    set, or the :class:`PublicHolidays` of :func:`public_holidays`.
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


def is_working_day(day: dt.date, holidays: Container[dt.date]) -> bool:
    return day.weekday() < _SATURDAY and day not in holidays


@dataclass(frozen=True)
class HolidayOverride:
    """One row of the override table: a date the library gets wrong, and the decree that says so."""

    date: dt.date
    change: Literal["add", "remove"]
    name: str
    why: str


def read_overrides(path: Path) -> tuple[HolidayOverride, ...]:
    """The rows of an override table; a malformed row stops the platform with a message naming it."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    overrides: list[HolidayOverride] = []
    for row in rows:
        value = (row.get("date") or "").strip()
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{path.name}: {value!r} is not an ISO date (YYYY-MM-DD).") from None
        change = (row.get("change") or "").strip()
        if change not in ("add", "remove"):
            raise ValueError(f"{path.name}, {day}: change must be 'add' or 'remove', not {change!r}.")
        why = (row.get("why") or "").strip()
        if not why:
            raise ValueError(f"{path.name}, {day}: the why column must name the decree or announcement.")
        if any(o.date == day for o in overrides):
            raise ValueError(f"{path.name}: {day} appears twice.")
        overrides.append(HolidayOverride(day, change, (row.get("name") or "").strip(), why))
    return tuple(overrides)


@lru_cache(maxsize=1)
def holiday_overrides() -> tuple[HolidayOverride, ...]:
    """The override table shipped with the platform (``holidays_override.csv``)."""
    return read_overrides(OVERRIDES_FILE)


@lru_cache(maxsize=None)
def national_holidays(year: int) -> frozenset[dt.date]:
    """Libur nasional and cuti bersama of ``year``: the ``holidays`` library, corrected by the override table.

    Computed on first use and kept, so a year without data is logged once.
    """
    public = country_holidays("ID", years=year, categories=PUBLIC, language="id")
    collective_leave = country_holidays("ID", years=year, categories=GOVERNMENT, language="id")
    changes = [o for o in holiday_overrides() if o.date.year == year]
    added = {o.date for o in changes if o.change == "add"}
    removed = {o.date for o in changes if o.change == "remove"}
    days = ((set(public) | set(collective_leave)) - removed) | added

    if not public and not collective_leave and not changes:
        logger.error(
            "No public holidays known for %d: the holidays library (%s) has no data for Indonesia in that year "
            "and %s has no rows for it. Deadlines in %d count every weekday as a working day; upgrade the "
            "holidays library or add the year's dates to the override table.",
            year, HOLIDAYS_VERSION, OVERRIDES_FILE.name, year,
        )
    elif not collective_leave and not added and year >= FIRST_COLLECTIVE_LEAVE_YEAR:
        logger.warning(
            "No cuti bersama known for %d: the holidays library (%s) does not carry that year's SKB and %s "
            "adds none. Deadlines in %d skip the libur nasional (Islamic ones estimated) but count cuti "
            "bersama as working days; upgrade the holidays library or add them to the override table.",
            year, HOLIDAYS_VERSION, OVERRIDES_FILE.name, year,
        )
    return frozenset(days)


class PublicHolidays(Container[dt.date]):
    """Every weekday on which the complaint desk does not work, in any year.

    ``day in holidays`` is all :func:`add_working_days` asks; each year's national
    holidays are computed on first use (:func:`national_holidays`). ``regional``
    holds the ``PUBLIC_HOLIDAYS`` setting.
    """

    __slots__ = ("regional",)

    def __init__(self, regional: Iterable[dt.date] = ()) -> None:
        self.regional = frozenset(regional)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return day in self.regional or day in national_holidays(day.year)

    def in_year(self, year: int) -> frozenset[dt.date]:
        """Every holiday of ``year``, weekends included, as a set."""
        return national_holidays(year) | {day for day in self.regional if day.year == year}

    def __repr__(self) -> str:
        return f"PublicHolidays(regional={sorted(self.regional)!r})"


def parse_holidays(values: Iterable[str]) -> frozenset[dt.date]:
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


def public_holidays() -> PublicHolidays:
    """Every non-working weekday the deadlines skip: national holidays (library and override table) plus ``PUBLIC_HOLIDAYS``."""
    return _public_holidays(get_settings().public_holidays)


@lru_cache(maxsize=8)
def _public_holidays(regional: tuple[str, ...]) -> PublicHolidays:
    return PublicHolidays(parse_holidays(regional))
