"""Errors a caller may see. Each carries one of the contract's codes; anything else is internal.

A refusal may also carry a ``reason``: a stable upper-case code of the rule it broke
(``AGREEMENT_PKS_BEFORE_MOU``, ``UNIQUE_TAKEN``), and ``params``, the values that rule
was checked with. The message stays English for the API; a frontend (and the panel,
through its catalogue ``error|<REASON>``) writes its own text from the reason and the params.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An error whose message is safe and useful to show to the caller.

    ``reason`` and ``params`` go to ``extensions.reason`` and ``extensions.params``
    (dates as ISO text, enum members as their values); ``self.params`` keeps the
    values as given, so the panel can show a date its own way.
    """

    code = "INTERNAL_SERVER_ERROR"

    def __init__(
        self, message: str, *, reason: str | None = None, params: Mapping[str, Any] | None = None, **extensions: Any
    ):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.params: dict[str, Any] = dict(params or {})
        if reason is not None:
            extensions["reason"] = reason
        if self.params:
            # core.values imports this module: import its JSON rule when an error is made.
            from core.values import jsonable

            extensions["params"] = jsonable(self.params)
        self.extensions = extensions


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class NotFound(ApiError):
    code = "NOT_FOUND"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


def not_found(model_name: str, id_: object) -> NotFound:
    """The same message whether the row is absent or outside the caller's scope."""
    return NotFound(f"{model_name} with id {id_!r} does not exist.", reason="RECORD_NOT_FOUND", params={"model": model_name})
