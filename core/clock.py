"""The programme's clock: Waktu Indonesia Barat (WIB, UTC+7), Jakarta time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: Waktu Indonesia Barat: Jakarta, Banten and Jawa Barat (every regency of the programme so far).
WIB = ZoneInfo("Asia/Jakarta")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def wib_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` on the Jakarta clock (naive = UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(WIB)


def wib_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Jakarta at ``moment`` (naive = UTC)."""
    return wib_time(moment).date()


def today_wib() -> dt.date:
    return dt.datetime.now(WIB).date()
