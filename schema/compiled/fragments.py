"""SQL text with its bind parameters, built in the order they appear.

A parameter is a *source*: a callable that, given the request being answered
(:class:`Run`), returns the values to bind. A plan is compiled once and shared
by every request of its shape, so anything that differs per request (the
caller's regency codes, an ``id`` variable, a cursor's values, a declared
condition's clock) is a source, never text.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Source = Callable[["Run"], list]


@dataclass
class Run:
    """What one request brings to a plan: its variables, its caller's access, its decoded cursors."""

    variables: dict[str, Any]
    access: Any  # permissions.access.Access
    #: Decoded ``after`` cursors, by slot number (``Plan`` numbers them).
    cursors: dict[int, list[Any]] = field(default_factory=dict)
    #: (user id, session epoch, username) the statement checks for a signed-in caller.
    guard: tuple | None = None


class Sql:
    __slots__ = ("text", "sources")

    def __init__(self, text: str = "", sources: tuple[Source, ...] = ()):
        self.text = text
        self.sources = sources

    def __add__(self, other: "Sql | str") -> "Sql":
        if isinstance(other, str):
            return Sql(self.text + other, self.sources)
        return Sql(self.text + other.text, self.sources + other.sources)

    def __radd__(self, other: str) -> "Sql":
        return Sql(other + self.text, self.sources)

    def __repr__(self) -> str:
        return f"Sql({self.text!r}, {len(self.sources)} parameters)"


def param(source: Source) -> Sql:
    return Sql("?", (source,))


def constant(value: Any) -> Sql:
    converted = db_value(value)
    return param(lambda run: [converted])


def join(separator: str, parts: Iterable[Sql]) -> Sql:
    result = Sql()
    for n, part in enumerate(parts):
        result = (result + separator + part) if n else part
    return result


def all_of(parts: list[Sql | None]) -> Sql | None:
    """AND of the parts; ``None`` stands for "no condition" (as an empty Tortoise ``Q()``) and drops out."""
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else "(" + join(" AND ", kept) + ")"


def any_of(parts: list[Sql | None]) -> Sql | None:
    """OR of the parts; an empty condition drops out, as it does from a Tortoise ``Q(..., join_type=OR)``."""
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else "(" + join(" OR ", kept) + ")"


def negated(part: Sql | None) -> Sql | None:
    return None if part is None else "(NOT " + part + ")"


NOTHING = Sql("1=0")
EVERYTHING = Sql("1=1")


def db_value(value: Any) -> Any:
    """A filter or cursor value as Tortoise hands it to the driver (enum values; aware datetimes, UTC when naive)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value
