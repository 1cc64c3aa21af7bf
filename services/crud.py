"""Generic create, update and delete for every declared model, under the caller's policy.

Reads are not here: they start in ``permissions.rows``.

The GraphQL mutations and the admin panel both write through here, so
validation (``services.validation``), row scope, transactions and the audit log
are the same everywhere. ``data`` uses Python field names; a foreign key is given
by its relation name with the related id, a many-to-many by a list of ids.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.exceptions import IntegrityError, ValidationError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.errors import BadUserInput, Forbidden, not_found
from core.values import jsonable, parse_id
from models.registry import ModelSpec, RelationField
from permissions.rows import in_scope, rows
from services import audit, validation

async def _run_validator(spec: ModelSpec, row: Model, many: dict[str, list[int]]) -> None:
    validator = spec.declaration.validator
    if validator is not None:
        await validator(row, many)


async def _current_many(row: Model, spec: ModelSpec) -> dict[str, list[int]]:
    result = {}
    for relation in spec.writable_relations():
        if relation.kind == "m2m":
            result[relation.name] = sorted(await getattr(row, relation.name).all().values_list("id", flat=True))
    return result


def snapshot(spec: ModelSpec, row: Model, many: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """The row's values as JSON-safe data, for the audit log."""
    values: dict[str, Any] = {}
    for field in spec.visible_scalars():
        values[field.name] = jsonable(getattr(row, field.name))
    for relation in spec.relations.values():
        if relation.kind == "fk":
            values[relation.column] = getattr(row, relation.column)
    for name, ids in (many or {}).items():
        values[name] = list(ids)
    return values


def _integrity_message(spec: ModelSpec, error: IntegrityError, pk: Any = None) -> BadUserInput:
    text = str(error).lower()
    if "foreign key" in text or "violates foreign key" in text or "restrict" in text:
        what = f"{spec.name} {pk}" if pk is not None else f"This {spec.name}"
        return BadUserInput(
            f"{what} is still referenced by other records; remove or reassign those first.",
            reason="STILL_REFERENCED", params={"model": spec.name, **({"id": pk} if pk is not None else {})},
        )
    if "unique" in text or "duplicate" in text:
        return BadUserInput(
            f"A {spec.name} with the same unique values already exists.", reason="UNIQUE_CONFLICT",
            params={"model": spec.name},
        )
    return BadUserInput(
        f"The {spec.name} could not be saved: it conflicts with existing data.", reason="CONFLICT",
        params={"model": spec.name},
    )


# --- writes ---------------------------------------------------------------------------------


async def create_row(spec: ModelSpec, access, data: dict[str, Any], *, source: str = "api") -> Model:
    access.require(spec.name, "create")
    scalars, foreign, many = await validation.checked(spec, access, data, creating=True)
    try:
        async with in_transaction():
            row = spec.model(**scalars, **{spec.relations[n].column: v for n, v in foreign.items()})
            await _run_validator(spec, row, many)
            validation.check_row_validators(spec, row)
            await row.save()
            for name, ids in many.items():
                await _set_many(row, spec.relations[name], ids)
            if not await in_scope(spec, access, "create", row.pk):
                raise Forbidden(
                    f"You may not create this {spec.name} outside your own regency.",
                    reason="OUTSIDE_OWN_REGENCY", params={"model": spec.name},
                )
            await audit.record(
                actor=access.user, action="create", model=spec.name, object_id=row.pk,
                before=None, after=snapshot(spec, row, many), source=source,
            )
    except IntegrityError as error:
        raise _integrity_message(spec, error) from None
    except ValidationError as error:
        failure = validation.saved_field_error(spec, error)
        if failure is None:
            raise
        raise failure from None
    return row


async def update_row(spec: ModelSpec, access, id_: Any, data: dict[str, Any], *, source: str = "api") -> Model:
    access.require(spec.name, "update")
    pk = _pk_or_not_found(spec, id_)
    try:
        async with in_transaction():
            row = await rows(spec, access, "update").filter(pk=pk).first()
            if row is None:
                raise not_found(spec.name, id_)
            scalars, foreign, many = await validation.checked(spec, access, data, creating=False, exclude_pk=pk)
            before_many = await _current_many(row, spec)
            validation.check_frozen(spec, access, row, scalars, foreign, many, before_many)
            before = snapshot(spec, row, before_many)
            for name, value in scalars.items():
                setattr(row, name, value)
            for name, value in foreign.items():
                setattr(row, spec.relations[name].column, value)
            await _run_validator(spec, row, {**before_many, **many})
            validation.check_row_validators(spec, row)
            await row.save()
            for name, ids in many.items():
                await _set_many(row, spec.relations[name], ids)
            if not await in_scope(spec, access, "update", row.pk):
                raise Forbidden(
                    f"You may not move this {spec.name} outside your own regency.",
                    reason="OUTSIDE_OWN_REGENCY", params={"model": spec.name},
                )
            after = snapshot(spec, row, {**before_many, **many})
            if after != before:
                await audit.record(
                    actor=access.user, action="update", model=spec.name, object_id=row.pk,
                    before=before, after=after, source=source,
                )
    except IntegrityError as error:
        raise _integrity_message(spec, error) from None
    except ValidationError as error:
        failure = validation.saved_field_error(spec, error)
        if failure is None:
            raise
        raise failure from None
    return row


async def delete_row(spec: ModelSpec, access, id_: Any, *, source: str = "api") -> str:
    access.require(spec.name, "delete")
    pk = _pk_or_not_found(spec, id_)
    try:
        async with in_transaction():
            row = await rows(spec, access, "delete").filter(pk=pk).first()
            if row is None:
                raise not_found(spec.name, id_)
            before = snapshot(spec, row, await _current_many(row, spec))
            await row.delete()
            await audit.record(
                actor=access.user, action="delete", model=spec.name, object_id=pk,
                before=before, after=None, source=source,
            )
    except IntegrityError as error:
        raise _integrity_message(spec, error, pk) from None
    return str(pk)


async def delete_rows(spec: ModelSpec, access, ids: Iterable[Any], *, source: str = "api") -> list[str]:
    """Delete every one of ``ids`` or none: one transaction, the first refusal undoes the others."""
    access.require(spec.name, "delete")
    async with in_transaction():
        return [await delete_row(spec, access, id_, source=source) for id_ in ids]


def _pk_or_not_found(spec: ModelSpec, id_: Any) -> int:
    try:
        return parse_id(id_, model=spec.name)
    except BadUserInput:
        raise not_found(spec.name, id_) from None


async def _set_many(row: Model, relation: RelationField, ids: Iterable[int]) -> None:
    manager = getattr(row, relation.name)
    await manager.clear()
    targets = await row._meta.fields_map[relation.name].related_model.filter(pk__in=list(ids))
    if targets:
        await manager.add(*targets)
