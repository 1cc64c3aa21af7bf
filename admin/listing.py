"""The list page of any declared model: its columns, their cells, and the filters above them.

Personal-data fields (``Simpul.personal``) show as hidden in a row whose reader may
not see them. Column and filter labels come from the language's catalogue, the
model's own entry first (``i18n.field_label``).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fastapi_admin.widgets import displays, filters
from markupsafe import Markup, escape
from tortoise.expressions import Q

from admin import clock, i18n
from admin.badges import badge
from admin.choices import ChoiceFilter, related_labels, related_options, yes_no_options
from models.registry import ModelSpec, ScalarField


def list_columns(spec: ModelSpec) -> list[str]:
    declared = spec.declaration.admin_columns or tuple(f.name for f in spec.visible_scalars())
    hidden = set(spec.declaration.hidden)
    return [spec.pk] + [c for c in declared if c not in hidden and c != spec.pk]


def column_labels(spec: ModelSpec, columns: list[str]) -> list[str]:
    return [i18n.field_label(name, spec.name) for name in columns]


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
            options = await related_options(spec, relation, access)
            if options is None:
                continue
            allowed = {str(pk) for _, pk in options}
            made.append(ListFilter(name, ChoiceFilter(name, label, [(text, str(pk)) for text, pk in options]),
                                   lambda raw, c=relation.column, a=allowed: Q(**{c: int(raw)}) if raw in a else None))
    for name in spec.declaration.conditions:
        made.append(ListFilter(name, ChoiceFilter(name, i18n.field_label(name, spec.name), yes_no_options()),
                               lambda raw, n=name: _condition(spec, n, raw)))
    return made


def _condition(spec: ModelSpec, name: str, raw: str) -> Q | None:
    """A declared yes/no condition (``Simpul.conditions``) as chosen in the dropdown."""
    return spec.condition_filter(name, raw == "true") if raw in ("true", "false") else None
