"""The list page of any declared model: its columns, their cells, and the filters above them.

Personal-data fields (``Simpul.personal``) show as hidden in a row whose reader may
not see them. Column and filter labels come from the language's catalogue, the
model's own entry first (``i18n.field_label``).

One :func:`list_query` reads a list's filters and sort from the address, for the page
and for its CSV/Excel export alike, so a download holds exactly the rows the page
lists (scoped by ``permissions.rows``), in the same order. Columns in ``Simpul.sortable``
sort from their header; rows matching a condition named in ``Simpul.highlight`` are
flagged (``overdue`` complaints).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi_admin.widgets import displays, filters
from markupsafe import Markup, escape
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from admin import clock, i18n
from admin.badges import badge
from admin.choices import ChoiceFilter, related_labels, related_options, scope_relation, yes_no_options
from core.clock import wib_time
from core.values import parse_id_or_none
from models.ordering import Ordering, ordering_of
from models.registry import ModelSpec, ScalarField
from permissions import rows as scope


def list_columns(spec: ModelSpec, access=None) -> list[str]:
    """The key, then ``Simpul.admin_columns``; without the regency column for a caller who reads one regency
    only (every row would repeat it, and the deadline needs the room)."""
    declared = spec.declaration.admin_columns or tuple(f.name for f in spec.visible_scalars())
    hidden = set(spec.declaration.hidden)
    if access is not None and _one_regency(spec, access):
        hidden.add(scope_relation(spec))
    return [spec.pk] + [c for c in declared if c not in hidden and c != spec.pk]


def _one_regency(spec: ModelSpec, access) -> bool:
    decision = access.decide(spec.name, "read")
    return scope_relation(spec) is not None and not decision.everywhere and not decision.published \
        and len(decision.regencies) == 1


def column_labels(spec: ModelSpec, columns: list[str]) -> list[str]:
    return [i18n.field_label(name, spec.name) for name in columns]


def sortable_columns(spec: ModelSpec) -> tuple[str, ...]:
    """Fields a list may be sorted by: the primary key and ``Simpul.sortable``."""
    return (spec.pk, *spec.declaration.sortable)


def column_class(spec: ModelSpec, name: str) -> str:
    """A column's CSS class (panel.css): long text and related rows' names wrap; on narrower screens the key
    gives way first, then the platform's own timestamps (received, updated), never a deadline or a status."""
    if name == spec.pk:
        return "simpul-col-key"
    scalar = spec.scalars.get(name)
    if scalar is None:
        return "simpul-col-related" if name in spec.relations else ""
    if scalar.is_text and not scalar.is_enum and (scalar.max_length or 10**6) > 64:
        return "simpul-col-text"
    if scalar.python_type in (dt.datetime, dt.date):
        return "simpul-col-time simpul-col-stamp" if scalar.generated else "simpul-col-time"
    return ""


def display_scalar(field: ScalarField, value: Any) -> Markup:
    if value is None:
        return Markup("")
    if field.is_enum:
        return badge(field, value)
    if field.python_type is bool:
        return Markup(displays.Boolean().templates.get_template(displays.Boolean.template).render(value=value))
    if field.python_type is dt.datetime:
        return escape(clock.shown(value))
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape(str(value))


async def list_cells(spec: ModelSpec, access, rows: list[Any], columns: list[str]) -> list[list[Markup]]:
    personal = set(spec.declaration.personal)
    labels = {}
    for name in columns:
        relation = spec.relations.get(name)
        if relation is not None and relation.kind == "fk":
            labels[name] = await related_labels(spec, relation, access, {getattr(r, relation.column) for r in rows})
    table = []
    for row in rows:
        may_see_personal = not personal or await access.can_see_personal(spec, row)
        cells = []
        for name in columns:
            if name in personal and not may_see_personal:
                cells.append(Markup('<span class="text-muted">%s</span>') % i18n.gettext("personal_hidden"))
            elif name in spec.scalars:
                cells.append(display_scalar(spec.scalars[name], getattr(row, name)))
            elif name in labels:
                related_id = getattr(row, spec.relations[name].column)
                cells.append(escape(labels[name].get(related_id, "" if related_id is None else related_id)))
            else:
                cells.append(Markup(""))
        table.append(cells)
    return table


@dataclass
class ListFilter:
    name: str  # query parameter
    widget: Any
    apply: Any  # (raw value) -> Q | None


async def list_filters(spec: ModelSpec, access) -> list[ListFilter]:
    """A free-text box over ``Simpul.searchable``, and a dropdown per enum, yes/no or relation in ``filterable``."""
    made: list[ListFilter] = []
    if spec.declaration.searchable:
        widget = filters.Search(name="q", label=i18n.gettext("search"), placeholder=i18n.gettext("search_placeholder"))
        made.append(ListFilter("q", widget, spec.search_filter))
    for name in spec.declaration.filterable:
        label = i18n.field_label(name, spec.name)
        scalar = spec.scalars.get(name)
        relation = spec.relations.get(name)
        if scalar is not None and scalar.is_enum:
            members = {m.value: m for m in scalar.python_type}
            options = [(i18n.value_label(m), v) for v, m in members.items()]
            made.append(ListFilter(name, ChoiceFilter(name, label, options),
                                   lambda raw, n=name, m=members: Q(**{n: m[raw]}) if raw in m else None))
        elif scalar is not None and scalar.python_type is bool:
            made.append(ListFilter(name, ChoiceFilter(name, label, yes_no_options()),
                                   lambda raw, n=name: Q(**{n: raw == "true"}) if raw in ("true", "false") else None))
        elif relation is not None and relation.kind == "fk":
            # Only what the caller can see; an id from elsewhere still narrows (to nothing), never widens.
            options = await related_options(spec, relation, access, "read")
            if options is None:
                continue
            made.append(ListFilter(name, ChoiceFilter(name, label, [(text, str(pk)) for text, pk in options]),
                                   lambda raw, c=relation.column: _related(c, raw)))
    for name in spec.declaration.conditions:
        made.append(ListFilter(name, ChoiceFilter(name, i18n.field_label(name, spec.name), yes_no_options()),
                               lambda raw, n=name: _condition(spec, n, raw)))
    return made


def _condition(spec: ModelSpec, name: str, raw: str) -> Q | None:
    """A declared yes/no condition (``Simpul.conditions``) as chosen in the dropdown."""
    return spec.condition_filter(name, raw == "true") if raw in ("true", "false") else None


def _related(column: str, raw: str) -> Q | None:
    pk = parse_id_or_none(raw)
    return None if pk is None else Q(**{column: pk})


# --- one list as the address asks for it: the page and its export -----------------------------


@dataclass
class ListQuery:
    #: The caller's rows of the model, filtered as asked (not yet ordered or paged).
    queryset: QuerySet
    filters: list[ListFilter]
    #: Filter name → the value applied (only filters that narrowed the list).
    values: dict[str, str] = field(default_factory=dict)
    #: The sort as asked and accepted (``due_at`` or ``-due_at``), None for the default order.
    sort: str | None = None
    ordering: Ordering | None = None

    def ordered(self) -> QuerySet:
        return self.ordering.apply(self.queryset)


async def list_query(spec: ModelSpec, access, params: Mapping[str, str]) -> ListQuery:
    """The caller's rows as the list's address filters and sorts them (``?status=RECEIVED&sort=-due_at``)."""
    queryset = scope.rows(spec, access, "read")
    made = await list_filters(spec, access)
    values: dict[str, str] = {}
    for list_filter in made:
        raw = str(params.get(list_filter.name) or "").strip()
        condition = list_filter.apply(raw) if raw else None
        if condition is not None:
            queryset = queryset.filter(condition)
            values[list_filter.name] = raw
    sort = str(params.get("sort") or "").strip()
    if sort.lstrip("-") not in sortable_columns(spec) or sort.startswith("--"):
        sort = ""
    # Without a sort: the API's default order (declared, then Meta.ordering, then the key; text without regard to case).
    ordering = ordering_of(spec, [sort] if sort else None)
    return ListQuery(queryset, made, values, sort or None, ordering)


async def highlighted(spec: ModelSpec, pks: list[Any]) -> dict[Any, list[str]]:
    """Row id → labels of the ``Simpul.highlight`` conditions it matches (``Terlambat``), for one page of rows."""
    flags: dict[Any, list[str]] = {}
    if not pks:
        return flags
    for name in spec.declaration.highlight:
        matching = spec.model.filter(pk__in=pks).filter(spec.condition_filter(name, True))
        for pk in await matching.values_list(spec.pk, flat=True):
            flags.setdefault(pk, []).append(name)
    return flags


# --- export -----------------------------------------------------------------------------------


def export_fields(spec: ModelSpec, with_personal: bool) -> list[str]:
    """Columns of an export: the key, then every field a page shows, in the model's order.

    Personal fields only when the caller may read them somewhere (``read_personal``); a row
    outside those regencies leaves them empty.
    """
    hidden = set(spec.declaration.hidden)
    personal = set(spec.declaration.personal)
    names = [spec.pk]
    for name in spec.model._meta.fields_map:
        if name == spec.pk or name in hidden or (name in personal and not with_personal):
            continue
        relation = spec.relations.get(name)
        if name in spec.scalars or (relation is not None and relation.kind in ("fk", "m2m")):
            names.append(name)
    return names


def export_header(spec: ModelSpec, names: list[str]) -> list[str]:
    """Column titles in the panel's language; times say they are WIB."""
    header = []
    for name in names:
        label = i18n.field_label(name, spec.name)
        scalar = spec.scalars.get(name)
        header.append(f"{label} (WIB)" if scalar is not None and scalar.python_type is dt.datetime else label)
    return header


async def export_rows(spec: ModelSpec, access, rows: list[Any], names: list[str]) -> list[list[Any]]:
    """The rows' values for a spreadsheet: labels for choices and relations, WIB times without an offset.

    A personal field the caller may not read on that row is empty.
    """
    personal = set(spec.declaration.personal)
    labels: dict[str, dict[Any, str]] = {}
    many: dict[str, dict[Any, list[str]]] = {}
    pks = [row.pk for row in rows]
    for name in names:
        relation = spec.relations.get(name)
        if relation is None:
            continue
        if relation.kind == "fk":
            labels[name] = await related_labels(spec, relation, access, {getattr(r, relation.column) for r in rows})
        else:
            links = await spec.model.filter(pk__in=pks).values_list(spec.pk, f"{name}__id")
            readable = await related_labels(spec, relation, access, {target for _, target in links if target is not None})
            many[name] = {}
            for pk, target in links:
                if target in readable:
                    many[name].setdefault(pk, []).append(readable[target])
    table = []
    for row in rows:
        may_see_personal = not personal or await access.can_see_personal(spec, row)
        values = []
        for name in names:
            if name in personal and not may_see_personal:
                values.append(None)
            elif name in spec.scalars:
                values.append(_export_value(spec.scalars[name], getattr(row, name)))
            elif name in labels:
                related_id = getattr(row, spec.relations[name].column)
                values.append(labels[name].get(related_id, related_id))
            else:
                values.append("; ".join(sorted(many[name].get(row.pk, []), key=str.lower)))
        table.append(values)
    return table


def _export_value(field: ScalarField, value: Any) -> Any:
    if value is None:
        return None
    if field.is_enum or field.python_type is bool:
        return i18n.value_label(_member(field, value) if field.is_enum else str(value))
    if field.python_type is dt.datetime:
        return wib_time(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _member(field: ScalarField, value: Any) -> Any:
    try:
        return field.python_type(getattr(value, "value", value))
    except ValueError:
        return value


#: Text a spreadsheet would run as a formula (CSV injection): written with a leading apostrophe in CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def as_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Indonesian names right), comma-separated, dates ISO."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """One worksheet: a bold header row, times as Excel dates (``dd/mm/yyyy hh:mm``, WIB), text always as text."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    # Sheet names: at most 31 characters, none of []:*?/\
    sheet = book.create_sheet("".join(c for c in title if c not in "[]:*?/\\")[:31] or "Data")
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." stays text, never a formula
            elif isinstance(value, dt.datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "dd/mm/yyyy"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
