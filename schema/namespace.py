"""A fresh module per built schema, holding its generated classes.

Generated types refer to each other by name (``"AgreementFilter"`` inside
``AgreementFilter`` itself); Strawberry resolves such names in the class's
module. Each schema gets its own module so that two schemas built from two
registries (the product's and a test's) never see each other's classes.
"""
from __future__ import annotations

import itertools
import sys
import types
from typing import Any

import strawberry

_counter = itertools.count(1)


class Namespace:
    def __init__(self) -> None:
        self.module = types.ModuleType(f"schema._generated_{next(_counter)}")
        sys.modules[self.module.__name__] = self.module

    def add(self, name: str, cls: Any) -> Any:
        setattr(self.module, name, cls)
        return cls

    def get(self, name: str) -> Any:
        return getattr(self.module, name)

    def make(self, name: str, annotations: dict[str, Any], attributes: dict[str, Any] | None = None,
             *, kind=strawberry.type, description: str | None = None) -> Any:
        """Create, decorate and register a Strawberry class."""
        body = {"__annotations__": annotations, "__module__": self.module.__name__, **(attributes or {})}
        cls = type(name, (), body)
        return self.add(name, kind(cls, description=description))
