"""Connections: ``totalCount``, ``nodes``, ``edges`` and ``pageInfo`` with opaque, signed cursors.

A cursor is the position of a row in the ordered, filtered result, signed
with the server's secret so that a cursor the server did not issue is
refused instead of silently paging somewhere unexpected.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import strawberry

from core.errors import BadUserInput
from core.settings import get_settings

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PREFIX = "c1"


def _signature(position: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{_PREFIX}:{position}".encode(), hashlib.sha256).hexdigest()[:16]


def encode_cursor(position: int) -> str:
    raw = f"{_PREFIX}:{position}:{_signature(position)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, position, signature = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        value = int(position)
        valid = prefix == _PREFIX and value >= 0 and hmac.compare_digest(signature, _signature(value))
    except (ValueError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise BadUserInput("`after` is not a cursor this API issued; use a cursor from `edges` or `pageInfo`.")
    return value


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}; got {first}.")
    return first


@strawberry.type(description="Where a page sits in the whole result.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass
class Page:
    """One page of rows; the generated ``<Model>Connection`` types read it."""

    rows: list
    offset: int
    has_next: bool
    count: Any  # an awaitable factory for the total, run only when `totalCount` is asked for

    def cursor(self, index: int) -> str:
        return encode_cursor(self.offset + index)

    @property
    def page_info(self) -> PageInfo:
        return PageInfo(
            has_next_page=self.has_next,
            has_previous_page=self.offset > 0,
            start_cursor=self.cursor(0) if self.rows else None,
            end_cursor=self.cursor(len(self.rows) - 1) if self.rows else None,
        )


def build_connection(spec, ns) -> Any:
    node = spec.name
    edge = ns.make(
        f"{node}Edge",
        {"cursor": str, "node": node},
        description=f"One {spec.singular} in a page, with the cursor that points at it.",
    )

    async def total_count(root: strawberry.Parent[Page]) -> int:
        return await root.count()

    def nodes(root: strawberry.Parent[Page]) -> list[node]:  # type: ignore[valid-type]
        return root.rows

    def edges(root: strawberry.Parent[Page]) -> list[edge]:  # type: ignore[valid-type]
        return [edge(cursor=root.cursor(i), node=row) for i, row in enumerate(root.rows)]

    def page_info(root: strawberry.Parent[Page]) -> PageInfo:
        return root.page_info

    nodes.__annotations__["return"] = f"list[{node}]"
    edges.__annotations__["return"] = f"list[{node}Edge]"
    for fn in (total_count, nodes, edges, page_info):
        fn.__module__ = ns.module.__name__
    return ns.make(
        f"{node}Connection",
        {},
        {
            "total_count": strawberry.field(resolver=total_count, description="Rows matching the filter, over all pages."),
            "nodes": strawberry.field(resolver=nodes, description="The rows of this page."),
            "edges": strawberry.field(resolver=edges, description="The rows of this page with their cursors."),
            "page_info": strawberry.field(resolver=page_info),
        },
        description=f"A page of {spec.plural}.",
    )
