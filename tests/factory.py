"""Valid rows and GraphQL inputs for any declared model, built from the registry alone.

The permission matrix uses these, so a new model is covered without new test code.
"""
from __future__ import annotations

import datetime as dt
import enum
import itertools
from typing import Any

from models.registry import ModelSpec, camel

_serial = itertools.count(1)


def _value(field, n: int) -> Any:
    if field.is_enum:
        return next(iter(field.python_type))
    if field.python_type is str:
        limit = field.max_length or 40
        return f"{field.name[:3]}{n}"[:limit]
    if field.python_type is int:
        return 1
    if field.python_type is bool:
        return False
    if field.python_type is dt.date:
        return dt.date(2026, 1, 5)
    if field.python_type is dt.datetime:
        return dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc)
    return None


async def related_row(spec: ModelSpec, relation_name: str, regency) -> Any:
    """The regency itself for a link to Regency; otherwise an existing or new row of the target."""
    target = spec.related(relation_name)
    if target.name == "Regency":
        return regency
    existing = await target.model.all().first()
    return existing if existing is not None else await make_row(target, regency)


async def field_values(spec: ModelSpec, regency) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scalar values, fk relation → related row) for a minimal valid row in ``regency``."""
    n = next(_serial)
    scalars = {
        f.name: _value(f, n)
        for f in spec.writable_scalars()
        if not f.nullable and not f.has_default or f.unique
    }
    scalars.update({f: _value(spec.scalars[f], n) for f in spec.declaration.readonly if f in spec.scalars and not spec.scalars[f].nullable and not spec.scalars[f].generated})
    foreign = {}
    for relation in spec.writable_relations():
        if relation.kind == "fk" and (not relation.nullable or spec.declaration.regency_path == f"{relation.name}__code"):
            foreign[relation.name] = await related_row(spec, relation.name, regency)
    return scalars, foreign


async def make_row(spec: ModelSpec, regency) -> Any:
    if spec.declaration.regency_path == "code":
        return regency
    scalars, foreign = await field_values(spec, regency)
    return await spec.model.create(**scalars, **foreign)


async def create_input(spec: ModelSpec, regency) -> dict[str, Any]:
    """GraphQL variables for ``create<Model>`` of a valid row in ``regency``."""
    scalars, foreign = await field_values(spec, regency)
    data = {}
    for name, value in scalars.items():
        if name in {f.name for f in spec.writable_scalars()}:
            data[camel(name)] = _graphql(value)
    for name, row in foreign.items():
        data[camel(spec.relations[name].input_name)] = str(row.pk)
    return data


def update_input(spec: ModelSpec) -> dict[str, Any]:
    """A harmless change: one text field (or, failing that, one whole-number field)."""
    for field in spec.writable_scalars():
        if field.python_type is str and not field.is_enum and not field.unique:
            return {camel(field.name): "diubah"}
    for field in spec.writable_scalars():
        if field.python_type is str and not field.is_enum:
            return {camel(field.name): f"ubah{next(_serial)}"}
    return {}


def _graphql(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
