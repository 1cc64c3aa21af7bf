"""The create and update page of any declared model: its inputs, and reading them back from the form.

Personal-data fields (``Simpul.personal``) are left out for a row whose reader
may not see them; a form never accepts a field it did not show. Labels and the hint
under an input come from the language's catalogue, the model's own entry first, and
the hint falls back to the field's ``#:`` comment (``i18n.field_label``, ``i18n.field_help``).

A form forgives: after a refused save the page comes back with what was typed
(:meth:`FormField.render` with ``submitted``) and every message under its own input
(``errors``), found in one pass (:func:`read_form` collects what the form itself cannot
read, the services collect the rest). Fields the caller may not change on this row, such as
``Simpul.frozen_after_create`` for staff, are shown read-only and never read back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi_admin.widgets import inputs
from markupsafe import Markup

from admin import clock, i18n
from admin.choices import ChoiceInput, FixedChoiceInput, ManyChoiceInput, related_options, scope_relation
from core.errors import BadUserInput
from models.registry import ModelSpec, RelationField, ScalarField, camel
from services.validation import frozen_fields

#: The first option of a required choice that has no value yet: the browser makes the person choose.
PLACEHOLDER = ""
#: Text that may be longer than this many characters gets a text area (a report's body), shorter a one-line input.
LONG_TEXT = 255


@dataclass
class FormField:
    name: str  # python field or relation name; also the form field's name
    widget: Any
    scalar: ScalarField | None = None
    relation: RelationField | None = None
    editable: bool = True
    model: str | None = None  # the model's name, for labels in error messages
    #: A foreign key's offered ids (as submitted text); another id is refused on this input.
    offered: frozenset[str] | None = None

    @property
    def error_keys(self) -> frozenset[str]:
        """The names a service error may give this input (``title``, ``regencyId``, ``appIds``)."""
        keys = {self.name, camel(self.name)}
        if self.relation is not None:
            keys |= {self.relation.input_name, camel(self.relation.input_name)}
        return frozenset(keys)

    async def render(self, request, row: Any, submitted=None, errors: list[str] | tuple = ()) -> Markup:
        """The input with the row's value, or (after a refused save) what was typed, and its messages under it."""
        if submitted is not None and self.editable:
            value = self.typed(submitted)
        else:
            value = None if row is None else self.current(row)
        html = Markup(await self.widget.render(request, value))
        messages = Markup("").join(
            Markup('<div class="invalid-feedback d-block simpul-field-error" role="alert">{}</div>').format(m)
            for m in errors
        )
        return Markup('<div class="simpul-field{}" id="field-{}" data-field="{}">{}{}</div>').format(
            " has-error" if errors else "", self.name, self.name, html, messages
        )

    def typed(self, form) -> Any:
        """The submitted value as the input shows it again: text as typed, ids as the options hold them."""
        if self.relation is not None and self.relation.kind == "m2m":
            return [_as_id(v) for v in form.getlist(self.name) if v]
        if self.scalar is not None and self.scalar.python_type is bool:
            return form.get(self.name) == "on"
        raw = form.get(self.name)
        if raw is None:
            return None
        return _as_id(raw) if self.relation is not None else raw

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
            if raw and self.offered is not None and raw not in self.offered:
                label = camel(self.relation.input_name)
                raise BadUserInput(
                    f"{label} {raw!r} is not one of the choices offered to you.", field=label,
                    reason="FORM_NOT_OFFERED", params={"value": raw},
                )
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
        raise BadUserInput(
            f"{label}: {raw!r}?", field=field.name, reason="FORM_UNREADABLE", params={"value": raw}
        ) from None
    return raw


def _as_id(raw: str) -> Any:
    """A submitted id as the picker's options hold it (ints), anything else as typed."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else raw


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


def _scalar_widget(field: ScalarField, editable: bool, help_text: str | None, creating: bool = False) -> Any:
    common = {"null": field.nullable or field.has_default, "help_text": help_text}
    disabled = not editable
    if field.is_enum:
        options = [(i18n.value_label(m), m.value) for m in field.python_type]
        if field.nullable or (creating and not field.has_default):
            # No silent first choice: a required value without a default is chosen by the person.
            options = [(_placeholder(field.nullable), PLACEHOLDER)] + options
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
    if field.python_type is str and (field.max_length is None or field.max_length > LONG_TEXT):
        return inputs.TextArea(disabled=disabled, **common)
    return inputs.Text(disabled=disabled, **common)


def _placeholder(nullable: bool) -> str:
    return "" if nullable else i18n.gettext("form_choose")


async def form_fields(
    spec: ModelSpec, access, row: Any | None, *, editable: bool, locked: frozenset[str] = frozenset()
) -> list[FormField]:
    """The inputs of the create (``row`` None) or update page, in declaration order.

    ``locked`` fields are shown but never written here (a domain workflow owns them); on an
    existing row, so are the fields the caller may not change (``services.validation.frozen_fields``).
    The relation that decides the row's regency offers only the regencies where the caller may
    create (or update) such a row, fixed when there is one.
    """
    readonly = set(spec.declaration.readonly)
    personal = set(spec.declaration.personal)
    frozen = frozen_fields(spec, access) if row is not None else frozenset()
    shows_personal = row is None or not personal or await access.can_see_personal(spec, row)
    creating = row is None
    action = ("create" if creating else "update") if editable else "read"
    shown = shown_fields(spec)
    made: list[FormField] = []
    for field in (f for f in shown if isinstance(f, ScalarField)):
        if field.name in personal and not shows_personal:
            continue
        fixed = field.generated or field.name in readonly or field.name in locked
        if fixed and creating:
            continue
        help_text = field_help(spec, field)
        if field.name in frozen:
            fixed = True
            help_text = " ".join(t for t in (help_text, i18n.gettext("form_frozen_hint")) if t)
        widget = _scalar_widget(field, editable and not fixed, help_text, creating)
        widget.context.update(name=field.name, label=i18n.field_label(field.name, spec.name))
        made.append(FormField(field.name, widget, scalar=field, editable=editable and not fixed, model=spec.name))
    for relation in (f for f in shown if isinstance(f, RelationField)):
        fixed = relation.name in readonly or relation.name in locked or relation.name in frozen
        if fixed and creating:
            continue
        can_edit = editable and not fixed
        options = await related_options(spec, relation, access, action if can_edit else "read") or []
        offered = None
        if relation.kind == "fk":
            offered = frozenset(str(pk) for _, pk in options)
            if can_edit and relation.name == scope_relation(spec) and not relation.nullable and len(options) == 1:
                widget = FixedChoiceInput(options[0], help_text=field_help(spec, relation))
            else:
                if relation.nullable or (creating and len(options) != 1):
                    options = [(_placeholder(relation.nullable), PLACEHOLDER)] + options
                widget = ChoiceInput(options, null=relation.nullable, disabled=not can_edit,
                                     help_text=field_help(spec, relation))
        else:
            widget = ManyChoiceInput(options, disabled=not can_edit, help_text=field_help(spec, relation))
        widget.context.update(name=relation.name, label=i18n.field_label(relation.name, spec.name))
        made.append(FormField(relation.name, widget, relation=relation, editable=can_edit, model=spec.name,
                              offered=offered if can_edit else None))
    return made


async def load_many(spec: ModelSpec, row: Any) -> None:
    """Remember the ids of the row's many-to-many links for the form's pickers."""
    many = {}
    for relation in spec.relations.values():
        if relation.kind == "m2m" and relation.writable:
            many[relation.name] = [r.pk for r in await getattr(row, relation.name).all()]
    row._admin_many = many


def read_form(fields: list[FormField], form) -> tuple[dict[str, Any], list[BadUserInput]]:
    """(the submitted values of the fields the form showed, keyed by python name (crud's ``data``),
    the refusals of values the form itself cannot read), every field read, none skipped at the first refusal."""
    data, problems = {}, []
    for field in fields:
        try:
            present, value = field.parse(form)
        except BadUserInput as error:
            problems.append(error)
            continue
        if present:
            data[field.name] = value
    return data, problems


def form_data(fields: list[FormField], form) -> dict[str, Any]:
    """The submitted values of the fields the form showed; raises the first value it cannot read."""
    data, problems = read_form(fields, form)
    if problems:
        raise problems[0]
    return data


def field_errors(fields: list[FormField], errors: list[BadUserInput], model: str) -> tuple[dict[str, list[str]], list[str]]:
    """(input name → its messages, messages that belong to no input), in the panel's language."""
    owner = {key: field.name for field in fields for key in field.error_keys}
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        name = owner.get(str((error.extensions or {}).get("field")))
        text = i18n.error_text(error, model)
        if name is None:
            general.append(text)
        elif text not in by_field.setdefault(name, []):
            by_field[name].append(text)
    return by_field, general
