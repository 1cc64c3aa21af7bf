"""Errors a caller may see. Each carries one of the contract's codes; anything else is internal."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error whose message is safe and useful to show to the caller."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any):
        super().__init__(message)
        self.message = message
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
    return NotFound(f"{model_name} with id {id_!r} does not exist.")
