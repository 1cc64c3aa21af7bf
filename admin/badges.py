"""Enum values as coloured badges: the colour table is data, keyed by enum value.

Complaint statuses follow Tangerang's LAKSA desk: red for a new report, yellow
while it is being handled, green once answered, grey when rejected. A value
missing here shows as a neutral badge.
"""
from __future__ import annotations

from markupsafe import Markup

from admin import i18n

#: enum value → Tabler colour class suffix (``bg-<colour>``).
COLOURS: dict[str, str] = {
    # complaints (LAKSA)
    "RECEIVED": "red",
    "VERIFIED": "yellow",
    "IN_PROGRESS": "yellow",
    "RESOLVED": "green",
    "CLOSED": "green",
    "REJECTED": "secondary",
    # agreements
    "DRAFT": "secondary",
    "SIGNED": "blue",
    "EXPIRED": "orange",
    "TERMINATED": "red",
    # apps and agreements
    "ACTIVE": "green",
    "PILOT": "yellow",
    "RETIRED": "secondary",
}


def badge(field, value) -> Markup:
    raw = getattr(value, "value", value)
    colour = COLOURS.get(str(raw), "azure")
    return Markup('<span class="badge bg-{colour}" data-value="{raw}">{label}</span>').format(
        colour=colour, raw=raw, label=i18n.value_label(_member(field, value))
    )


def _member(field, value):
    """The enum member for a raw value, so that an untranslated value is labelled by its member's name."""
    try:
        return field.python_type(getattr(value, "value", value)) if field.is_enum else value
    except ValueError:
        return value
