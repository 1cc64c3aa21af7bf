"""Keyset cursors: a cursor holds the sort-key values of its row, signed by the server.

``after: <cursor>`` becomes a ``WHERE`` that continues strictly after that row
in the requested order, so a page neither repeats nor skips rows when others
are inserted or deleted meanwhile (complaints arrive all day), and page 500
costs what page 1 does. The ordering always ends with the primary key, so the
keys of a row are unique.

A text key is compared as the order sorts it, without regard to case: the
cursor keeps the row's own value and the ``WHERE`` compares
``LOWER(column)`` with ``LOWER(value)``, both lowered by the database, so
the comparison and the ``ORDER BY`` can never disagree (SQLite lowers only
ASCII letters, PostgreSQL every letter). NULLs come last in either direction,
on either engine, as the order puts them.

A cursor is bound to its model and ordering: reusing it with another
``orderBy`` is refused, as is any cursor the server did not sign. A top-level
list and a nested list of one model in one order share their cursors.
"""
from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from pypika_tortoise.functions import Lower
from pypika_tortoise.terms import ValueWrapper
from tortoise.expressions import Q

from core.errors import BadUserInput
from core.settings import get_settings
from core.values import jsonable
from models.ordering import Ordering, SortKey
from models.registry import ModelSpec

_VERSION = "k1"
NOT_ISSUED = "`after` is not a cursor this API issued; use a cursor from `edges` or `pageInfo`."
OTHER_ORDER = "`after` belongs to another `orderBy` or list; keep the orderBy you paged with, or start again without `after`."


class Keyset:
    """Cursors for one model under one ordering (``models.ordering``: ``-created_at, id``).

    The query that :meth:`after` filters must carry the ordering's annotations
    (``Ordering.annotate`` or ``Ordering.apply``): a text key is compared through them.
    """

    def __init__(self, spec: ModelSpec, ordering: Ordering):
        self.spec = spec
        self.keys = list(ordering.keys)
        self._scope = f"{spec.name}|{ordering}"

    # --- issuing --------------------------------------------------------------------------------

    def cursor_of(self, row: Any) -> str:
        return self.cursor_of_values([jsonable(getattr(row, key.field)) for key in self.keys])

    def cursor_of_values(self, values: list[Any]) -> str:
        """The cursor of a row whose sort keys (as ``jsonable`` gives them) are ``values``."""
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
        alternatives: list[Q] = []
        equal_so_far: list[Q] = []
        for key, value in zip(self.keys, self.values_of(cursor)):
            beyond = _beyond(key, value)
            if beyond is not None:
                alternatives.append(Q(*equal_so_far, beyond) if equal_so_far else beyond)
            equal_so_far.append(_equal(key, value))
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


def _beyond(key: SortKey, value: Any) -> Q | None:
    """Rows whose ``key`` lies strictly past ``value`` in the direction of travel; None when none can.

    NULLs come last in either direction (``models.ordering``): past a value lie
    the further values and every NULL; past a NULL lies no other value.
    """
    if value is None:
        return None
    past = Q(**{f"{key.column}__{'lt' if key.descending else 'gt'}": _compared(key, value)})
    return Q(past, Q(**{f"{key.column}__isnull": True}), join_type=Q.OR) if key.nullable else past


def _equal(key: SortKey, value: Any) -> Q:
    """Rows whose ``key`` ties with ``value`` (for text: equal but for case)."""
    if value is None:
        return Q(**{f"{key.column}__isnull": True})
    return Q(**{key.column: _compared(key, value)})


def _compared(key: SortKey, value: Any) -> Any:
    """The value as the query compares it: lowered by the database for a text key, as is otherwise."""
    return Lower(ValueWrapper(value)) if key.lowered else value


def _signature(payload: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:24]
