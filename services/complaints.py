"""Complaints from citizens: submit (anyone) and track by code (anyone); staff move them in :mod:`services.transitions`.

Every path that creates a complaint (``submitComplaint``, the generic
``createComplaint``, the admin panel, the seeds) gets the same defaults from
the Tortoise signals registered by :func:`register_complaint_hooks`, which the
app's assembly (``server``) calls once at start: a missing tracking code and due date are filled in before the insert,
and the first history entry (RECEIVED, at ``created_at``) is written after it.
``bulk_create`` skips signals: rows written that way get no defaults.

The rules themselves are data in :mod:`services.workflow` (transitions,
service levels), :mod:`services.calendar` (working days) and
:mod:`services.tracking` (codes).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from limits import parse as parse_rate
from tortoise.signals import Signals, post_save, pre_save
from tortoise.transactions import in_transaction

from core.errors import BadUserInput
from core.ratelimit import RateLimit
from core.settings import get_settings
from core.values import parse_id_or_none
from models.app import App
from models.complaint import Complaint
from models.enums import ComplaintCategory, ComplaintStatus
from models.history import ComplaintEvent
from models.regency import Regency
from models.registry import max_length_of
from core.clock import wib_date
from services import audit, events
from services.tracking import allocate_tracking_code, normalise, reserve_tracking_code
from services.workflow import due_at_for

__all__ = [
    "HistoryEntry",
    "TrackingView",
    "register_complaint_hooks",
    "submit_complaint",
    "track_complaint",
]

#: Fields the audit log records for a new complaint (reporter details included: the log is for admins only).
CREATED_FIELDS = (
    "tracking_code", "regency_id", "app_id", "title", "body", "category",
    "reporter_name", "reporter_contact", "status", "created_at", "due_at",
)


def _text_limit(name: str) -> int:
    """The longest text a field of Complaint takes: the model is where the length is decided."""
    return max_length_of(Complaint._meta.fields_map[name])


#: (field, GraphQL name, maximum length) of the free-text fields of a submission; each needs 1 character at least.
TEXT_LIMITS = (
    ("title", "title", _text_limit("title")),
    ("body", "body", _text_limit("body")),
    ("reporter_name", "reporterName", _text_limit("reporter_name")),
    ("reporter_contact", "reporterContact", _text_limit("reporter_contact")),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- defaults for every new complaint (Tortoise signals) --------------------------------------


async def _fill_defaults(sender, instance: Complaint, using_db, update_fields) -> None:
    """Before the INSERT: receipt time, tracking code and the first deadline, unless the caller gave them."""
    if instance._saved_in_db:
        return
    if instance.created_at is None:
        # Set here rather than by auto_now_add, so the code's year and the deadline use the same moment.
        instance.created_at = _now()
    if instance.tracking_code:
        await reserve_tracking_code(instance.tracking_code)
    else:
        regency_code = await Regency.filter(pk=instance.regency_id).first().values_list("code", flat=True)
        if regency_code is not None:  # else the insert fails on the foreign key, as it should
            instance.tracking_code = await allocate_tracking_code(regency_code, wib_date(instance.created_at).year)
    if instance.due_at is None:
        instance.due_at = due_at_for(instance.status, instance.created_at)


async def _first_history_entry(sender, instance: Complaint, created: bool, using_db, update_fields) -> None:
    """After the INSERT: the history starts with RECEIVED at the moment of receipt."""
    if created:
        await ComplaintEvent.create(
            complaint=instance, status=ComplaintStatus.RECEIVED, at=instance.created_at, using_db=using_db
        )


def register_complaint_hooks() -> None:
    """Register the signals on Complaint (the app's assembly calls this once at start). Idempotent."""
    if _fill_defaults not in Complaint._listeners[Signals.pre_save].get(Complaint, []):
        pre_save(Complaint)(_fill_defaults)
        post_save(Complaint)(_first_history_entry)


# --- submit -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _submissions() -> RateLimit:
    return RateLimit(get_settings().submit_rate)


@lru_cache(maxsize=1)
def _look_ups() -> RateLimit:
    return RateLimit(get_settings().track_rate)


async def check_track_rate(client_address: str | None) -> None:
    """BadUserInput (with ``retryAfterSeconds``) when this client looked up too many tracking codes lately."""
    if client_address is None:
        return
    key = f"track:addr:{client_address}"
    if not await _look_ups().hit(key):
        wait = await _look_ups().retry_after(key)
        raise BadUserInput(f"Too many tracking look-ups from this address; try again in {wait} seconds.",
                           retryAfterSeconds=wait, reason="RATE_LIMITED", params={"seconds": wait})


def submissions_allowed_per_window() -> int:
    """How many complaints one address may submit per window (``settings.submit_rate``)."""
    return parse_rate(get_settings().submit_rate).amount


def _clean_text(values: dict[str, Any]) -> dict[str, str]:
    cleaned = {}
    for name, label, limit in TEXT_LIMITS:
        value = values[name]
        if not isinstance(value, str) or not value.strip():
            raise BadUserInput(f"{label} is required and cannot be blank.", field=label, reason="REQUIRED")
        value = value.strip()
        if len(value) > limit:
            raise BadUserInput(f"{label} must be at most {limit} characters (got {len(value)}).", field=label,
                               reason="TOO_LONG", params={"max": limit, "length": len(value)})
        cleaned[name] = value
    return cleaned


def _category(value: Any) -> ComplaintCategory:
    if value is None:
        return ComplaintCategory.COMPLAINT
    try:
        return ComplaintCategory(value.value if isinstance(value, ComplaintCategory) else value)
    except ValueError:
        allowed = ", ".join(c.value for c in ComplaintCategory)
        raise BadUserInput(f"category must be one of {allowed}; got {value!r}.", field="category",
                           reason="NOT_ONE_OF", params={"allowed": list(ComplaintCategory)}) from None


async def _regency(code: Any) -> Regency:
    fits = isinstance(code, str) and len(code.strip()) <= max_length_of(Regency._meta.fields_map["code"])
    regency = await Regency.get_or_none(code=code.strip()) if fits else None
    if regency is None:
        raise BadUserInput(
            f"regencyCode {code!r} does not match any regency (use a Kemendagri code such as 32.15).",
            field="regencyCode", reason="UNKNOWN_REFERENCE", params={"model": "Regency", "value": code},
        )
    return regency


async def _app(app_id: Any) -> App | None:
    if app_id is None or str(app_id).strip() == "":
        return None
    pk = parse_id_or_none(app_id)
    app = await App.get_or_none(pk=pk) if pk is not None else None
    if app is None:
        raise BadUserInput(f"appId {app_id!r} does not match any app.", field="appId",
                           reason="UNKNOWN_REFERENCE", params={"model": "App", "value": app_id})
    return app


async def _check_rate(client_address: str | None) -> None:
    if client_address is None:
        return  # an internal caller (a script, the seeds): nothing to throttle
    key = f"complaint:addr:{client_address}"
    limiter = _submissions()
    if not await limiter.hit(key):
        wait = await limiter.retry_after(key)
        raise BadUserInput(
            f"Too many complaints from this address; try again in {wait} seconds.", retryAfterSeconds=wait,
            reason="RATE_LIMITED", params={"seconds": wait},
        )


async def submit_complaint(
    *,
    regency_code: str,
    app_id: Any = None,
    title: str,
    body: str,
    category: ComplaintCategory | str | None = None,
    reporter_name: str,
    reporter_contact: str,
    client_address: str | None,
    actor: Any = None,
) -> Complaint:
    """Receive a complaint from anyone; the returned row carries its tracking code and first deadline.

    Raises BadUserInput naming the field (``regencyCode``, ``appId``, ``title``,
    ``body``, ``category``, ``reporterName``, ``reporterContact``), or, past
    ``settings.submit_rate`` submissions from one ``client_address``, with
    ``extensions.retryAfterSeconds``. Only valid submissions count towards the
    limit. ``client_address=None`` means an internal caller and is not limited.
    """
    text = _clean_text(
        dict(title=title, body=body, reporter_name=reporter_name, reporter_contact=reporter_contact)
    )
    chosen_category = _category(category)
    regency = await _regency(regency_code)
    app = await _app(app_id)
    await _check_rate(client_address)
    async with in_transaction():
        complaint = await Complaint.create(regency=regency, app=app, category=chosen_category, **text)
        if actor is not None:
            await ComplaintEvent.filter(complaint_id=complaint.pk).update(actor_id=actor.pk)
        await audit.record(
            actor=actor, action="create", model="Complaint", object_id=complaint.pk,
            before=None, after=audit.snapshot(complaint, CREATED_FIELDS),
        )
    await events.publish_complaint_changed(complaint.pk, complaint.tracking_code, regency.code)
    return complaint


# --- track ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    status: ComplaintStatus
    at: dt.datetime
    #: The note the desk wrote for the citizen (``public_note``); empty when there is none.
    note: str


@dataclass(frozen=True)
class TrackingView:
    """What anyone holding the tracking code may see: never the reporter's name or contact."""

    tracking_code: str
    status: ComplaintStatus
    regency_code: str
    regency_name: str
    app_name: str | None
    due_at: dt.datetime | None
    history: tuple[HistoryEntry, ...]


async def track_complaint(tracking_code: str) -> TrackingView | None:
    """Status and history of the complaint with this code (any letter case); None when no complaint has it."""
    if not isinstance(tracking_code, str) or not tracking_code.strip():
        return None
    code = normalise(tracking_code)
    if len(code) > _text_limit("tracking_code"):
        # No complaint has a code longer than the column (and Tortoise refuses to compare with one).
        return None
    complaint = await Complaint.filter(tracking_code=code).select_related("regency", "app").first()
    if complaint is None:
        return None
    # The public note only: the desk's internal notes and the officers stay with the desk.
    rows = await ComplaintEvent.filter(complaint_id=complaint.pk).order_by("at", "id").values_list(
        "status", "at", "public_note"
    )
    return TrackingView(
        tracking_code=complaint.tracking_code,
        status=ComplaintStatus(complaint.status),
        regency_code=complaint.regency.code,
        regency_name=complaint.regency.name,
        app_name=complaint.app.name if complaint.app is not None else None,
        due_at=complaint.due_at,
        history=tuple(HistoryEntry(ComplaintStatus(status), at, note or "") for status, at, note in rows),
    )
