"""Checks that keep a generated migration honest; ``makemigrations`` runs them itself.

Two mistakes Tortoise's ``makemigrations`` does not catch:

- a model module with a ``Simpul`` block that ``models/__init__.py`` does not import: Tortoise
  never sees the model and says "No changes detected" (:func:`unlisted_model_modules`);
- a renamed field whose options changed too (its ``#:`` comment, ``max_length`` ...): Tortoise
  recognises a rename only when everything else is identical, and otherwise writes
  RemoveField + AddField, which drops the column with its data (:func:`likely_renames`).

``python -m server.manage check-migrations`` runs both over every migration file.
"""
from __future__ import annotations

import ast
import asyncio
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tortoise.migrations.graph import MigrationKey
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.migration import Migration
from tortoise.migrations.operations import AddField, RemoveField
from tortoise.migrations.recorder import MigrationRecorder
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps
from tortoise.migrations.writer import migrations_module_path
from tortoise.models import Model

from core.database import MODEL_MODULES, TORTOISE_ORM

# Written into a migration by its author when a dropped column really is dropped.
NOT_A_RENAME = re.compile(r"#\s*not a rename:\s*(\w+)\.(\w+)")


def _relative(path: str | Path) -> str:
    return os.path.relpath(path)


# --- models that Tortoise does not see ------------------------------------------------------


@dataclass(frozen=True)
class UnlistedModels:
    """Declared models of one module that the package's ``__init__`` does not export."""

    package: ModuleType
    module: ModuleType
    names: tuple[str, ...]

    @property
    def import_line(self) -> str:
        return f"from {self.module.__name__} import {', '.join(self.names)}"

    def __str__(self) -> str:
        init = _relative(self.package.__file__ or self.package.__name__)
        return (
            f"{_relative(self.module.__file__ or self.module.__name__)} declares {', '.join(self.names)} "
            f"(a model with a Simpul block), but {init} does not import it, so Tortoise sees no such "
            f"model: no table, no migration, no API. Add this line to {init} "
            f"(and the name to __all__):\n    {self.import_line}"
        )


def _exported_models(package: ModuleType) -> set[type]:
    # What Tortoise discovers in a models module: __models__ if set, else every attribute.
    exported = getattr(package, "__models__", None) or [getattr(package, name) for name in dir(package)]
    return {item for item in exported if isinstance(item, type)}


def _declared_models(module: ModuleType) -> list[type[Model]]:
    return [
        item
        for item in vars(module).values()
        if isinstance(item, type)
        and issubclass(item, Model)
        and item.__module__ == module.__name__
        and "Simpul" in vars(item)
        and not item._meta.abstract
    ]


def unlisted_model_modules(packages: Sequence[str] = MODEL_MODULES) -> list[UnlistedModels]:
    """Modules under the model packages that declare a model their package does not export.

    Cheap enough for app start: it imports the package's modules, nothing else.
    """
    unlisted: list[UnlistedModels] = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        if not hasattr(package, "__path__"):
            continue  # a plain module lists its models itself
        exported = _exported_models(package)
        for info in sorted(pkgutil.walk_packages(package.__path__, f"{package_name}."), key=lambda i: i.name):
            module = importlib.import_module(info.name)
            missing = tuple(model.__name__ for model in _declared_models(module) if model not in exported)
            if missing:
                unlisted.append(UnlistedModels(package, module, missing))
    return unlisted


# --- renames written as a dropped and an added column ---------------------------------------


@dataclass(frozen=True)
class LikelyRename:
    """A migration that drops a field and adds one of the same type to the same model."""

    path: Path
    model: str
    removed: str
    added: tuple[str, ...]
    field_type: str
    added_source: Mapping[str, str]  # added field name -> its `field=...` text in the migration

    def __str__(self) -> str:
        new = self.added[0] if len(self.added) == 1 else "<new name>"
        gains = " or ".join(f"`{name}`" for name in self.added)
        field = self.added_source.get(new, "fields.<the AddField's field>")
        return (
            f"{_relative(self.path)}: {self.model} loses `{self.removed}` and gains {gains}, both "
            f"{self.field_type}. Tortoise writes a renamed field whose options changed as RemoveField "
            f"+ AddField, which drops the column and its data.\n"
            f"If it is a rename, replace that RemoveField and AddField in the migration with:\n\n"
            f"        ops.RenameField(\n"
            f"            model_name='{self.model}',\n"
            f"            old_name='{self.removed}',\n"
            f"            new_name='{new}',\n"
            f"        ),\n"
            f"        ops.AlterField(\n"
            f"            model_name='{self.model}',\n"
            f"            name='{new}',\n"
            f"            field={field},\n"
            f"        ),\n\n"
            f"(the AlterField carries the new options; `python -m server.manage makemigrations` "
            f"should then say \"No changes detected\").\n"
            f"If the column really goes, keep the migration and add the line\n"
            f"    # not a rename: {self.model}.{self.removed}"
        )


class _NothingApplied(MigrationRecorder):
    """The loader asks which migrations ran; the files alone are checked here."""

    def __init__(self) -> None:
        super().__init__(connection=None)

    async def applied_migrations(self) -> list[MigrationKey]:
        return []


def _migrations_apps(apps_config: Mapping[str, Mapping]) -> dict[str, dict]:
    return {label: dict(app) for label, app in apps_config.items() if isinstance(app.get("migrations"), str)}


def migration_files(apps_config: Mapping[str, Mapping] = TORTOISE_ORM["apps"]) -> set[Path]:
    """The migration files on disk, as the loader finds them."""
    files: set[Path] = set()
    for app in _migrations_apps(apps_config).values():
        folder = migrations_module_path(app["migrations"])
        files.update(path.resolve() for path in folder.glob("*.py") if path.name[0] not in "_~")
    return files


async def _ordered_migrations(apps_config: Mapping[str, Mapping]) -> list[Migration]:
    importlib.invalidate_caches()  # makemigrations may have just written a file
    loader = MigrationLoader(_migrations_apps(apps_config), _NothingApplied())
    await loader.build_graph()
    ordered: dict[MigrationKey, Migration] = {}
    for leaf in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(leaf):
            migration = loader.graph.nodes[key]
            if isinstance(migration, Migration):
                ordered.setdefault(key, migration)
    return list(ordered.values())


def _field_sources(path: Path) -> dict[tuple[str, str], str]:
    """``(model, field) -> source of field=...`` for each AddField in a migration file."""
    sources: dict[tuple[str, str], str] = {}
    text = path.read_text()
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "AddField"):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        model, name, field = keywords.get("model_name"), keywords.get("name"), keywords.get("field")
        if isinstance(model, ast.Constant) and isinstance(name, ast.Constant) and field is not None:
            sources[(model.value, name.value)] = ast.get_source_segment(text, field) or ""
    return sources


def _renames_in(migration: Migration, state: State, path: Path) -> list[LikelyRename]:
    """Apply ``migration`` to ``state``, noting each field it drops and each it adds."""
    removed: list[tuple[str, str, str]] = []
    added: list[tuple[str, str, str]] = []
    for operation in migration.operations:
        if isinstance(operation, RemoveField):
            model_state = state.models.get((migration.app_label, operation.model_name))
            field = model_state.fields.get(operation.name) if model_state else None
            if field is not None:
                removed.append((operation.model_name, operation.name, type(field).__name__))
        elif isinstance(operation, AddField):
            added.append((operation.model_name, operation.name, type(operation.field).__name__))
        operation.state_forward(migration.app_label, state)
    if not (removed and added):
        return []
    acknowledged = set(NOT_A_RENAME.findall(path.read_text()))
    sources = _field_sources(path)
    found = []
    for model, name, kind in removed:
        # A field dropped and re-added under the same name is Tortoise recreating a generated column.
        candidates = tuple(new for m, new, k in added if m == model and k == kind and new != name)
        if candidates and (model, name) not in acknowledged:
            found.append(
                LikelyRename(
                    path, model, name, candidates, kind,
                    {new: sources.get((model, new), "") for new in candidates if sources.get((model, new))},
                )
            )
    return found


async def likely_renames(
    only: Collection[Path] | None = None, apps_config: Mapping[str, Mapping] = TORTOISE_ORM["apps"]
) -> list[LikelyRename]:
    """Field drops that look like renames, in every migration file or in those of ``only``.

    The earlier migrations are replayed to know the type of the dropped field.
    """
    wanted = None if only is None else {Path(path).resolve() for path in only}
    state = State(models={}, apps=StateApps())
    found: list[LikelyRename] = []
    for migration in await _ordered_migrations(apps_config):
        module_name = f"{apps_config[migration.app_label]['migrations']}.{migration.name}"
        path = Path(sys.modules[module_name].__file__ or module_name).resolve()
        renames = _renames_in(migration, state, path)
        if wanted is None or path in wanted:
            found.extend(renames)
    return found


def migration_problems(only: Collection[Path] | None = None) -> list[str]:
    """Both checks, as messages for the developer (empty: all is well)."""
    return [str(problem) for problem in [*unlisted_model_modules(), *asyncio.run(likely_renames(only))]]
