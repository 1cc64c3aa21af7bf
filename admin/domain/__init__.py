"""Hand-written panel pages that are not generic CRUD, like the API's schema/domain/.

- ``complaints``: the complaint workflow on the complaint page (status buttons, history).
- ``accounts``: users (Kominfo admins).
- ``policies``: policy rules and role assignments (Kominfo admins).
- ``audit``: the audit log (Kominfo admins).

A domain module may add a :class:`DetailExtension` to a generated detail page: a
block under the form, and fields the generic form shows but never writes (the
workflow owns them).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class DetailExtension:
    model: str
    #: Fields shown read-only on the generated form because this extension changes them.
    locked_fields: frozenset[str]
    #: (panel, spec, row) → HTML shown under the form.
    render: Callable[..., Awaitable[Markup]]


EXTENSIONS: dict[str, DetailExtension] = {}


def register_extension(extension: DetailExtension) -> None:
    EXTENSIONS[extension.model] = extension


def extension_for(model_name: str) -> DetailExtension | None:
    return EXTENSIONS.get(model_name)
