"""Valid rows and GraphQL inputs for any declared model, built from the registry alone.

The permission matrix uses these, so a new model is covered without new test code.
Rows carry a value in every personal field (the leak tests need something that
could leak) and, on request, are made published or unpublished according to the
model's declared ``published`` rule.
"""
from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable
from typing import Any

from models.registry import ModelSpec, Registry, camel

_serial = itertools.count(1)


class CannotPublish(Exception):
    """The declared ``published`` rule uses a lookup this factory cannot satisfy: extend :func:`_candidates`."""


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


def _personal_value(field, n: int) -> Any:
    """A value no page or response shows by accident, so finding it there means it was shown."""
    if field.python_type is str and not field.is_enum:
        return f"Rahasia-{n}-{field.name}"[: field.max_length or 40]
    return _value(field, n)


async def related_row(spec: ModelSpec, relation_name: str, regency) -> Any:
    """The regency itself for a link to Regency; otherwise an existing or new row of the target,
    in ``regency`` when the target belongs to regencies (so the new row lands in ``regency`` too)."""
    target = spec.related(relation_name)
    if target.name == "Regency":
        return regency
    rows = target.model.all()
    if target.declaration.regency_path:
        rows = rows.filter(**{target.declaration.regency_path: regency.code})
    existing = await rows.first()
    return existing if existing is not None else await make_row(target, regency)


async def field_values(
    spec: ModelSpec, regency, published: bool | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scalar values, fk relation → related row) for a minimal valid row in ``regency``.

    ``published`` True or False makes the row one of the declaration's published
    rows or not (None leaves the fields their plain values).
    """
    n = next(_serial)
    scalars = {
        f.name: _value(f, n)
        for f in spec.writable_scalars()
        if not f.nullable and not f.has_default or f.unique
    }
    scalars.update({f: _value(spec.scalars[f], n) for f in spec.declaration.readonly if f in spec.scalars and not spec.scalars[f].nullable and not spec.scalars[f].generated})
    scalars.update({f: _personal_value(spec.scalars[f], n) for f in spec.declaration.personal if f in spec.scalars})
    foreign = {}
    for relation in spec.writable_relations():
        if relation.kind == "fk" and (not relation.nullable or spec.declaration.regency_path == f"{relation.name}__code"):
            foreign[relation.name] = await related_row(spec, relation.name, regency)
    if published is not None:
        scalars.update(await publication(spec, scalars, foreign, published))
    return scalars, foreign


async def make_row(spec: ModelSpec, regency, published: bool | None = None) -> Any:
    """A saved row in ``regency`` (the regency itself for the model that is the regency)."""
    if spec.declaration.regency_path == "code":
        return regency
    scalars, foreign = await field_values(spec, regency, published)
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
    """A harmless change: one text field that is not personal data (unique ones get a fresh value), nor
    fixed once created (``frozen_after_create``: only administrators change it); else a choice field set
    to a value neither the factory nor the field's default gives a row."""
    fixed = set(spec.declaration.personal) | set(spec.declaration.frozen_after_create)
    candidates = [f for f in spec.writable_scalars() if f.python_type is str and not f.is_enum and f.name not in fixed]
    for field in candidates:
        if not field.unique:
            return {camel(field.name): "diubah"}
    for field in candidates:
        return {camel(field.name): f"ubah{next(_serial)}"}
    for field in spec.writable_scalars():
        if field.is_enum and field.name not in fixed:
            default = spec.model._meta.fields_map[field.name].default
            taken = {getattr(default, "value", default), next(iter(field.python_type)).value}
            for member in field.python_type:
                if member.value not in taken:
                    return {camel(field.name): member.value}
    return {}


async def populate(registry: Registry, regencies: Iterable) -> None:
    """Rows of every model the world left empty: one per regency, published and not where the model
    declares a ``published`` rule, so every generated permission test has rows on both sides."""
    for spec in registry:
        if await spec.model.all().exists():
            continue
        for regency in regencies:
            for published in publication_variants(spec):
                await make_row(spec, regency, published)


def publication_variants(spec: ModelSpec) -> tuple[bool | None, ...]:
    """(True, False) for a model that publishes some rows only; (None,) when every row is published."""
    return (True, False) if spec.declaration.published is not None else (None,)


# --- published rows ---------------------------------------------------------------------------


async def publication(spec: ModelSpec, scalars: dict, foreign: dict, wanted: bool) -> dict[str, Any]:
    """Field values that put the row among the declared published rows (``wanted``) or outside them.

    Among the values that do, the first the model's own validator accepts is
    taken (a SIGNED agreement needs a signing date; an EXPIRED one does not).
    """
    rule = spec.declaration.published
    if rule is None:
        if wanted:
            return {}
        raise CannotPublish(f"every {spec.name} row is published: it declares no published rule")
    options = [[(name, value) for value in values] for name, values in _candidates(spec, rule, wanted)]
    # Unpublished needs one entry of the rule to fail; published needs all to hold.
    combinations = itertools.product(*options) if wanted else ([option] for choice in options for option in choice)
    validator = spec.declaration.validator
    for combination in combinations:
        values = dict(combination)
        if validator is None:
            return values
        try:
            await validator(spec.model(**{**scalars, **values, **foreign}), {})
        except Exception:  # noqa: BLE001 - the validator refused this choice: try the next one
            continue
        return values
    raise CannotPublish(f"no values of {spec.name} pass its validator as {'published' if wanted else 'unpublished'}")


def _candidates(spec: ModelSpec, rule: dict, wanted: bool) -> list[tuple[str, list[Any]]]:
    """Per field of the rule, the values that satisfy (``wanted``) or break its lookup."""
    found = []
    for key, target in rule.items():
        name, _, lookup = key.partition("__")
        field = spec.scalars.get(name)
        if field is None or "__" in lookup or lookup not in ("", "not", "in", "not_in"):
            raise CannotPublish(f"{spec.name}.Simpul.published[{key!r}] is beyond tests/factory.py")
        listed = list(target) if lookup in ("in", "not_in") else [target]
        inside = lookup in ("", "in")  # the listed values are the published ones
        if inside == wanted:
            found.append((name, listed))
        else:
            found.append((name, _other_values(field, listed)))
    return found


def _other_values(field, excluded: list[Any]) -> list[Any]:
    if field.is_enum:
        return [member for member in field.python_type if member not in excluded]
    if field.python_type is bool:
        return [value for value in (True, False) if value not in excluded]
    if field.python_type is int:
        return [max(excluded, default=0) + 1]
    if field.python_type is str:
        return [f"lain-{next(_serial)}"]
    if field.python_type in (dt.date, dt.datetime):
        return [max(excluded) + dt.timedelta(days=1)]
    raise CannotPublish(f"no other value for {field.name} in tests/factory.py")


def _graphql(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
