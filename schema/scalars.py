"""GraphQL types for the Python types the models use."""
from __future__ import annotations

import datetime as dt
import decimal
import enum
from functools import cache
from typing import Any

import strawberry
from strawberry.scalars import JSON

from models.descriptions import enum_description, enum_member_descriptions

PYTHON_TO_GRAPHQL: dict[type, Any] = {
    str: str,
    int: int,
    bool: bool,
    float: float,
    decimal.Decimal: decimal.Decimal,
    dt.date: dt.date,
    dt.datetime: dt.datetime,
    dict: JSON,
    list: JSON,
}


@cache
def graphql_enum(enum_class: type[enum.Enum]):
    """The GraphQL enum for a model enum; one per Python enum, shared by every schema built.

    The class docstring describes the enum, a ``#:`` comment above a member describes that value.
    """
    made = strawberry.enum(enum_class, description=enum_description(enum_class))
    members = enum_member_descriptions(enum_class)
    for value in made.__strawberry_definition__.values:
        value.description = members.get(value.name)
    return made


def graphql_type(python_type: type) -> Any:
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return graphql_enum(python_type)
    try:
        return PYTHON_TO_GRAPHQL[python_type]
    except KeyError:
        raise TypeError(f"No GraphQL type for Python type {python_type!r}; add one to schema/scalars.py") from None


def operator_family(python_type: type) -> str:
    """Name stem of the filter-operator input for a type: String, Int, Date, <Enum>, ..."""
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return python_type.__name__
    return {
        str: "String",
        int: "Int",
        bool: "Boolean",
        float: "Float",
        decimal.Decimal: "Decimal",
        dt.date: "Date",
        dt.datetime: "DateTime",
    }[python_type]
