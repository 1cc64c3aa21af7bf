"""The model registry: every declared model, described once for every generated layer."""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.fields import relational
from tortoise.validators import MaxLengthValidator
from tortoise.models import Model

from models.checks import check_registry
from models.declaration import Declaration, read_declaration
from models.descriptions import field_description

RelationKind = Literal["fk", "m2m", "reverse_fk"]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


@dataclass(frozen=True)
class ScalarField:
    name: str
    python_type: type  # int, str, bool, float, Decimal, date, datetime or an Enum subclass
    nullable: bool
    has_default: bool
    max_length: int | None
    description: str | None
    unique: bool
    generated: bool  # primary keys and auto timestamps

    @property
    def graphql_name(self) -> str:
        return camel(self.name)

    @property
    def is_enum(self) -> bool:
        return isinstance(self.python_type, type) and issubclass(self.python_type, enum.Enum)

    @property
    def is_text(self) -> bool:
        return self.python_type is str


@dataclass(frozen=True)
class RelationField:
    name: str
    kind: RelationKind
    target: str  # model name
    nullable: bool
    description: str | None
    #: fk: the column on this model (`regency_id`); reverse_fk: the column on the target.
    column: str | None = None
    #: m2m: through table and its keys (this side, other side).
    through: str | None = None
    own_key: str | None = None
    other_key: str | None = None
    #: False for the generated far side of a many-to-many (``App.agreements``): it is set from the declaring side.
    writable: bool = True

    @property
    def graphql_name(self) -> str:
        return camel(self.name)

    @property
    def many(self) -> bool:
        return self.kind != "fk"

    @property
    def input_name(self) -> str:
        """Name of the field in create/update inputs: ``regency_id``, ``app_ids``."""
        if self.kind != "m2m":
            return f"{self.name}_id"
        stem = self.name[:-3] + "y" if self.name.endswith("ies") else self.name.removesuffix("s")
        return f"{stem}_ids"


@dataclass
class ModelSpec:
    model: type[Model]
    declaration: Declaration
    scalars: dict[str, ScalarField] = field(default_factory=dict)
    relations: dict[str, RelationField] = field(default_factory=dict)
    #: The registry this spec belongs to, for following relations to their specs.
    registry: "Registry | None" = field(default=None, repr=False, compare=False)

    def related(self, relation: str) -> "ModelSpec":
        return self.registry[self.relations[relation].target]

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def plural(self) -> str:
        return self.declaration.plural

    @property
    def singular(self) -> str:
        return lower_first(self.name)

    @property
    def description(self) -> str | None:
        doc = self.model.__doc__
        return " ".join(doc.split()) if doc else None

    @property
    def pk(self) -> str:
        return self.model._meta.pk_attr

    def search_filter(self, text: str) -> Q:
        """Rows whose declared ``searchable`` fields contain ``text`` (case-insensitive), as one Q."""
        return Q(*[Q(**{f"{name}__icontains": text}) for name in self.declaration.searchable], join_type=Q.OR)

    def condition_filter(self, name: str, wanted: bool) -> Q:
        """A declared yes/no condition (``Simpul.conditions``): its Q, or its negation for ``False``."""
        condition = self.declaration.conditions[name]()
        return condition if wanted else ~condition

    def field(self, name: str) -> ScalarField | RelationField:
        return self.scalars.get(name) or self.relations[name]

    def visible_scalars(self) -> list[ScalarField]:
        return [f for f in self.scalars.values() if f.name not in self.declaration.hidden]

    def writable_scalars(self) -> list[ScalarField]:
        skip = set(self.declaration.readonly) | set(self.declaration.hidden)
        return [f for f in self.visible_scalars() if not f.generated and f.name not in skip]

    def writable_relations(self) -> list[RelationField]:
        skip = set(self.declaration.readonly) | set(self.declaration.hidden)
        return [
            r for r in self.relations.values()
            if r.kind in ("fk", "m2m") and r.writable and r.name not in skip
        ]


class Registry:
    """Declared models by name, in declaration order."""

    def __init__(self, specs: Iterable[ModelSpec]):
        self._specs = {spec.name: spec for spec in specs}
        for spec in self._specs.values():
            spec.registry = self

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def __getitem__(self, name: str) -> ModelSpec:
        return self._specs[name]

    def for_model(self, model: type[Model]) -> ModelSpec:
        return self._specs[model.__name__]

    def names(self) -> list[str]:
        return list(self._specs)


def max_length_of(f) -> int | None:
    """The longest text a field takes: a CharField's ``max_length``, or a TextField's ``MaxLengthValidator``
    (the database does not bound a TextField; the declaration does, for every write path alike)."""
    length = getattr(f, "max_length", None)
    if length is not None:
        return length
    limits = [v.max_length for v in getattr(f, "validators", []) if isinstance(v, MaxLengthValidator)]
    return min(limits) if limits else None


def _python_type(f) -> type:
    enum_type = getattr(f, "enum_type", None)
    if enum_type is not None:
        return enum_type
    return f.field_type


def _describe(model: type[Model], declared: set[str]) -> ModelSpec:
    meta = model._meta
    spec = ModelSpec(model=model, declaration=read_declaration(model))
    for name, f in meta.fields_map.items():
        if isinstance(f, relational.ForeignKeyFieldInstance):
            target = f.related_model.__name__
            if target in declared:
                spec.relations[name] = RelationField(
                    name=name, kind="fk", target=target, nullable=f.null,
                    description=field_description(model, f), column=f.source_field,
                )
        elif isinstance(f, relational.ManyToManyFieldInstance):
            target = f.related_model.__name__
            if target in declared:
                # Tortoise names the keys from the through table's point of view:
                # backward_key points at this model, forward_key at the other one.
                spec.relations[name] = RelationField(
                    name=name, kind="m2m", target=target, nullable=False,
                    description=field_description(model, f), through=f.through,
                    own_key=f.backward_key, other_key=f.forward_key,
                    writable=not f._generated,
                )
        elif isinstance(f, relational.BackwardFKRelation):
            target = f.related_model.__name__
            if target in declared:
                spec.relations[name] = RelationField(
                    name=name, kind="reverse_fk", target=target, nullable=False,
                    description=field_description(model, f), column=f.relation_field,
                )
        elif name in meta.fk_fields or name in meta.m2m_fields:
            continue
        elif name.endswith("_id") and name[:-3] in meta.fk_fields:
            continue  # the raw column behind a foreign key
        else:
            spec.scalars[name] = ScalarField(
                name=name,
                python_type=_python_type(f),
                nullable=f.null,
                has_default=f.default is not None,
                max_length=max_length_of(f),
                description=field_description(model, f),
                unique=f.unique,
                generated=f.pk or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False),
            )
    return spec


def _defined_in(model: type[Model], modules: Sequence[str]) -> bool:
    return any(model.__module__ == m or model.__module__.startswith(m + ".") for m in modules)


def build_registry(models: Iterable[type[Model]], modules: Sequence[str] | None = None) -> Registry:
    """Describe the declared models (only those defined under ``modules`` when given)."""
    declared_models = [
        m for m in models
        if read_declaration(m) is not None and (modules is None or _defined_in(m, modules))
    ]
    names = {m.__name__ for m in declared_models}
    registry = Registry(_describe(m, names) for m in declared_models)
    check_registry(registry)  # a wrong declaration stops the start here, with one clear message
    return registry


def registry_from_modules(modules: Sequence[str]) -> Registry:
    """Resolve the models' relations (no database needed) and describe the declared ones."""
    from core.database import POLICY_MODULE

    if not Tortoise.apps or not all(
        any(_defined_in(m, [module]) for m in Tortoise.apps.get_models_iterable()) for module in modules
    ):
        Tortoise.init_models([*modules, POLICY_MODULE], "models")
    return build_registry(Tortoise.apps.get_models_iterable(), modules)


__all__ = ["ModelSpec", "Registry", "RelationField", "ScalarField", "build_registry", "registry_from_modules", "camel", "dt"]
