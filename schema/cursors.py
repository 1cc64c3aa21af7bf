"""Keyset cursors: a cursor holds the sort-key values of its row, signed by the server.

``after: <cursor>`` becomes a ``WHERE`` that continues strictly after that row
in the requested order, so a page neither repeats nor skips rows when others
are inserted or deleted meanwhile (complaints arrive all day), and page 500
costs what page 1 does. The ordering always ends with the primary key, so the
keys of a row are unique.

A cursor is bound to its model and ordering: reusing it with another
``orderBy`` is refused, as is any cursor the server did not sign.
"""
from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q

from core.errors import BadUserInput
from core.settings import get_settings
from models.registry import ModelSpec
from core.values import jsonable

_VERSION = "k1"
NOT_ISSUED = "`after` is not a cursor this API issued; use a cursor from `edges` or `pageInfo`."
OTHER_ORDER = "`after` belongs to another `orderBy` or list; keep the orderBy you paged with, or start again without `after`."


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool

    @classmethod
    def parse(cls, term: str) -> "SortKey":
        return cls(term.lstrip("-"), term.startswith("-"))


class Keyset:
    """Cursors for one model under one ordering (ORM terms such as ``["-created_at", "id"]``)."""

    def __init__(self, spec: ModelSpec, ordering: list[str]):
        self.spec = spec
        self.keys = [SortKey.parse(term) for term in ordering]
        self._scope = f"{spec.name}|{','.join(ordering)}"

    # --- issuing --------------------------------------------------------------------------------

    def cursor_of(self, row: Any) -> str:
        values = [jsonable(getattr(row, key.field)) for key in self.keys]
        payload = json.dumps([_VERSION, self._scope, values], separators=(",", ":"), ensure_ascii=False)
        token = f"{payload}\n{_signature(payload)}".encode()
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    # --- reading --------------------------------------------------------------------------------

    def values_of(self, cursor: str) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
            payload, signature = raw.rsplit("\n", 1)
            signed = hmac.compare_digest(signature, _signature(payload))
        except (ValueError, UnicodeDecodeError):
            signed = False
        if not signed:
            raise BadUserInput(NOT_ISSUED)
        version, scope, values = json.loads(payload)
        if version != _VERSION or scope != self._scope or len(values) != len(self.keys):
            raise BadUserInput(OTHER_ORDER)
        return [self._from_json(key, value) for key, value in zip(self.keys, values)]

    def after(self, cursor: str) -> Q:
        """Rows strictly after the cursor's row: (k1 beyond) OR (k1 = and k2 beyond) OR ..."""
        nulls_high = _nulls_sort_high(self.spec)
        alternatives: list[Q] = []
        equal_so_far: list[Q] = []
        for key, value in zip(self.keys, self.values_of(cursor)):
            beyond = _beyond(key, value, nulls_high)
            if beyond is not None:
                alternatives.append(Q(*equal_so_far, beyond) if equal_so_far else beyond)
            equal_so_far.append(Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value}))
        return Q(*alternatives, join_type=Q.OR) if alternatives else Q(pk__in=[])

    def _from_json(self, key: SortKey, value: Any) -> Any:
        if value is None:
            return None
        python_type = self.spec.scalars[key.field].python_type
        try:
            if issubclass(python_type, enum.Enum):
                return python_type(value)
            if python_type is dt.datetime:
                return dt.datetime.fromisoformat(value)
            if python_type is dt.date:
                return dt.date.fromisoformat(value)
            if python_type is Decimal:
                return Decimal(value)
        except (TypeError, ValueError):
            raise BadUserInput(NOT_ISSUED) from None
        return value


def _nulls_sort_high(spec: ModelSpec) -> bool:
    """Where the database puts NULL in an ascending order: PostgreSQL last (high), SQLite and MySQL first."""
    return spec.model._meta.db.capabilities.dialect == "postgres"


def _beyond(key: SortKey, value: Any, nulls_high: bool) -> Q | None:
    """Rows whose ``key`` lies strictly past ``value`` in the direction of travel; None when none can."""
    ascending = not key.descending
    # Travelling up an ascending order meets NULLs at the end when they sort high, and vice versa.
    nulls_ahead = nulls_high == ascending
    if value is None:
        return None if nulls_ahead else Q(**{f"{key.field}__isnull": False})
    past = Q(**{f"{key.field}__{'gt' if ascending else 'lt'}": value})
    return Q(past, Q(**{f"{key.field}__isnull": True}), join_type=Q.OR) if nulls_ahead else past


def _signature(payload: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:24]
