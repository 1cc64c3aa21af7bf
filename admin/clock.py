"""The panel shows and reads times in Western Indonesia Time (WIB), the desks' own clock.

The database and the API keep UTC; a regency officer reading "diterima 08:15"
means 08:15 in Karawang, not in Greenwich. Times are shown labelled ``WIB``, and
dates day first (``28/11/2026``) whatever language the browser speaks.

Forms post ISO values (``2026-11-28``, ``2026-11-28T20:41``): the date fields show
and take ``dd/mm/yyyy`` (admin/templates/widgets/inputs/input.html) and fill a
hidden ISO field as the person types (admin/static/widgets.js). Input without an
offset is read as WIB.
"""
from __future__ import annotations

import datetime as dt

from core.clock import WIB, wib_time

#: The label after every time the panel shows.
ZONE = "WIB"
DATE_FORMAT = "%d/%m/%Y"


def shown(moment: dt.datetime | dt.date | None, seconds: bool = False) -> str:
    """``28/11/2026 20:41 WIB`` for lists, histories and the audit log; ``28/11/2026`` for a date; empty for none."""
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return shown_date(moment)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{wib_time(moment).strftime(f'{DATE_FORMAT} {clock}')} {ZONE}"


def shown_date(day: dt.date | None) -> str:
    """``28/11/2026``; empty for no date."""
    return "" if day is None else day.strftime(DATE_FORMAT)


def for_input(moment: dt.datetime) -> str:
    """The ISO value a time field posts (``2026-11-28T20:41``, WIB); the field shows it as ``28/11/2026 20:41``."""
    return wib_time(moment).strftime("%Y-%m-%dT%H:%M")


def from_input(raw: str) -> dt.datetime:
    """A submitted time: with an offset as given, without one on the WIB clock."""
    value = dt.datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=WIB)
