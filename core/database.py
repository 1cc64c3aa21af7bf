"""Tortoise configuration: one app ("models") holding the declared models and the policy rules."""
from __future__ import annotations

import os
from collections.abc import Sequence

from tortoise import Tortoise

from core import sqlite_ddl
from core.settings import default_database_url

# Every process that migrates imports this module (the Tortoise CLI reads TORTOISE_ORM below).
sqlite_ddl.install()

MODEL_MODULES: tuple[str, ...] = ("models",)
# casbin-tortoise-adapter's CasbinRule model: policy rules live in our database.
POLICY_MODULE = "casbin_tortoise_adapter"


def tortoise_config(database_url: str, model_modules: Sequence[str] = MODEL_MODULES) -> dict:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": [*model_modules, POLICY_MODULE],
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by Tortoise's migration CLI: `tortoise -c core.database.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL") or default_database_url())


async def connect(database_url: str, model_modules: Sequence[str] = MODEL_MODULES) -> None:
    await Tortoise.init(config=tortoise_config(database_url, model_modules))


async def disconnect() -> None:
    await Tortoise.close_connections()
