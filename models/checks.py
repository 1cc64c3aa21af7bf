"""Checks of every model's ``Simpul`` declaration, run once at start by ``build_registry``.

A wrong declaration would otherwise fail late and far from its cause: a
misspelled field silently gets no filter, ``("title")`` (a string, not a
tuple) searches the columns ``t``, ``i``, ``l`` and ``e``, two models with one
plural lose a query, a personal field that is filterable leaks through counts.
So the start stops at the first mistake with one :class:`DeclarationError`
that names the model, the entry and the bad name, and suggests the nearest
right name when there is one.

The action words of ``grants`` are checked in ``permissions.defaults``: models
do not import the policy layer.
"""
from __future__ import annotations

import datetime as dt
import difflib
import inspect
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tortoise.fields import relational
from tortoise.filters import get_filters_for_field

from models.declaration import OPERATIONS

if TYPE_CHECKING:
    from models.registry import ModelSpec, Registry


class DeclarationError(Exception):
    """A model's ``Simpul`` block is wrong; the message names the model, the entry and the bad name."""


#: Entries that hold a tuple of names (a list is accepted too).
NAME_TUPLES = (
    "filterable", "sortable", "searchable", "personal", "readonly", "hidden",
    "admin_columns", "operations", "default_order", "highlight", "frozen_after_create", "groupable",
)
#: What ``<plural>Aggregate`` and its groups show besides one count per condition; no condition takes these names.
AGGREGATE_FIELDS = ("count", "groups", "key")
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
#: A role as the policy store spells it (``regency_staff``, ``public``).
ROLE_NAME = re.compile(r"[a-z][a-z0-9_]{1,62}")


def check_registry(registry: Registry) -> None:
    """Raise :class:`DeclarationError` on the first mistake in any declaration of the registry."""
    for spec in registry:
        check_shapes(spec)
        check_field_names(spec)
        check_regency_path(spec)
        check_published(spec)
        check_private_fields(spec)
        check_callables(spec)
        check_operations(spec)
        check_grant_roles(spec)
        check_groupable(spec)
    check_plurals(registry)


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """``; did you mean 'title'?`` for the nearest candidate, or ``.`` when none is near."""
    match = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean {match[0]!r}?" if match else "."


# --- shapes -----------------------------------------------------------------------------------


def check_shapes(spec: ModelSpec) -> None:
    """Tuples of names are tuples of strings, names are strings, mappings are dicts."""
    declaration = spec.declaration
    for entry in NAME_TUPLES:
        _check_names_tuple(_entry(spec, entry), getattr(declaration, entry), "names")
    for entry in ("plural", "label_field", "icon"):
        value = getattr(declaration, entry)
        if not isinstance(value, str):
            raise DeclarationError(f"{_entry(spec, entry)} must be a string; got {value!r}.")
    if declaration.regency_path is not None and not isinstance(declaration.regency_path, str):
        raise DeclarationError(
            f"{_entry(spec, 'regency_path')} must be an ORM path such as 'regency__code' (or None); "
            f"got {declaration.regency_path!r}."
        )
    for entry in ("published", "conditions", "grants", "extra"):
        value = getattr(declaration, entry)
        if not isinstance(value, Mapping) and not (entry == "published" and value is None):
            raise DeclarationError(f"{_entry(spec, entry)} must be a dict; got {value!r}.")
    for role, actions in declaration.grants.items():
        _check_names_tuple(f"{_entry(spec, 'grants')}[{role!r}]", actions, "actions")


def _check_names_tuple(where: str, value: Any, what: str) -> None:
    if isinstance(value, str):
        # ("title") is the string "title": the comma makes the tuple.
        raise DeclarationError(
            f"{where} is the string {value!r}, not a tuple of {what}; write ({value!r},) with the comma."
        )
    if not isinstance(value, (tuple, list)):
        raise DeclarationError(f"{where} must be a tuple of {what}; got {value!r}.")
    for item in value:
        if not isinstance(item, str):
            raise DeclarationError(f"{where} holds {item!r}, which is not a string; write {what} as strings.")


# --- names of fields --------------------------------------------------------------------------


def check_field_names(spec: ModelSpec) -> None:
    """Every entry that names fields names fields of the right kind."""
    declaration = spec.declaration
    fields_or_relations = [*spec.scalars, *spec.relations]
    scalars = list(spec.scalars)
    text = [f.name for f in spec.scalars.values() if f.is_text]
    wanted = {
        "filterable": (fields_or_relations, "fields or relations"),
        "sortable": (scalars, "scalar fields"),
        "searchable": (text, "text fields"),
        "personal": (fields_or_relations, "fields or relations"),
        "readonly": (fields_or_relations, "fields or relations"),
        "hidden": (fields_or_relations, "fields or relations"),
        "admin_columns": (fields_or_relations, "fields or relations"),
        "frozen_after_create": (fields_or_relations, "fields or relations"),
        "groupable": (_groupable(spec), "enums, booleans, dates, times or foreign keys"),
    }
    for entry, (accepted, kind) in wanted.items():
        for name in getattr(declaration, entry):
            _require(spec, entry, name, accepted, kind)
    _require(spec, "label_field", declaration.label_field, scalars, "a scalar field")
    for item in declaration.default_order:
        _require(spec, "default_order", item.removeprefix("-"), scalars, "scalar fields (prefixed with '-' for descending)")
    for name in declaration.highlight:
        if name not in declaration.conditions:
            raise DeclarationError(
                f"{_entry(spec, 'highlight')} names {name!r}, which is not one of {spec.name}'s conditions "
                f"(Simpul.conditions){suggestion(name, declaration.conditions)}"
            )
    for name in declaration.frozen_after_create:
        if name in declaration.readonly:
            raise DeclarationError(
                f"{_entry(spec, 'frozen_after_create')} names {name!r}, which is readonly "
                f"({_entry(spec, 'readonly')}): no input ever sets it, so freezing it says nothing. "
                f"Take {name!r} out of one of the two."
            )


def _groupable(spec: ModelSpec) -> list[str]:
    """Fields with few distinct values to count rows by: enums, booleans, dates and times (by month), foreign keys."""
    kinds = (bool, dt.date, dt.datetime)
    scalars = [f.name for f in spec.scalars.values() if f.is_enum or f.python_type in kinds]
    return scalars + [r.name for r in spec.relations.values() if r.kind == "fk"]


def check_groupable(spec: ModelSpec) -> None:
    """The aggregate of a groupable model counts each condition under the condition's name, beside these."""
    if not spec.declaration.groupable:
        return
    for name in spec.declaration.conditions:
        if name in AGGREGATE_FIELDS:
            raise DeclarationError(
                f"{_entry(spec, 'conditions')} names {name!r}, a field {spec.plural}Aggregate and its groups "
                f"already have ({', '.join(AGGREGATE_FIELDS)}); choose another name."
            )


def _require(spec: ModelSpec, entry: str, name: str, accepted: list[str], kind: str) -> None:
    if name in accepted:
        return
    where = f"{_entry(spec, entry)} names {name!r}"
    if name in spec.scalars or name in spec.relations:
        raise DeclarationError(f"{where}, which is {_what(spec, name)}; {entry} takes {kind}.")
    field = spec.model._meta.fields_map.get(name)
    if isinstance(field, relational.RelationalField):
        target = field.related_model.__name__
        raise DeclarationError(
            f"{where}, a relation to {target}, which has no Simpul block: the platform does not generate it."
        )
    if field is not None:  # the column behind a foreign key (`regency_id`)
        raise DeclarationError(f"{where}, the column behind the relation {name[:-3]!r}; name the relation instead.")
    raise DeclarationError(f"{where}, which is not a field of {spec.name}{suggestion(name, accepted)}")


def _what(spec: ModelSpec, name: str) -> str:
    if name in spec.relations:
        return f"a relation of {spec.name} (to {spec.relations[name].target})"
    field = spec.scalars[name]
    kind = "text" if field.is_text else field.python_type.__name__
    return f"a field of {spec.name} of type {kind}"


# --- ORM paths --------------------------------------------------------------------------------


def check_regency_path(spec: ModelSpec) -> None:
    """``regency_path`` follows foreign keys and ends at a scalar field (``regency__code``, ``code``)."""
    path = spec.declaration.regency_path
    if path is None:
        return
    where = f"{_entry(spec, 'regency_path')} {path!r}"
    model = spec.model
    parts = path.split("__")
    for index, part in enumerate(parts):
        fields_map = model._meta.fields_map
        field = fields_map.get(part)
        if field is None:
            raise DeclarationError(
                f"{where} names {part!r}, which is not a field of {model.__name__}{suggestion(part, fields_map)}"
            )
        last = index == len(parts) - 1
        if isinstance(field, relational.ForeignKeyFieldInstance):
            if last:
                raise DeclarationError(
                    f"{where} ends at {part!r}, a relation of {model.__name__}; "
                    f"end it at a field of {field.related_model.__name__} (such as '{path}__code')."
                )
            model = field.related_model
        elif isinstance(field, relational.RelationalField):
            raise DeclarationError(
                f"{where} goes through {part!r}, which is not a foreign key of {model.__name__}; "
                "a regency path follows foreign keys only (one regency per row)."
            )
        elif not last:
            raise DeclarationError(
                f"{where} goes through {part!r}, a field of {model.__name__} that is not a foreign key; "
                "every step but the last must follow a foreign key."
            )


def check_published(spec: ModelSpec) -> None:
    """Every ``published`` key is a Tortoise filter key: fields (through relations) and one lookup."""
    for key in spec.declaration.published or {}:
        if not isinstance(key, str):
            raise DeclarationError(f"{_entry(spec, 'published')} has the key {key!r}; keys are ORM filter keys.")
        _check_filter_key(spec, key)


def _check_filter_key(spec: ModelSpec, key: str) -> None:
    where = f"{_entry(spec, 'published')} key {key!r}"
    model = spec.model
    parts = key.split("__")
    index = 0
    while index < len(parts):
        part = parts[index]
        meta = model._meta
        field = meta.fields_map.get(meta.pk_attr if part == "pk" else part)
        if field is None:
            raise DeclarationError(
                f"{where} names {part!r}, which is not a field of {model.__name__}"
                f"{suggestion(part, meta.fields_map)}"
            )
        rest = parts[index + 1:]
        if not rest:
            return
        if isinstance(field, relational.ForeignKeyFieldInstance):
            # Tortoise takes `regency=...` or a path into the related model, no lookup on the relation itself.
            model, index = field.related_model, index + 1
            continue
        lookups = _lookups(part, field)
        if len(rest) == 1 and rest[0] in lookups:
            return
        if isinstance(field, relational.RelationalField):
            model, index = field.related_model, index + 1
            continue
        raise DeclarationError(
            f"{where} uses {'__'.join(rest)!r} after the field {part!r}, which is not a Tortoise lookup "
            f"for it{suggestion(rest[0], lookups)}"
        )


def _lookups(name: str, field: Any) -> list[str]:
    """The lookups Tortoise accepts after this field (``not``, ``in``, ``gte``, ``icontains``...)."""
    keys = get_filters_for_field(name, field, getattr(field, "source_field", None) or name)
    return [key[len(name) + 2:] for key in keys if key.startswith(f"{name}__")]


# --- what must never leak ---------------------------------------------------------------------

#: How a caller who may not read a field could still learn its value through each entry.
_SIDE_CHANNELS = {
    "filterable": "by filtering (a count of 1 or 0)",
    "sortable": "by the order of the rows",
    "searchable": "through the search argument",
    "groupable": "through the counts per value",
}


def check_private_fields(spec: ModelSpec) -> None:
    """Personal and hidden fields are never filterable, sortable or searchable."""
    declaration = spec.declaration
    for private_entry, reads in (("personal", "the field itself reads null"), ("hidden", "the field is never shown")):
        private = set(getattr(declaration, private_entry))
        for entry, channel in _SIDE_CHANNELS.items():
            for name in getattr(declaration, entry):
                if name in private:
                    raise DeclarationError(
                        f"{_entry(spec, entry)} names {name!r}, which is {private_entry} "
                        f"({_entry(spec, private_entry)}): a caller could learn its value {channel} while "
                        f"{reads}. Take {name!r} out of {entry}."
                    )


# --- functions, operations and roles ----------------------------------------------------------


def check_callables(spec: ModelSpec) -> None:
    """``validator`` is an async function; ``conditions`` are GraphQL names → functions of no argument."""
    declaration = spec.declaration
    validator = declaration.validator
    if validator is not None and not _is_async(validator):
        got = f"the plain function {validator.__name__}" if inspect.isfunction(validator) else repr(validator)
        raise DeclarationError(
            f"{_entry(spec, 'validator')} is {got}; it must be an async function "
            "`async def check(row, relations)` (the write path awaits it)."
        )
    taken = {"id", *declaration.filterable, "and_", "or_", "not_"}
    for name, condition in declaration.conditions.items():
        where = f"{_entry(spec, 'conditions')} names {name!r}"
        if not isinstance(name, str) or not GRAPHQL_NAME.fullmatch(name) or name.startswith("__"):
            raise DeclarationError(
                f"{where}, which is not a valid GraphQL field name (letters, digits and _, not starting with a digit)."
            )
        if name in taken:
            raise DeclarationError(f"{where}, which is already an entry of {spec.name}Filter; choose another name.")
        if not _takes_no_arguments(condition):
            raise DeclarationError(
                f"{where} with {condition!r}; a condition is a function of no argument that returns a Q, "
                "such as `def overdue() -> Q`."
            )


def _is_async(function: Any) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(getattr(function, "__call__", None))


def _takes_no_arguments(function: Any) -> bool:
    if not callable(function):
        return False
    try:
        inspect.signature(function).bind()
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): trust it
        return True
    return True


def check_operations(spec: ModelSpec) -> None:
    for operation in spec.declaration.operations:
        if operation not in OPERATIONS:
            raise DeclarationError(
                f"{_entry(spec, 'operations')} names {operation!r}, which is not an operation "
                f"({', '.join(OPERATIONS)}){suggestion(operation, OPERATIONS)}"
            )


def check_grant_roles(spec: ModelSpec) -> None:
    """Role names as the policy store spells them; the actions are checked by ``permissions.defaults``."""
    for role in spec.declaration.grants:
        if not isinstance(role, str) or not ROLE_NAME.fullmatch(role):
            raise DeclarationError(
                f"{_entry(spec, 'grants')} names the role {role!r}, which is not a role name "
                "(lowercase letters, digits and _, starting with a letter, 2 to 63 characters)."
            )


# --- across the registry ----------------------------------------------------------------------


def check_plurals(registry: Registry) -> None:
    """Each plural is a GraphQL name that no other list query and no single query uses."""
    singulars = {spec.singular: spec.name for spec in registry}
    plurals: dict[str, str] = {}
    for spec in registry:
        plural = spec.plural
        where = f"{_entry(spec, 'plural')} {plural!r}"
        if not GRAPHQL_NAME.fullmatch(plural) or plural.startswith("__"):
            raise DeclarationError(
                f"{where} is not a valid GraphQL name (letters, digits and _, not starting with a digit or __)."
            )
        if plural in plurals:
            raise DeclarationError(
                f"{where} is already the plural of {plurals[plural]}: one of the two list queries would disappear."
            )
        if plural in singulars:
            raise DeclarationError(
                f"{where} is the name of the single query of {singulars[plural]} ({plural}(id: ...)): "
                "one of the two queries would disappear; choose another plural."
            )
        plurals[plural] = spec.name


def _entry(spec: ModelSpec, entry: str) -> str:
    return f"{spec.name}.Simpul.{entry}"
