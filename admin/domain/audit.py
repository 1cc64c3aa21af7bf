"""The audit log, for whoever may ``manage`` the ``Policy`` (Kominfo admins): who changed what, when, from where.

Entries hold personal data in their before/after values, hence the same
restriction as the policy pages. Each entry reads as a sentence and a diff, in the
panel's language: the action by name ("Peran dicabut"), the person (or "Warga
(anonim)" for a citizen's report, "Sistem" for the platform's own jobs and the
recovery command), the time on the WIB clock, and per field its label with the value
before and after. Filters: actor, model, action, object and a date range (WIB days);
the filtered entries download as CSV, and that download is itself in the log.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from admin import clock, i18n
from admin.context import Panel, requires, signed_in
from admin.domain.policies import action_label as policy_action_label
from admin.domain.policies import domain_label, object_label, role_label
from admin.rendering import render_page
from admin.resources import DomainPage
from core.clock import WIB

router = APIRouter()
BASE = "/audit"
#: Entries hold personal data: the same requirement as the policy pages.
MANAGE_POLICY = requires("Policy", "manage")
PAGE_SIZE = 25
#: Most entries one CSV download holds (newest first); narrow the filter for older ones.
EXPORT_LIMIT = 50_000
EXPORT_BATCH = 1_000
#: Actor filter values for entries without a signed-in person.
ANONYMOUS, SYSTEM = "~anonim", "~sistem"
#: Actions in the order the filter lists them.
ACTIONS = (
    "create", "update", "delete", "transition", "export",
    "policy_add", "policy_remove", "role_assign", "role_revoke",
    "user_create", "user_update", "user_deactivate", "user_activate", "user_delete", "password_reset",
    "login_throttled",
)
#: Values that read as timestamps (ISO text in the JSON) and show on the WIB clock.
TIME_FIELDS = {"at", "created_at", "updated_at", "resolved_at", "due_at"}


# --- reading an entry -----------------------------------------------------------------------------


def _entry(key: str) -> str | None:
    text = i18n.gettext(key)
    return None if text == key or not text else text


def action_name(action: str) -> str:
    return _entry(f"audit_action|{action}") or i18n.humanize(action)


def model_name(model: str) -> str:
    return object_label(model) if model in ("Policy", "*") else i18n.model_label(model)


def actor_name(entry) -> str:
    """The person, else who acts without an account: the platform, or an anonymous caller (a citizen)."""
    if entry.actor_name:
        return entry.actor_name
    if entry.source == "system":
        return i18n.gettext("audit_actor_system")
    if entry.action == "login_throttled":  # someone not (yet) signed in, guessing or mistyping
        return i18n.gettext("audit_actor_signing_in")
    return i18n.gettext("audit_actor_anonymous")


@dataclass
class Reading:
    """What turns stored values into words: regency names by code, related rows' labels by id."""

    regencies: dict[str, str]
    registry: Any = None
    #: (model, field) → {id as text: label}, for foreign keys stored by id (``regency_id``) and id lists (``apps``).
    related: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def relation(self, model: str, name: str):
        """The declared relation a stored key names (``regency_id`` → ``regency``), or None."""
        if self.registry is None or model not in self.registry:
            return None
        relations = self.registry[model].relations
        if name.endswith("_id") and name[:-3] in relations and relations[name[:-3]].kind == "fk":
            return relations[name[:-3]]
        relation = relations.get(name)
        return relation if relation is not None and relation.many else None

    def label(self, model: str, name: str, value: Any) -> str | None:
        return self.related.get((model, name), {}).get(str(value))


async def reading_for(entries, registry) -> Reading:
    """One query per related model the page's entries name: their labels (``Kabupaten Karawang``, ``LAKSA``)."""
    from models import Regency

    reading = Reading(dict(await Regency.all().values_list("code", "name")), registry, {})
    wanted: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        for values in (entry.before, entry.after):
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                relation = reading.relation(entry.model, name)
                if relation is None or value is None:
                    continue
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault((entry.model, name), set()).update(str(v) for v in ids if v is not None)
    by_target: dict[str, set[str]] = {}
    for (model, name), ids in wanted.items():
        by_target.setdefault(reading.relation(model, name).target, set()).update(ids)
    labels: dict[str, dict[str, str]] = {}
    for target, ids in by_target.items():
        if target not in registry:
            continue
        spec = registry[target]
        keys = [int(i) for i in ids if i.isdigit()]
        rows = await spec.model.filter(pk__in=keys).values_list(spec.pk, spec.declaration.label_field) if keys else []
        labels[target] = {str(pk): str(text) for pk, text in rows}
    for (model, name) in wanted:
        reading.related[(model, name)] = labels.get(reading.relation(model, name).target, {})
    return reading


def field_name(name: str, model: str, reading: Reading | None = None) -> str:
    text = _entry(f"audit_field|{name}")
    if text:
        return text
    relation = reading.relation(model, name) if reading else None
    return i18n.field_label(relation.name if relation else name, model)


def shown_value(name: str, value: Any, reading: Reading, model: str = "") -> str:
    """A stored value as the panel writes it: labels for roles, domains, enums, related rows and yes/no;
    WIB for times."""
    regencies = reading.regencies
    if value is None or value == "":
        return "–"
    if reading.relation(model, name) is not None and not isinstance(value, list):
        return reading.label(model, name, value) or f"#{value}"
    if isinstance(value, bool):
        return i18n.value_label(value)
    if name == "role" and isinstance(value, str):
        return role_label(value)
    if name == "domain" and isinstance(value, str):
        return domain_label(value, regencies)
    if name == "object" and isinstance(value, str):
        return object_label(value)
    if name == "action" and isinstance(value, str):
        return policy_action_label(value)
    if name == "regency" and isinstance(value, str) and value in regencies:
        return domain_label(value, regencies)
    if name == "scope" and isinstance(value, str):
        return _entry(f"audit_scope|{value}") or value
    if isinstance(value, str) and (name in TIME_FIELDS or name.endswith("_at")):
        try:
            return clock.shown(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and name in ("status", "category", "kind", "platform", "format"):
        return i18n.value_label(value)
    if isinstance(value, list):
        return ", ".join(shown_value(name, v, reading, model) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k, model, reading)}: {shown_value(k, v, reading, model)}"
                         for k, v in value.items()) or "–"
    return str(value)


@dataclass
class Change:
    label: str
    before: str
    after: str
    changed: bool


@dataclass
class ShownEntry:
    entry: Any
    at: str
    actor: str
    action: str
    model: str
    changes: list[Change]


def changes_of(entry, reading: Reading) -> list[Change]:
    """Field by field, before and after; on an update the unchanged fields come last."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [Change("", _json(entry.before), _json(entry.after), True)]
    names = list(dict.fromkeys([*before, *after]))
    rows = [
        Change(field_name(n, entry.model, reading),
               shown_value(n, before.get(n), reading, entry.model) if entry.before is not None else "",
               shown_value(n, after.get(n), reading, entry.model) if entry.after is not None else "",
               entry.before is None or entry.after is None or before.get(n) != after.get(n))
        for n in names
    ]
    return sorted(rows, key=lambda c: not c.changed)


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def shown(entries, registry) -> list[ShownEntry]:
    reading = await reading_for(entries, registry)
    return [
        ShownEntry(e, clock.shown(e.at, True), actor_name(e), action_name(e.action), model_name(e.model),
                   changes_of(e, reading))
        for e in entries
    ]


# --- filters --------------------------------------------------------------------------------------


def _day(raw: str) -> dt.date | None:
    """``28/11/2026`` (the panel's way) or ``2026-11-28``; None when neither."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _utc_midnight(day: dt.date) -> dt.datetime:
    """00:00 WIB of ``day``, in UTC: SQLite compares stored times as text, all written in UTC."""
    return dt.datetime.combine(day, dt.time(), WIB).astimezone(dt.timezone.utc)


def filtered(params) -> tuple[Any, dict[str, str]]:
    """The entries the address asks for, and the filters as chosen (for the form and the export's record)."""
    from models import AuditEntry

    queryset = AuditEntry.all()
    chosen: dict[str, str] = {}
    for name in ("model", "action", "object_id"):
        value = params.get(name, "").strip()
        if value:
            queryset = queryset.filter(**{name: value[:64]})
            chosen[name] = value
    actor = (params.get("actor") or params.get("actor_name") or "").strip()
    if actor == SYSTEM:
        queryset = queryset.filter(actor_name="", source="system")
    elif actor == ANONYMOUS:
        queryset = queryset.filter(actor_name="").exclude(source="system")
    elif actor:
        queryset = queryset.filter(actor_name=actor[:64])
    if actor:
        chosen["actor"] = actor
    # A day is a day in WIB: from its 00:00 to the next day's 00:00 on the Jakarta clock.
    since, until = _day(params.get("since", "")), _day(params.get("until", ""))
    if since:
        queryset = queryset.filter(at__gte=_utc_midnight(since))
        chosen["since"] = since.strftime("%d/%m/%Y")
    if until:
        queryset = queryset.filter(at__lt=_utc_midnight(until + dt.timedelta(days=1)))
        chosen["until"] = until.strftime("%d/%m/%Y")
    return queryset, chosen


# --- pages ----------------------------------------------------------------------------------------


@router.get(BASE + "/list", name="audit_list", dependencies=[Depends(MANAGE_POLICY)])
async def audit_list(request: Request) -> Response:
    from models import AuditEntry

    queryset, chosen = filtered(request.query_params)
    try:
        page_num = max(1, int(request.query_params.get("page_num", 1)))
    except ValueError:
        page_num = 1
    total = await queryset.count()
    entries = await queryset.offset((page_num - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    models = await AuditEntry.all().order_by("model").distinct().values_list("model", flat=True)
    actors = await AuditEntry.exclude(actor_name="").order_by("actor_name").distinct().values_list("actor_name", flat=True)
    export_query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page_num"])
    return render_page(request, "simpul/audit.html", {
        "page_title": i18n.gettext("audit_log"), "resource_label": i18n.gettext("audit_log"),
        "entries": await shown(entries, request.app.state.registry),
        "chosen": chosen, "total": total, "page_num": page_num,
        "page_count": max(1, -(-total // PAGE_SIZE)),
        "models": [(m, model_name(m)) for m in models],
        "actions": [(a, action_name(a)) for a in ACTIONS],
        "actors": [(SYSTEM, i18n.gettext("audit_actor_system")), (ANONYMOUS, i18n.gettext("audit_actor_anonymous"))]
                  + [(a, a) for a in actors],
        "export_url": request.app.admin_path + BASE + "/export.csv" + (f"?{export_query}" if export_query else ""),
    })


def _safe_cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such text gets a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get(BASE + "/export.csv", name="audit_export", dependencies=[Depends(MANAGE_POLICY)])
async def audit_export(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    """The filtered entries (newest first, at most ``EXPORT_LIMIT``) as CSV in the panel's language; audited."""
    from services import audit

    queryset, chosen = filtered(request.query_params)
    out = io.StringIO()
    out.write("\ufeff")  # so a spreadsheet opens the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([i18n.gettext(k) for k in (
        "audit_csv_at", "audit_csv_actor", "audit_csv_action", "audit_csv_model", "audit_csv_object",
        "audit_csv_source", "audit_csv_changes", "audit_csv_before", "audit_csv_after")])
    rows = 0
    for start in range(0, EXPORT_LIMIT, EXPORT_BATCH):
        batch = await queryset.offset(start).limit(min(EXPORT_BATCH, EXPORT_LIMIT - start))
        for item in await shown(batch, request.app.state.registry):
            changes = "; ".join(
                f"{c.label}: {c.before} → {c.after}" if c.before and c.after else f"{c.label}: {c.before or c.after}"
                for c in item.changes if c.changed
            )
            writer.writerow([_safe_cell(v) for v in (
                item.at, item.actor, item.action, item.model, item.entry.object_id, item.entry.source, changes,
                _json(item.entry.before), _json(item.entry.after))])
        rows += len(batch)
        if len(batch) < EXPORT_BATCH:
            break
    await audit.record(
        actor=panel.user, action="export", model="AuditEntry", object_id="", before=None,
        after={"format": "csv", "rows": rows, "filters": chosen}, source="admin",
    )
    stamp = dt.datetime.now(WIB).strftime("%Y%m%d-%H%M")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"', "Cache-Control": "no-store",
    })


def install(app) -> None:
    app.state.resources.add_page(DomainPage(
        url=BASE + "/list", label_key="audit_log", icon="fas fa-history",
        visible_to=MANAGE_POLICY.allows,
    ))
    app.include_router(router)
