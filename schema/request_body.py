"""One place that reads a GraphQL HTTP request body and refuses every malformed one cleanly.

Strawberry would answer many of these with a bare HTTP 500 page (a body of
``null``, invalid UTF-8, JSON nested 100,000 deep) or with plain text and no
``extensions.code``. Here every problem becomes the contract's GraphQL-shaped
error body, ``{"errors": [{"message": …, "extensions": {"code": "BAD_USER_INPUT"}}]}``,
with HTTP 400 (413 for a body over the size limit), before Strawberry sees the
request. The body is read once, with the limit enforced while reading, and
handed on unchanged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from core.settings import Settings

#: Keys a GraphQL-over-HTTP request may carry, and the JSON types each may have.
_FIELDS: dict[str, tuple[type, ...]] = {
    "query": (str,),
    "variables": (dict, type(None)),
    "operationName": (str, type(None)),
    "extensions": (dict, type(None)),
}


class RequestRefused(Exception):
    """A request the API will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status

    def response(self) -> JSONResponse:
        body = {"errors": [{"message": self.message, "extensions": {"code": "BAD_USER_INPUT"}}]}
        return JSONResponse(body, status_code=self.status)


@dataclass(frozen=True)
class GraphQLBody:
    raw: bytes
    operation_name_given: bool
    #: The decoded body (``query``, ``variables``, ``operationName``), checked.
    payload: dict


async def read_body(scope: dict, receive, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestRefused("The client went away before the request body arrived.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def check_graphql_body(scope: dict, raw: bytes, settings: Settings) -> GraphQLBody:
    """Refuse anything but one JSON object with a string ``query`` and well-typed optional keys."""
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise RequestRefused(
            f"Send the request as JSON with the header Content-Type: application/json (got {content_type or 'none'!r})."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused("The request body is not valid UTF-8.") from None
    if not text.strip():
        raise RequestRefused('The request body is empty; send {"query": "…"}.')
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(settings.max_json_depth) from None
    except ValueError as error:
        raise RequestRefused(f"The request body is not valid JSON ({_short(str(error))}).") from None
    if isinstance(data, list):
        raise RequestRefused("Batched requests are not supported: send one operation per request.")
    if not isinstance(data, dict):
        raise RequestRefused('The request body must be a JSON object such as {"query": "…", "variables": {…}}.')
    if "query" not in data:
        raise RequestRefused('The request has no "query".')
    for key, types in _FIELDS.items():
        if key in data and not isinstance(data[key], types):
            kinds = " or ".join("null" if t is type(None) else {str: "a string", dict: "an object"}[t] for t in types)
            raise RequestRefused(f'"{key}" must be {kinds}.')
    check_json_value(data, settings.max_json_depth)
    if _count_values(data.get("variables")) > settings.max_variable_values:
        raise RequestRefused(f"The variables hold more than {settings.max_variable_values:,} values.")
    return GraphQLBody(raw=raw, operation_name_given=bool(data.get("operationName")), payload=data)


def check_json_value(value: Any, max_depth: int) -> None:
    """Refuse values nested deeper than ``max_depth`` and text no database can store faithfully."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise _too_deep(max_depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
        elif isinstance(item, str):
            check_text(item)


def check_text(text: str) -> None:
    """NUL characters and lone UTF-16 surrogates (``"\\udfff"``) are refused: PostgreSQL cannot store
    the first and neither database the second, so both are refused everywhere alike."""
    if "\x00" in text:
        raise RequestRefused("Text may not contain NUL characters (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestRefused("Text may not contain unpaired UTF-16 surrogates (such as \\udfff).") from None


def _count_values(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _too_large(limit: int) -> RequestRefused:
    return RequestRefused(f"The request body is larger than {limit:,} bytes.", status=413)


def _too_deep(limit: int) -> RequestRefused:
    return RequestRefused(f"The request body is nested deeper than {limit} levels.")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None
