"""Write seed rows so that a re-run changes nothing and never undoes a person's edit.

Every row the seeds write is remembered in ``SeedRecord`` as (model, natural key,
fingerprint of the values written). On each run, for each seed row:

* no such row and never seeded        → create it;
* no such row but seeded before       → someone deleted it on purpose: leave it deleted;
* row exists, never seeded            → it belongs to a person: leave it;
* row differs from its fingerprint    → a person edited it since: leave it;
* row matches, seed data unchanged    → nothing to do;
* row matches, seed data changed      → update it and remember the new fingerprint.

Relations are written and fingerprinted by the natural key of the related row
(a regency code, an app slug, an agreement number), never by database id, so
fingerprints are the same on every database.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from tortoise.models import Model

from core.values import jsonable
from models.seed_record import SeedRecord

#: A seed row: field name → value, relations by natural key, many-to-many as a list of keys.
#: Keys starting with an underscore are extra data for hooks, neither written nor fingerprinted.
Row = dict[str, Any]
#: Called with (row, primary key) pairs after rows were created or updated.
Hook = Callable[[list[tuple[Row, int]]], Awaitable[None]]


@dataclass(frozen=True)
class Link:
    """A relation written by the natural key of the related row."""

    model: type[Model]
    key: str


@dataclass(frozen=True)
class Plan:
    """How one model is seeded: its natural key and the fields the seeds own."""

    model: type[Model]
    #: Unique field that identifies a row across databases (``code``, ``slug``, ``number``...).
    key: str
    #: Scalar fields the seeds write and fingerprint (the key included).
    fields: tuple[str, ...]
    #: Foreign keys, as field name → the related model and its natural key.
    links: dict[str, Link] = field(default_factory=dict)
    #: Many-to-many fields, likewise.
    many: dict[str, Link] = field(default_factory=dict)
    #: Fields written when the row is created and never again, nor fingerprinted (a password hash).
    create_only: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.model.__name__


@dataclass
class Counts:
    """What one run did to the rows of one model."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Seeded rows a person changed since: kept as they are.
    kept_edited: int = 0
    #: Rows with a seed key that the seeds never wrote: kept as they are.
    kept_not_seeded: int = 0
    #: Seeded rows a person deleted: not recreated.
    deleted: int = 0
    #: Rows not written because a row they refer to is missing.
    skipped: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class SeedSummary:
    """Counts per model, in the order the models were seeded, plus notes for people."""

    models: dict[str, Counts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, model: str, counts: Counts) -> None:
        self.models.setdefault(model, Counts())
        self.models[model] += counts

    def __str__(self) -> str:
        columns = [f.name for f in fields(Counts)]
        width = max([len(m) for m in self.models] + [len("model")])
        head = "model".ljust(width) + "".join(f"  {c.replace('_', ' '):>15}" for c in columns)
        lines = [head]
        for name, counts in self.models.items():
            values = counts.as_dict()
            lines.append(name.ljust(width) + "".join(f"  {values[c]:>15}" for c in columns))
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


# --- fingerprints ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value that is equal for what the seeds hold and what the database returns:
    moments in UTC and collections in order, then the platform's one value → JSON rule."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # databases without time zones return UTC
            value = value.replace(tzinfo=dt.timezone.utc)
        value = value.astimezone(dt.timezone.utc)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(v) for v in value)
    return jsonable(value)


def fingerprint(plan: Plan, row: Row) -> str:
    """SHA-256 of the values the seeds own in ``row``."""
    owned = [*plan.fields, *plan.links, *plan.many]
    payload = {name: _plain(row.get(name)) for name in owned if name not in plan.create_only}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- reading the database -------------------------------------------------------------------


async def _ids_by_key(link: Link, keys: Iterable[str]) -> dict[str, int]:
    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return {}
    rows = await link.model.filter(**{f"{link.key}__in": wanted}).values_list(link.key, "id")
    return dict(rows)


async def _current(plan: Plan, keys: Sequence[str]) -> dict[str, Row]:
    """The rows with these keys, in seed-row shape plus their primary key (``id``)."""
    if not keys:
        return {}
    model, key = plan.model, plan.key
    scalars = [f for f in plan.fields if f not in plan.create_only and f != key]
    related = {name: f"{name}__{link.key}" for name, link in plan.links.items()}
    rows = await model.filter(**{f"{key}__in": list(keys)}).values("id", key, *scalars, **related)
    current = {r[key]: r for r in rows}
    for name, link in plan.many.items():
        for row in current.values():
            row[name] = []
        pairs = await model.filter(**{f"{key}__in": list(current)}).values(key, member=f"{name}__{link.key}")
        for pair in pairs:
            if pair["member"] is not None:
                current[pair[key]][name].append(pair["member"])
    return current


# --- writing --------------------------------------------------------------------------------


def _db_values(plan: Plan, row: Row, ids: dict[str, dict[str, int]], *, creating: bool) -> dict[str, Any]:
    values = {f: row[f] for f in plan.fields if creating or f not in plan.create_only}
    for name in plan.links:
        key = row.get(name)
        values[f"{name}_id"] = ids[name][key] if key is not None else None
    return values


async def _set_members(plan: Plan, pk: int, row: Row, ids: dict[str, dict[str, int]], *, replace: bool) -> None:
    if not plan.many:
        return
    instance = plan.model(id=pk)
    instance._saved_in_db = True
    for name, link in plan.many.items():
        manager = getattr(instance, name)
        if replace:
            await manager.clear()
        members = [link.model(id=ids[name][k]) for k in row.get(name) or ()]
        for member in members:
            member._saved_in_db = True
        if members:
            await manager.add(*members)


async def sync(
    plan: Plan,
    rows: Sequence[Row],
    *,
    on_created: Hook | None = None,
    on_updated: Hook | None = None,
) -> Counts:
    """Bring the seeded rows of ``plan.model`` in line with ``rows`` (see the module docstring)."""
    counts = Counts()
    # Resolve every relation once; a row pointing at a missing row is skipped, a
    # missing many-to-many member is left out (and the fingerprint follows).
    ids = {name: await _ids_by_key(link, (r.get(name) for r in rows)) for name, link in plan.links.items()}
    ids |= {
        name: await _ids_by_key(link, (k for r in rows for k in r.get(name) or ()))
        for name, link in plan.many.items()
    }
    ready: list[Row] = []
    for row in rows:
        if any(row.get(n) is not None and row[n] not in ids[n] for n in plan.links):
            counts.skipped += 1
            continue
        ready.append({**row, **{n: [k for k in row.get(n) or () if k in ids[n]] for n in plan.many}})

    keys = [row[plan.key] for row in ready]
    records = {r.key: r for r in await SeedRecord.filter(model=plan.name, key__in=keys)}
    current = await _current(plan, keys)

    to_create: list[Row] = []
    to_update: list[tuple[Row, int]] = []
    for row in ready:
        key = row[plan.key]
        record, existing = records.get(key), current.get(key)
        if existing is None:
            if record is None:
                to_create.append(row)
            else:
                counts.deleted += 1
        elif record is None:
            counts.kept_not_seeded += 1
        elif fingerprint(plan, existing) != record.fingerprint:
            counts.kept_edited += 1
        elif fingerprint(plan, row) == record.fingerprint:
            counts.unchanged += 1
        else:
            to_update.append((row, existing["id"]))

    if to_create:
        await plan.model.bulk_create(
            [plan.model(**_db_values(plan, row, ids, creating=True)) for row in to_create], batch_size=500
        )
        created_ids = dict(
            await plan.model.filter(**{f"{plan.key}__in": [r[plan.key] for r in to_create]}).values_list(plan.key, "id")
        )
        created = [(row, created_ids[row[plan.key]]) for row in to_create]
        for row, pk in created:
            await _set_members(plan, pk, row, ids, replace=False)
        await SeedRecord.bulk_create(
            [SeedRecord(model=plan.name, key=row[plan.key], fingerprint=fingerprint(plan, row)) for row in to_create],
            batch_size=500,
        )
        counts.created = len(created)
        if on_created:
            await on_created(created)

    for row, pk in to_update:
        await plan.model.filter(id=pk).update(**_db_values(plan, row, ids, creating=False))
        await _set_members(plan, pk, row, ids, replace=True)
        await SeedRecord.filter(model=plan.name, key=row[plan.key]).update(fingerprint=fingerprint(plan, row))
    counts.updated = len(to_update)
    if to_update and on_updated:
        await on_updated(to_update)
    return counts
