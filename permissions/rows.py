"""Which rows a caller reaches: every read (API list, count, single, nested relation, panel page) starts here.

``rows`` raises when the caller may not ``action`` the model at all; ``visible``
answers None instead (nested relations never raise, they come back empty);
``get_row`` finds one row without revealing whether it exists outside the
caller's scope. The row filter itself is SQL (``permissions.scope``), so counts
and pages are right.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.values import parse_id_or_none

if TYPE_CHECKING:
    from models.registry import ModelSpec
    from permissions.access import Access


def rows(spec: "ModelSpec", access: "Access", action: str = "read") -> QuerySet:
    """Rows of ``spec`` the caller may ``action``; raises Unauthenticated/Forbidden when not allowed at all."""
    access.require(spec.name, action)
    return _filtered(spec, access, action)


def visible(spec: "ModelSpec", access: "Access", action: str = "read") -> QuerySet | None:
    """Like :func:`rows`, but None instead of an error: for nested relations, which never raise."""
    if not access.decide(spec.name, action).allowed:
        return None
    return _filtered(spec, access, action)


async def get_row(spec: "ModelSpec", access: "Access", id_: Any, action: str = "read") -> Model | None:
    """The row, or None when absent, out of the caller's scope or not an id at all (existence is never revealed).

    Raises Unauthenticated/Forbidden only when the caller may not ``action`` the model at all.
    """
    queryset = rows(spec, access, action)
    pk = parse_id_or_none(id_)
    return None if pk is None else await queryset.filter(pk=pk).first()


async def in_scope(spec: "ModelSpec", access: "Access", action: str, pk: int) -> bool:
    """Is the row ``pk`` inside the caller's scope for ``action``? (after a write moved it, say)"""
    row_filter = access.row_filter(spec, action)
    if row_filter is None:
        return True
    return await spec.model.filter(row_filter).filter(pk=pk).exists()


def _filtered(spec: "ModelSpec", access: "Access", action: str) -> QuerySet:
    queryset = spec.model.all()
    row_filter = access.row_filter(spec, action)
    return queryset if row_filter is None else queryset.filter(row_filter)
