"""Choices in the panel: dropdown widgets given their options up front, and the related rows to offer.

Widgets are fastapi-admin's (``fastapi_admin.widgets``), but made afresh for every
request: fastapi-admin keeps options in a widget's shared ``context``, and
relation pickers here depend on who asks (only rows the caller may read).
"""
from __future__ import annotations

from typing import Any

from fastapi_admin.widgets import filters, inputs

from admin import i18n
from models.registry import ModelSpec, RelationField
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


def yes_no_options() -> list[tuple[str, str]]:
    return [(i18n.value_label("True"), "true"), (i18n.value_label("False"), "false")]


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
