"""List cells, filters and form inputs for any declared model, built from its registry spec.

Widgets are fastapi-admin's (``fastapi_admin.widgets``), but made afresh for every
request: fastapi-admin keeps options in a widget's shared ``context``, and
relation pickers here depend on who asks (only rows the caller may read).
Personal-data fields (``Simpul.personal``) are left out for a row whose reader
may not see them; a form never accepts a field it did not show. The hint under an input
comes from the language's catalogue (``i18n.field_help``), not straight from the API
description.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fastapi_admin.widgets import displays, filters, inputs
from markupsafe import Markup, escape
from tortoise.expressions import Q

from admin import clock, i18n
from admin.badges import badge
from core.errors import BadUserInput
from models.registry import ModelSpec, RelationField, ScalarField
from permissions import rows as scope

# --- widgets fastapi-admin lacks: choices given up front -------------------------------------


class ChoiceInput(inputs.Select):
    def __init__(self, options: list[tuple[str, Any]], **kwargs):
        super().__init__(**kwargs)
        self.options = options

    async def get_options(self):
        return self.options


class ManyChoiceInput(inputs.Input):
    """A plain ``<select multiple>`` (fastapi-admin's needs choices.js from a CDN to show any option)."""

    template = "widgets/inputs/many_choices.html"

    def __init__(self, options: list[tuple[str, Any]], **kwargs):
        super().__init__(**kwargs)
        self.context.update(options=options)


class ChoiceFilter(filters.Select):
    def __init__(self, name: str, label: str, options: list[tuple[str, str]]):
        super().__init__(name=name, label=label, null=True)
        self.options = [(i18n.gettext("all"), "")] + options

    async def get_options(self):
        return self.options


# --- labels of related rows -------------------------------------------------------------------


def row_label(spec: ModelSpec, row: Any) -> str:
    value = getattr(row, spec.declaration.label_field, None)
    return str(value if value is not None else row.pk)


async def related_options(spec: ModelSpec, relation: RelationField, access) -> list[tuple[str, Any]] | None:
    """(label, id) of the related rows the caller may read, or None when they may read none."""
    target = spec.related(relation.name)
    queryset = scope.visible(target, access, "read")
    if queryset is None:
        return None
    return [(row_label(target, row), row.pk) for row in await queryset]


async def related_labels(spec: ModelSpec, relation: RelationField, access, ids: set[Any]) -> dict[Any, str]:
    target = spec.related(relation.name)
    queryset = scope.visible(target, access, "read")
    if queryset is None or not ids:
        return {}
    return {row.pk: row_label(target, row) for row in await queryset.filter(pk__in=list(ids))}


# --- list pages -------------------------------------------------------------------------------


def list_columns(spec: ModelSpec) -> list[str]:
    declared = spec.declaration.admin_columns or tuple(f.name for f in spec.visible_scalars())
    hidden = set(spec.declaration.hidden)
    return [spec.pk] + [c for c in declared if c not in hidden and c != spec.pk]


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
        label = i18n.field_label(name)
        scalar = spec.scalars.get(name)
        relation = spec.relations.get(name)
        if scalar is not None and scalar.is_enum:
            members = {m.value: m for m in scalar.python_type}
            options = [(i18n.value_label(v), v) for v in members]
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
        made.append(ListFilter(name, ChoiceFilter(name, i18n.field_label(name), yes_no_options()),
                               lambda raw, n=name: _condition(spec, n, raw)))
    return made


def yes_no_options() -> list[tuple[str, str]]:
    return [(i18n.value_label("True"), "true"), (i18n.value_label("False"), "false")]


def _condition(spec: ModelSpec, name: str, raw: str) -> Q | None:
    """A declared yes/no condition (``Simpul.conditions``) as chosen in the dropdown."""
    return spec.condition_filter(name, raw == "true") if raw in ("true", "false") else None


# --- forms ------------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str  # python field or relation name; also the form field's name
    widget: Any
    scalar: ScalarField | None = None
    relation: RelationField | None = None
    editable: bool = True

    async def render(self, request, row: Any) -> Markup:
        value = None if row is None else self.current(row)
        return Markup(await self.widget.render(request, value))

    def current(self, row: Any) -> Any:
        if self.relation is not None:
            if self.relation.kind == "fk":
                return getattr(row, self.relation.column)
            return getattr(row, "_admin_many", {}).get(self.name, [])
        value = getattr(row, self.name)
        if self.scalar.is_enum and value is not None:
            return value.value
        if self.scalar.python_type is dt.datetime and value is not None:
            return clock.for_input(value)
        if self.scalar.python_type is dt.date and value is not None:
            return value.isoformat()
        return value

    def parse(self, form) -> tuple[bool, Any]:
        """(was it submitted, its value as crud expects it)."""
        if not self.editable:
            return False, None
        if self.relation is not None and self.relation.kind == "m2m":
            if f"{self.name}__present" not in form:
                return False, None
            return True, [v for v in form.getlist(self.name) if v]
        if self.scalar is not None and self.scalar.python_type is bool:
            return True, form.get(self.name) == "on"
        if self.name not in form:
            return False, None
        raw = form.get(self.name)
        if self.relation is not None:  # a foreign key: the related id, or empty for none
            return True, raw or None
        if self.scalar.is_enum or self.scalar.is_text:
            return True, None if raw == "" and self.scalar.nullable else raw
        return True, None if raw.strip() == "" else _convert(self.scalar, raw.strip())


def _convert(field: ScalarField, raw: str) -> Any:
    label = i18n.field_label(field.name)
    try:
        if field.python_type is int:
            return int(raw)
        if field.python_type is float:
            return float(raw)
        if field.python_type is dt.date:
            return dt.date.fromisoformat(raw)
        if field.python_type is dt.datetime:
            return clock.from_input(raw)
    except ValueError:
        raise BadUserInput(f"{label}: {raw!r}?", field=field.name) from None
    return raw


def _description(field: ScalarField | RelationField) -> str | None:
    """The field's API description, if it says more than the input itself."""
    description = field.description
    # Tortoise describes an enum field by listing its members (dropping any comment): the dropdown says that already.
    if isinstance(field, ScalarField) and field.is_enum and description and all(
        m.value in description for m in field.python_type
    ):
        return None
    return description


def field_help(spec: ModelSpec, field: ScalarField | RelationField) -> str | None:
    """The hint under the field's input, in the current language (see ``i18n.field_help``)."""
    return i18n.field_help(spec.name, field.name, _description(field))


def shown_fields(spec: ModelSpec) -> list[ScalarField | RelationField]:
    """Every field a create or update page of the model may show, personal data included, in form order."""
    hidden = set(spec.declaration.hidden)
    scalars = [f for f in spec.scalars.values() if f.name not in hidden and f.name != spec.pk]
    relations = [
        r for r in spec.relations.values()
        if r.kind in ("fk", "m2m") and r.name not in hidden and r.writable
    ]
    return [*scalars, *relations]


def _scalar_widget(field: ScalarField, editable: bool, help_text: str | None) -> Any:
    common = {"null": field.nullable or field.has_default, "help_text": help_text}
    disabled = not editable
    if field.is_enum:
        options = [(i18n.value_label(m), m.value) for m in field.python_type]
        if field.nullable:
            options = [("", "")] + options
        return ChoiceInput(options, disabled=disabled, **common)
    if field.python_type is bool:
        return inputs.Switch(disabled=disabled, **common)
    if field.python_type in (int, float):
        return inputs.Number(disabled=disabled, **common)
    if field.python_type is dt.date:
        return inputs.Date(disabled=disabled, **common)
    if field.python_type is dt.datetime:
        widget = inputs.DateTime(disabled=disabled, **common)
        widget.context["input_type"] = "datetime-local"
        return widget
    if field.python_type is str and field.max_length is None:
        return inputs.TextArea(disabled=disabled, **common)
    return inputs.Text(disabled=disabled, **common)


async def form_fields(
    spec: ModelSpec, access, row: Any | None, *, editable: bool, locked: frozenset[str] = frozenset()
) -> list[FormField]:
    """The inputs of the create (``row`` None) or update page, in declaration order.

    ``locked`` fields are shown but never written here (a domain workflow owns them).
    """
    readonly = set(spec.declaration.readonly)
    personal = set(spec.declaration.personal)
    shows_personal = row is None or not personal or await access.can_see_personal(spec, row)
    shown = shown_fields(spec)
    made: list[FormField] = []
    for field in (f for f in shown if isinstance(f, ScalarField)):
        if field.name in personal and not shows_personal:
            continue
        fixed = field.generated or field.name in readonly or field.name in locked
        if fixed and row is None:
            continue
        widget = _scalar_widget(field, editable and not fixed, field_help(spec, field))
        widget.context.update(name=field.name, label=i18n.field_label(field.name))
        made.append(FormField(field.name, widget, scalar=field, editable=editable and not fixed))
    for relation in (f for f in shown if isinstance(f, RelationField)):
        fixed = relation.name in readonly or relation.name in locked
        if fixed and row is None:
            continue
        options = await related_options(spec, relation, access) or []
        can_edit = editable and not fixed
        if relation.kind == "fk":
            if relation.nullable:
                options = [("", "")] + options
            widget = ChoiceInput(options, null=relation.nullable, disabled=not can_edit, help_text=field_help(spec, relation))
        else:
            widget = ManyChoiceInput(options, disabled=not can_edit, help_text=field_help(spec, relation))
        widget.context.update(name=relation.name, label=i18n.field_label(relation.name))
        made.append(FormField(relation.name, widget, relation=relation, editable=can_edit))
    return made


async def load_many(spec: ModelSpec, row: Any) -> None:
    """Remember the ids of the row's many-to-many links for the form's pickers."""
    many = {}
    for relation in spec.relations.values():
        if relation.kind == "m2m" and relation.writable:
            many[relation.name] = [r.pk for r in await getattr(row, relation.name).all()]
    row._admin_many = many


def form_data(fields: list[FormField], form) -> dict[str, Any]:
    """The submitted values of the fields the form showed, keyed by python name (crud's ``data``)."""
    data = {}
    for field in fields:
        present, value = field.parse(form)
        if present:
            data[field.name] = value
    return data
