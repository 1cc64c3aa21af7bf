"""Small value rules every layer shares: what an id looks like, and how a value becomes JSON."""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.errors import BadUserInput

#: Largest primary key of an ``IntField`` (a 32-bit signed integer on every database).
MAX_ID = 2**31 - 1


def parse_id(raw: Any, *, model: str = "record", field: str = "id") -> int:
    """A primary key from an API or form value: canonical ASCII decimal digits, 1 … 2³¹-1.

    ``"０１"`` (full-width digits), ``"1_0"``, ``" 1"``, ``"+1"`` and ``"01"`` are refused:
    ``int()`` would accept them, and one row would then have many ids.
    """
    text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if text is None or not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise BadUserInput(
            f"{field} must be the id of a {model}, got {_shorten(raw)}.", field=field,
            reason="INVALID_ID", params={"model": model},
        )
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise BadUserInput(
            f"{field} {_shorten(raw)} is not a valid {model} id.", field=field,
            reason="INVALID_ID", params={"model": model},
        )
    return value


def parse_id_or_none(raw: Any) -> int | None:
    """The id, or None for anything that cannot be one (lookups treat it as "no such row")."""
    try:
        return parse_id(raw)
    except BadUserInput:
        return None


def jsonable(value: Any) -> Any:
    """``value`` as something ``json.dumps`` accepts without losing meaning (ISO dates, enum values, decimal strings)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def _shorten(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"
