"""Build once, hand to everyone: the registry, the hooks, and what the database needs at every start."""
from __future__ import annotations

from collections.abc import Sequence

from core.database import MODEL_MODULES
from models.registry import Registry, registry_from_modules
from permissions.defaults import SyncResult, sync_default_policy
from server.migration_checks import unlisted_model_modules
from services.complaints import register_complaint_hooks


class AssemblyError(RuntimeError):
    """The code cannot be assembled into an app as it stands (a developer's mistake, named in the message)."""


def assemble(model_modules: Sequence[str] = MODEL_MODULES) -> Registry:
    """The one registry of these model modules, with the platform's save hooks registered.

    A declared model that its package does not import would get no table and no API
    without a word; that stops the start instead.
    """
    unlisted = unlisted_model_modules(model_modules)
    if unlisted:
        raise AssemblyError("\n".join(str(item) for item in unlisted))
    registry = registry_from_modules(model_modules)
    register_complaint_hooks()
    return registry


async def prepare_database(registry: Registry) -> SyncResult:
    """What every start does once the database is connected: sync the declared default grants."""
    return await sync_default_policy(registry)
