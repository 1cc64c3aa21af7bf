"""Which panel texts a language still lacks (``python -m server.manage translations``).

A missing text is not an error: the panel shows a default (the name made readable, an
enum member's name, a field's ``#:`` comment as its hint). The command lists them so
that someone writes them; no test fails on them.
"""
from __future__ import annotations

from collections.abc import Iterator

from models.registry import ModelSpec, Registry


def shown_field_names(spec: ModelSpec) -> list[str]:
    """Fields the panel labels for the model: list columns, list filters and form inputs."""
    from admin.forms import shown_fields
    from admin.listing import list_columns

    hidden = set(spec.declaration.hidden)
    names = [
        *list_columns(spec),
        *spec.declaration.filterable,
        *spec.declaration.conditions,
        *(f.name for f in shown_fields(spec)),
    ]
    return [name for name in dict.fromkeys(names) if name not in hidden]


def needed_texts(spec: ModelSpec) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(key to write, keys that already satisfy it) of every label and hint the panel shows for the model.

    A field label is satisfied by the model's own entry or by the entry for every model
    (``field|Complaint.body`` or ``field|body``); a help text only by the model's own entry.
    """
    from admin.forms import shown_fields

    yield f"model|{spec.name}", (f"model|{spec.name}",)
    for name in shown_field_names(spec):
        yield f"field|{spec.name}.{name}", (f"field|{spec.name}.{name}", f"field|{name}")
    for field in shown_fields(spec):
        yield f"help|{spec.name}.{field.name}", (f"help|{spec.name}.{field.name}",)
    for field in spec.visible_scalars():
        if field.is_enum:
            for member in field.python_type:
                yield f"value|{member.value}", (f"value|{member.value}",)


def missing_translations(registry: Registry) -> list[tuple[str, str]]:
    """(locale, catalogue key) of each label, help text and enum value the registry needs and a catalogue lacks."""
    from admin import i18n

    missing: dict[tuple[str, str], None] = {}
    for locale in i18n.LANGUAGES:
        known = set(i18n.catalogue(locale)._catalog)  # noqa: SLF001 - Babel keeps its message ids here
        for spec in registry:
            for key, satisfied_by in needed_texts(spec):
                if not known.intersection(satisfied_by):
                    missing[(locale, key)] = None
    return list(missing)
