"""Enum values as coloured badges: the colour table is data, keyed by enum value.

Complaint statuses follow Tangerang's LAKSA desk: red for a new report, yellow
then orange while it is being handled (verified, in progress), green once answered
(solid when resolved, pale when closed for good), grey when rejected. Every status
has its own colour, and every colour pair reads at 4.5:1 or better (WCAG AA; checked
by tests/test_panel_look.py), which Tabler's own ``bg-yellow`` with white text (2.1:1)
does not.

Statuses are pills; every other enum (categories, MoU/PKS, platforms, kinds of
region) is a square tag, so a category never passes for a status. A value missing here
shows as a neutral grey badge. The colours themselves are CSS rules in
admin/static/look.css (``.tone-<name>``), kept equal to :data:`TONES` by the tests.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from admin import i18n


@dataclass(frozen=True)
class Tone:
    """A badge's background and text colour (``#rrggbb``)."""

    background: str
    text: str


#: Solid tones carry white (or, for yellow, near-black) text; ``-soft`` tones are a tint with dark text.
TONES: dict[str, Tone] = {
    "red": Tone("#b42318", "#ffffff"),
    "orange": Tone("#c4320a", "#ffffff"),
    "yellow": Tone("#facc15", "#422006"),
    "green": Tone("#067647", "#ffffff"),
    "grey": Tone("#475467", "#ffffff"),
    "blue": Tone("#175cd3", "#ffffff"),
    "indigo": Tone("#4338ca", "#ffffff"),
    "teal": Tone("#0f766e", "#ffffff"),
    "red-soft": Tone("#fee4e2", "#912018"),
    "orange-soft": Tone("#ffead5", "#9c2a10"),
    "amber-soft": Tone("#fef3c7", "#92400e"),
    "yellow-soft": Tone("#fef0c7", "#7a2e0e"),
    "lime-soft": Tone("#ecfccb", "#3f621a"),
    "green-soft": Tone("#d1fadf", "#05603a"),
    "teal-soft": Tone("#ccfbef", "#125d56"),
    "cyan-soft": Tone("#cff9fe", "#155b75"),
    "azure-soft": Tone("#e0f2fe", "#075985"),
    "blue-soft": Tone("#d1e9ff", "#194185"),
    "indigo-soft": Tone("#e0eaff", "#2d31a6"),
    "violet-soft": Tone("#ede9fe", "#5b21b6"),
    "purple-soft": Tone("#f4ebff", "#53389e"),
    "pink-soft": Tone("#fce7f6", "#9e165f"),
    "rose-soft": Tone("#ffe4e6", "#9f1239"),
    "grey-soft": Tone("#eaecf0", "#344054"),
}

#: The tone of a value nobody gave one.
NEUTRAL = "grey-soft"

#: enum value → tone name (a key of :data:`TONES`).
COLOURS: dict[str, str] = {
    # complaints (LAKSA): new red, handled yellow → orange, answered green, settled pale green, rejected grey
    "RECEIVED": "red",
    "VERIFIED": "yellow",
    "IN_PROGRESS": "orange",
    "RESOLVED": "green",
    "CLOSED": "green-soft",
    "REJECTED": "grey",
    # agreements
    "DRAFT": "grey-soft",
    "SIGNED": "blue",
    "EXPIRED": "orange-soft",
    "TERMINATED": "red",
    # apps and agreements
    "ACTIVE": "green",
    "PILOT": "yellow",
    "RETIRED": "grey-soft",
    # kinds of agreement: the MoU comes first, the PKS follows it
    "MOU": "indigo",
    "PKS": "teal",
    # LAPOR!'s report types
    "ASPIRATION": "blue-soft",
    "COMPLAINT": "purple-soft",
    "INFORMATION_REQUEST": "cyan-soft",
    # the app catalogue's groups
    "E_GOVERNMENT": "indigo-soft",
    "PUBLIC_SERVICE": "azure-soft",
    "COMPLAINTS": "purple-soft",
    "HEALTH": "rose-soft",
    "EDUCATION": "amber-soft",
    "ECONOMY": "lime-soft",
    "TRANSPORT": "blue-soft",
    "SOCIAL": "pink-soft",
    "ENVIRONMENT": "teal-soft",
    "TOURISM": "orange-soft",
    # platforms
    "WEB": "azure-soft",
    "ANDROID": "lime-soft",
    "WEB_AND_MOBILE": "violet-soft",
    "DESKTOP": "grey-soft",
    # kinds of region
    "KABUPATEN": "teal-soft",
    "KOTA": "indigo-soft",
    # yes / no (widgets/displays/boolean.html)
    "True": "green-soft",
    "False": "grey-soft",
}


def tone_of(value) -> str:
    """The tone name of an enum member or raw value (:data:`NEUTRAL` for one not in the table)."""
    return COLOURS.get(str(getattr(value, "value", value)), NEUTRAL)


def shape_of(field) -> str:
    """``status`` (a pill) for an enum whose class is a status, ``tag`` (square) for every other enum."""
    enum_type = getattr(field, "python_type", None)
    return "status" if getattr(enum_type, "__name__", "").endswith("Status") else "tag"


def badge(field, value) -> Markup:
    raw = getattr(value, "value", value)
    return Markup(
        '<span class="badge simpul-badge simpul-badge-{shape} tone-{tone}" data-value="{raw}">{label}</span>'
    ).format(shape=shape_of(field), tone=tone_of(raw), raw=raw, label=i18n.value_label(_member(field, value)))


def _member(field, value):
    """The enum member for a raw value, so that an untranslated value is labelled by its member's name."""
    try:
        return field.python_type(getattr(value, "value", value)) if field.is_enum else value
    except ValueError:
        return value
