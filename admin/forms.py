"""The create and update page of any declared model: its inputs, and reading them back from the form.

Personal-data fields (``Simpul.personal``) are left out for a row whose reader
may not see them; a form never accepts a field it did not show. Labels and the hint
under an input come from the language's catalogue, the model's own entry first, and
the hint falls back to the field's ``#:`` comment (``i18n.field_label``, ``i18n.field_help``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi_admin.widgets import inputs
from markupsafe import Markup

from admin import clock, i18n
from admin.choices import ChoiceInput, ManyChoiceInput, related_options
from core.errors import BadUserInput
from models.registry import ModelSpec, RelationField, ScalarField


@dataclass
class FormField:
    name: str  # python field or relation name; also the form field's name
    widget: Any
    scalar: ScalarField | None = None
    relation: RelationField | None = None
    editable: bool = True
    model: str | None = None  # the model's name, for labels in error messages

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
        return True, None if raw.strip() == "" else _convert(self.scalar, raw.strip(), self.model)


def _convert(field: ScalarField, raw: str, model: str | None) -> Any:
    label = i18n.field_label(field.name, model)
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


def field_help(spec: ModelSpec, field: ScalarField | RelationField) -> str | None:
    """The hint under the field's input, in the current language (see ``i18n.field_help``)."""
    return i18n.field_help(spec.name, field.name, field.description)


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
        widget.context.update(name=field.name, label=i18n.field_label(field.name, spec.name))
        made.append(FormField(field.name, widget, scalar=field, editable=editable and not fixed, model=spec.name))
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
        widget.context.update(name=relation.name, label=i18n.field_label(relation.name, spec.name))
        made.append(FormField(relation.name, widget, relation=relation, editable=can_edit, model=spec.name))
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
