"""Connections: ``totalCount``, ``nodes``, ``edges`` and ``pageInfo`` with opaque, signed cursors.

The cursors are keyset cursors (schema/cursors.py): each names its row by its
sort-key values, so paging continues after that row however the table changed.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import strawberry

from core.errors import BadUserInput
from models.descriptions import noun, readable

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

#: Descriptions of the paging arguments of a list.
FIRST_ARGUMENT = f"How many rows to return: 1 to {MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}."
AFTER_ARGUMENT = "Return the rows after this cursor: the `endCursor` (or an edge's `cursor`) of a previous page."
#: ``after`` of a nested list (``{plural}``: the list query of its model); a nested list issues no cursors itself.
NESTED_AFTER_ARGUMENT = (
    "Return, for each parent, the items that sort after this cursor: a cursor of a row of this list "
    "in the same `orderBy`, as `{plural}` issues it (an edge's `cursor` or `pageInfo.endCursor`)."
)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}; got {first}.")
    return first


@strawberry.type(description="Where a page sits in the whole result.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more rows follow this page.")
    has_previous_page: bool = strawberry.field(description="True when this page starts after a cursor.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first row of this page; null when it is empty.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last row of this page (give it as `after` for the next page); null when it is empty."
    )


@dataclass
class Page:
    """One page of rows; the generated ``<Model>Connection`` types read it.

    Nothing is read until a field needs it: ``{ totalCount }`` alone runs only
    the count, ``nodes``/``edges``/``pageInfo`` share one read of the page.
    """

    #: Reads up to ``limit + 1`` rows (the extra row tells whether more follow).
    fetch: Callable[[], Awaitable[list]]
    limit: int
    #: Reads the total; run only when ``totalCount`` is asked for.
    count: Callable[[], Awaitable[int]]
    #: The cursor naming one row of this page.
    cursor: Callable[[Any], str]
    #: True when the page starts after a cursor (rows before it existed when that cursor was issued).
    after_cursor: bool = False
    _fetched: "asyncio.Future[list] | None" = field(default=None, repr=False)

    async def _read(self) -> list:
        if self._fetched is None:
            # One future shared by every field of this connection, however many ask at once.
            self._fetched = asyncio.ensure_future(self.fetch())
        return await self._fetched

    async def rows(self) -> list:
        return (await self._read())[: self.limit]

    async def has_next(self) -> bool:
        return len(await self._read()) > self.limit

    async def page_info(self) -> PageInfo:
        rows = await self.rows()
        return PageInfo(
            has_next_page=await self.has_next(),
            has_previous_page=self.after_cursor,
            start_cursor=self.cursor(rows[0]) if rows else None,
            end_cursor=self.cursor(rows[-1]) if rows else None,
        )


def build_connection(spec, ns) -> Any:
    node = spec.name
    edge = ns.make(
        f"{node}Edge",
        {"cursor": str, "node": node},
        {
            "cursor": strawberry.field(description="Opaque cursor of this row: give it as `after` to continue after it."),
            "node": strawberry.field(description=f"The {noun(spec.name)}."),
        },
        description=f"One {noun(spec.name)} in a page, with the cursor that points at it.",
    )

    async def total_count(root: strawberry.Parent[Page]) -> int:
        return await root.count()

    async def nodes(root: strawberry.Parent[Page]) -> list[node]:  # type: ignore[valid-type]
        return await root.rows()

    async def edges(root: strawberry.Parent[Page]) -> list[edge]:  # type: ignore[valid-type]
        return [edge(cursor=root.cursor(row), node=row) for row in await root.rows()]

    async def page_info(root: strawberry.Parent[Page]) -> PageInfo:
        return await root.page_info()

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
            "page_info": strawberry.field(resolver=page_info, description="Whether more rows follow, and the cursors at both ends of this page."),
        },
        description=f"A page of {readable(spec.plural)}.",
    )
