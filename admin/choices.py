"""Choices in the panel: dropdown widgets given their options up front, and the related rows to offer.

Widgets are fastapi-admin's (``fastapi_admin.widgets``), but made afresh for every
request: fastapi-admin keeps options in a widget's shared ``context``, and
relation pickers here depend on who asks (only rows the caller may read).

The foreign key that decides a row's regency (the first step of ``Simpul.regency_path``,
e.g. Complaint's ``regency``) offers more narrowly still: only the regencies where the
caller may do what the page does (``create`` on a new row, ``update`` on an existing one,
``read`` in a list filter or a read-only page). Staff of one regency get it fixed to their
own (:class:`FixedChoiceInput`), never a list of 48 of which 47 end in a refusal.
"""
from __future__ import annotations

from typing import Any

from fastapi_admin.widgets import filters, inputs
from tortoise.expressions import Q

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


class FixedChoiceInput(inputs.Input):
    """A choice that has one possible answer: shown as read-only text, sent as a hidden input."""

    template = "widgets/inputs/fixed_choice.html"

    def __init__(self, option: tuple[str, Any], **kwargs):
        super().__init__(**kwargs)
        self.context.update(option_label=option[0], option_value=option[1])


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


def scope_relation(spec: ModelSpec) -> str | None:
    """The foreign key that decides a row's regency (``regency`` for ``regency_path = "regency__code"``), or None."""
    path = spec.declaration.regency_path
    head, _, rest = (path or "").partition("__")
    relation = spec.relations.get(head)
    return head if rest and relation is not None and relation.kind == "fk" else None


def _scope_choices(spec: ModelSpec, access, action: str) -> Q | None:
    """Related rows (of the scope relation's target) inside the regencies where ``action`` holds; None = all."""
    decision = access.decide(spec.name, action)
    if decision.everywhere or decision.published:
        # Every regency, or the published rows of any regency: the regency does not decide it.
        return None
    rest = spec.declaration.regency_path.partition("__")[2]
    return Q(**{f"{rest}__in": sorted(decision.regencies)})


async def related_options(
    spec: ModelSpec, relation: RelationField, access, action: str = "read"
) -> list[tuple[str, Any]] | None:
    """(label, id) of the related rows the caller may read, or None when they may read none.

    For the relation that decides the row's regency, only the regencies where the caller may
    ``action`` rows of ``spec`` (``create``/``update`` on a form, ``read`` in a filter).
    """
    target = spec.related(relation.name)
    queryset = scope.visible(target, access, "read")
    if queryset is None:
        return None
    if relation.name == scope_relation(spec):
        narrowed = _scope_choices(spec, access, action)
        if narrowed is not None:
            queryset = queryset.filter(narrowed)
    return [(row_label(target, row), row.pk) for row in await queryset]


async def related_labels(spec: ModelSpec, relation: RelationField, access, ids: set[Any]) -> dict[Any, str]:
    target = spec.related(relation.name)
    queryset = scope.visible(target, access, "read")
    if queryset is None or not ids:
        return {}
    return {row.pk: row_label(target, row) for row in await queryset.filter(pk__in=list(ids))}
