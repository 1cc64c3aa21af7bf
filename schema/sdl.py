"""The committed SDL snapshot: ``python -m server.manage schema`` (``make schema``) rewrites it."""
from __future__ import annotations

from pathlib import Path

from models.registry import Registry
from schema.builder import build_schema

SNAPSHOT = Path(__file__).with_name("schema.graphql")


def sdl_of(registry: Registry) -> str:
    """The schema the registry generates, as SDL text ending in a newline."""
    return build_schema(registry).as_str() + "\n"


def write_snapshot(registry: Registry, path: Path = SNAPSHOT) -> None:
    path.write_text(sdl_of(registry), encoding="utf-8")
