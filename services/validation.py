"""What a create or update may write: each value checked against its field, relation and validators.

``clean`` turns API or form input (Python field names; a foreign key by its relation
name with the related id, a many-to-many by a list of ids) into checked values, with
relations resolved only among rows the caller may read. Every refusal is a
BadUserInput naming the GraphQL field, so the API and the panel show the same message.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from tortoise import validators as tv
from tortoise.exceptions import ValidationError
from tortoise.models import Model

from core.errors import BadUserInput, Forbidden
from core.values import parse_id
from models.registry import ModelSpec, RelationField, ScalarField, camel
from permissions.rows import visible


def _check_scalar(spec: ModelSpec, field: ScalarField, value: Any) -> Any:
    label = field.graphql_name
    if value is None:
        if not field.nullable:
            raise BadUserInput(f"{label} cannot be null.", field=label, reason="REQUIRED")
        return None
    if field.is_enum:
        try:
            return field.python_type(value.value if isinstance(value, enum.Enum) else value)
        except ValueError:
            allowed = ", ".join(m.value for m in field.python_type)
            raise BadUserInput(
                f"{label} must be one of {allowed}; got {value!r}.", field=label,
                reason="NOT_ONE_OF", params={"allowed": list(field.python_type)},
            ) from None
    if field.python_type is str:
        if not isinstance(value, str):
            raise BadUserInput(f"{label} must be text.", field=label, reason="NOT_TEXT")
        if field.max_length and len(value) > field.max_length:
            raise BadUserInput(
                f"{label} must be at most {field.max_length} characters (got {len(value)}).", field=label,
                reason="TOO_LONG", params={"max": field.max_length, "length": len(value)},
            )
        return value
    if field.python_type is bool and not isinstance(value, bool):
        raise BadUserInput(f"{label} must be true or false.", field=label, reason="NOT_BOOLEAN")
    if field.python_type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadUserInput(f"{label} must be a whole number.", field=label, reason="NOT_INTEGER")
        if not -(2**31) <= value <= 2**31 - 1:
            raise BadUserInput(f"{label} is out of range.", field=label, reason="OUT_OF_RANGE")
    if field.python_type is dt.date and isinstance(value, dt.datetime):
        return value.date()
    return value


def _check_field_validators(spec: ModelSpec, field: ScalarField, value: Any) -> None:
    """The model field's own Tortoise validators (``validators=[MinValueValidator(1)]``, regexes...).

    Run here rather than left to Tortoise, whose ``ValidationError`` (from ``save()``, or from
    the uniqueness query, which encodes the value too) would be an internal error: the caller
    learns which field is wrong and why.
    """
    if value is None:
        return
    label = field.graphql_name
    for validator in spec.model._meta.fields_map[field.name].validators:
        try:
            validator(value.value if isinstance(value, enum.Enum) else value)
        except ValidationError as error:
            raise BadUserInput(
                _validator_message(spec, field, validator, error), field=label,
                **_validator_reason(spec, field, validator),
            ) from None


def _validator_message(spec: ModelSpec, field: ScalarField, validator: Any, error: ValidationError) -> str:
    """The rule the value broke, without the value: it may be a stored one the caller may not read."""
    label = field.graphql_name
    if getattr(validator, "rule", None):  # a validator that says its rule in words (models.app.SlugValidator)
        return f"{label} {validator.rule}."
    if isinstance(validator, tv.MinValueValidator):
        return f"{label} must be at least {validator.min_value}."
    if isinstance(validator, tv.MaxValueValidator):
        return f"{label} must be at most {validator.max_value}."
    if isinstance(validator, tv.MinLengthValidator):
        return f"{label} must be at least {_characters(validator.min_length)}."
    if isinstance(validator, tv.MaxLengthValidator):
        return f"{label} must be at most {_characters(validator.max_length)}."
    if isinstance(validator, tv.RegexValidator):
        return f"{label} must match the pattern {validator.regex.pattern}."
    return _not_valid(spec, field, str(error))


def _validator_reason(spec: ModelSpec, field: ScalarField, validator: Any) -> dict[str, Any]:
    """``reason`` and ``params`` of :func:`_validator_message`; a validator may name its own (``reason``)."""
    if getattr(validator, "reason", None):
        return dict(reason=validator.reason, params=getattr(validator, "params", None))
    if isinstance(validator, tv.MinValueValidator):
        return dict(reason="TOO_SMALL", params={"min": validator.min_value})
    if isinstance(validator, tv.MaxValueValidator):
        return dict(reason="TOO_LARGE", params={"max": validator.max_value})
    if isinstance(validator, tv.MinLengthValidator):
        return dict(reason="TOO_SHORT", params={"min": validator.min_length})
    if isinstance(validator, tv.MaxLengthValidator):
        return dict(reason="TOO_LONG", params={"max": validator.max_length})
    if isinstance(validator, tv.RegexValidator):
        return dict(reason="PATTERN_MISMATCH", params={"pattern": validator.regex.pattern})
    return dict(reason="NOT_VALID")


def _not_valid(spec: ModelSpec, field: ScalarField, reason: str) -> str:
    # Tortoise's own reasons quote the value ("Value 'x' does not match ..."): never a private one.
    private = field.name in spec.declaration.personal or field.name in spec.declaration.hidden
    return f"{field.graphql_name} is not valid." if private else f"{field.graphql_name} is not valid: {reason}"


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def check_row_validators(spec: ModelSpec, row: Model) -> None:
    """Every scalar of the row as ``save()`` will validate it: defaults and values a declared validator set, too."""
    for field in spec.scalars.values():
        _check_field_validators(spec, field, getattr(row, field.name))


def saved_field_error(spec: ModelSpec, error: ValidationError) -> BadUserInput | None:
    """A ``ValidationError`` from ``save()`` (Tortoise writes ``"slug: <reason>"``) as BadUserInput on that field.

    The last net, for values a save hook sets after the checks above. An error that names
    no field of the model is a bug: None.
    """
    name, _, reason = str(error).partition(": ")
    field = spec.scalars.get(name)
    if field is None:
        return None
    return BadUserInput(_not_valid(spec, field, reason), field=field.graphql_name, reason="NOT_VALID")


async def _check_relation(spec: ModelSpec, relation: RelationField, value: Any, access) -> Any:
    label = camel(relation.input_name)
    target = spec.related(relation.name)
    reachable = visible(target, access, "read")
    if relation.kind == "fk":
        if value is None:
            if not relation.nullable:
                raise BadUserInput(f"{label} cannot be null.", field=label, reason="REQUIRED")
            return None
        pk = parse_id(value, model=target.name, field=label)
        if reachable is None or not await reachable.filter(pk=pk).exists():
            raise BadUserInput(
                f"{label} {value!r} does not match any {target.name}.", field=label,
                reason="UNKNOWN_REFERENCE", params={"model": target.name, "value": value},
            )
        return pk
    ids = [parse_id(v, model=target.name, field=label) for v in (value or [])]
    unique_ids = list(dict.fromkeys(ids))
    found = set() if reachable is None else set(await reachable.filter(pk__in=unique_ids).values_list("id", flat=True))
    missing = [i for i in unique_ids if i not in found]
    if missing:
        raise BadUserInput(
            f"{label} contains ids that match no {target.name}: {', '.join(map(str, missing))}.", field=label,
            reason="UNKNOWN_REFERENCES", params={"model": target.name, "ids": missing},
        )
    return unique_ids


async def clean(spec: ModelSpec, access, data: dict[str, Any], *, creating: bool):
    """(scalars, foreign keys, many-to-many ids) checked; every refused field at once (:func:`refusal`)."""
    scalars, foreign, many, problems = await _collect(spec, access, data, creating=creating)
    if problems:
        raise refusal(problems)
    return scalars, foreign, many


async def checked(spec: ModelSpec, access, data: dict[str, Any], *, creating: bool, exclude_pk: int | None = None):
    """:func:`clean` and :func:`check_unique` in one pass: a form learns every refused field at once."""
    scalars, foreign, many, problems = await _collect(spec, access, data, creating=creating)
    problems += await _unique_problems(spec, scalars, exclude_pk)
    if problems:
        raise refusal(problems)
    return scalars, foreign, many


async def input_problems(
    spec: ModelSpec, access, data: dict[str, Any], *, creating: bool, exclude_pk: int | None = None
) -> list[BadUserInput]:
    """Every refusal :func:`checked` would raise, as a list (empty when the input is fine); writes nothing."""
    try:
        await checked(spec, access, data, creating=creating, exclude_pk=exclude_pk)
    except BadUserInput as error:
        return list(getattr(error, "errors", None) or [error])
    return []


class InvalidInput(BadUserInput):
    """Several fields refused at once. ``errors`` holds each refusal (a BadUserInput naming its field);
    the message is theirs one after the other, ``extensions.field`` the first field, and
    ``extensions.errors`` lists ``{message, field, reason, params}`` for each, so a frontend can
    put every message under its input."""

    def __init__(self, errors: list[BadUserInput]):
        self.errors = list(errors)
        super().__init__(
            " ".join(error.message for error in self.errors),
            field=self.errors[0].extensions.get("field"), reason="INVALID_FIELDS",
            params={"count": len(self.errors)},
            errors=[{"message": error.message, **error.extensions} for error in self.errors],
        )


def refusal(problems: list[BadUserInput]) -> BadUserInput:
    """One refusal as it is (the API's one-error shape), several as an :class:`InvalidInput`."""
    return problems[0] if len(problems) == 1 else InvalidInput(problems)


async def _collect(spec: ModelSpec, access, data: dict[str, Any], *, creating: bool):
    """(scalars, foreign, many, every refusal): each field checked even when an earlier one was refused."""
    allowed_scalars = {f.name: f for f in spec.writable_scalars()}
    allowed_relations = {r.name: r for r in spec.writable_relations()}
    unknown = set(data) - set(allowed_scalars) - set(allowed_relations)
    if unknown:
        names = ", ".join(sorted(camel(n) for n in unknown))
        raise BadUserInput(
            f"{spec.name} has no writable field(s) {names}.",
            reason="UNKNOWN_FIELDS", params={"model": spec.name, "fields": sorted(camel(n) for n in unknown)},
        )
    scalars: dict[str, Any] = {}
    foreign: dict[str, Any] = {}
    many: dict[str, list[int]] = {}
    problems: list[BadUserInput] = []
    refused: set[str] = set()
    for name, value in data.items():
        try:
            if name in allowed_scalars:
                checked_value = _check_scalar(spec, allowed_scalars[name], value)
                _check_field_validators(spec, allowed_scalars[name], checked_value)
                scalars[name] = checked_value
            else:
                relation = allowed_relations[name]
                checked_value = await _check_relation(spec, relation, value, access)
                (many if relation.kind == "m2m" else foreign)[name] = checked_value
        except BadUserInput as error:
            problems.append(error)
            refused.add(name)
    if creating:
        for field in allowed_scalars.values():
            if field.name not in scalars and field.name not in refused and not field.nullable and not field.has_default:
                problems.append(
                    BadUserInput(f"{field.graphql_name} is required.", field=field.graphql_name, reason="REQUIRED")
                )
        for relation in allowed_relations.values():
            if relation.kind == "fk" and relation.name not in foreign and relation.name not in refused \
                    and not relation.nullable:
                label = camel(relation.input_name)
                problems.append(BadUserInput(f"{label} is required.", field=label, reason="REQUIRED"))
    return scalars, foreign, many, problems


async def check_unique(spec: ModelSpec, scalars: dict[str, Any], exclude_pk: int | None) -> None:
    problems = await _unique_problems(spec, scalars, exclude_pk)
    if problems:
        raise refusal(problems)


async def _unique_problems(spec: ModelSpec, scalars: dict[str, Any], exclude_pk: int | None) -> list[BadUserInput]:
    problems = []
    for name, value in scalars.items():
        field = spec.scalars[name]
        if field.unique and value is not None:
            clash = spec.model.filter(**{name: value})
            if exclude_pk is not None:
                clash = clash.exclude(pk=exclude_pk)
            if await clash.exists():
                problems.append(BadUserInput(
                    f"{field.graphql_name} {value!r} is already taken.", field=field.graphql_name,
                    reason="UNIQUE_TAKEN", params={"field": field.graphql_name, "value": value},
                ))
    return problems


# --- fields fixed once the row exists (Simpul.frozen_after_create) ----------------------------


def frozen_fields(spec: ModelSpec, access) -> frozenset[str]:
    """The ``frozen_after_create`` fields the caller may not change on an existing row: all of them,
    unless the caller's ``update`` grant holds in every regency (the platform's administrators)."""
    frozen = spec.declaration.frozen_after_create
    if not frozen or access.decide(spec.name, "update").everywhere:
        return frozenset()
    return frozenset(frozen)


def check_frozen(
    spec: ModelSpec, access, row: Model, scalars: dict[str, Any], foreign: dict[str, Any],
    many: dict[str, list[int]], current_many: dict[str, list[int]],
) -> None:
    """Refuse an update that changes a field the caller may not change (``FORBIDDEN``, reason ``FIELD_FROZEN``).

    The stored value sent back unchanged is no change: a frontend may send the whole row.
    """
    for name in sorted(frozen_fields(spec, access)):
        if name in scalars:
            changed = scalars[name] != getattr(row, name)
            label = spec.scalars[name].graphql_name
        elif name in foreign:
            changed = foreign[name] != getattr(row, spec.relations[name].column)
            label = camel(spec.relations[name].input_name)
        elif name in many:
            changed = sorted(many[name]) != sorted(current_many.get(name, []))
            label = camel(spec.relations[name].input_name)
        else:
            continue
        if changed:
            raise Forbidden(
                f"{label} is kept as it was first submitted: your role may not change it.",
                field=label, reason="FIELD_FROZEN", params={"field": label},
            )
