"""The panel shows and reads times in Western Indonesia Time (WIB), the desks' own clock.

The database and the API keep UTC; a regency officer reading "diterima 08:15"
means 08:15 in Karawang, not in Greenwich. Input without an offset (the
browser's ``datetime-local``) is read as WIB too.
"""
from __future__ import annotations

import datetime as dt

from core.clock import WIB, wib_time


def shown(moment: dt.datetime | None, seconds: bool = False) -> str:
    """``2026-11-28 20:41`` (WIB) for lists, histories and the audit log; empty for no time."""
    if moment is None:
        return ""
    return wib_time(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def for_input(moment: dt.datetime) -> str:
    """The value of a ``datetime-local`` input."""
    return wib_time(moment).strftime("%Y-%m-%dT%H:%M")


def from_input(raw: str) -> dt.datetime:
    """A submitted time: with an offset as given, without one on the WIB clock."""
    value = dt.datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=WIB)
