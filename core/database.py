"""Tortoise configuration: one app ("models") holding the declared models and the policy rules."""
from __future__ import annotations

import os
from collections.abc import Sequence

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from core import sqlite_ddl
from core.settings import database_options, default_database_url

# Every process that migrates imports this module (the Tortoise CLI reads TORTOISE_ORM below).
sqlite_ddl.install()

MODEL_MODULES: tuple[str, ...] = ("models",)
#: Seconds to wait for a new PostgreSQL connection before the request fails.
CONNECT_TIMEOUT_SECONDS = 5
# casbin-tortoise-adapter's CasbinRule model: policy rules live in our database.
POLICY_MODULE = "casbin_tortoise_adapter"


def connection_config(database_url: str) -> dict:
    """The URL as Tortoise's connection dict, with our timeouts: a stuck statement or lock fails fast."""
    options = database_options()
    config = expand_db_url(database_url)
    credentials = config["credentials"]
    if config["engine"] == "tortoise.backends.sqlite":
        # WAL is Tortoise's default; the busy timeout lets concurrent writers queue instead of failing at once.
        credentials.setdefault("busy_timeout", options.sqlite_busy_timeout_ms)
    else:
        server_settings = dict(credentials.get("server_settings") or {})
        server_settings.setdefault("statement_timeout", str(options.statement_timeout_ms))
        # Statements are prepared once per connection (asyncpg's statement cache) and run with a generic plan:
        # PostgreSQL's default re-plans a statement with parameters for every run when its estimate favours
        # that, which costs a compiled read (schema/compiled/) more planning than executing. Page sizes are
        # written into the SQL, so generic plans still see their LIMIT.
        server_settings.setdefault("plan_cache_mode", "force_generic_plan")
        credentials["server_settings"] = server_settings
        # asyncpg waits 60 s for a connection by default: a database host that drops packets
        # (instead of refusing) would hold every request that long.
        credentials.setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
    if config["engine"] == "tortoise.backends.asyncpg":
        credentials.setdefault("reset", keep_session_on_release)
    return config


async def keep_session_on_release(connection) -> None:
    """asyncpg's pool ``reset``: nothing beyond what asyncpg always does on release.

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
    every time a connection goes back to the pool: a round trip after every statement Tortoise
    runs outside a transaction. We leave no such session state on a pooled connection: no
    LISTEN (subscriptions go through the shared cache, services/broadcast.py), no session-level
    advisory lock (permissions/management.py takes ``pg_advisory_xact_lock``, released at commit),
    no ``SET`` (``statement_timeout`` is a startup setting, ``server_settings`` above), no cursor
    outside a transaction. asyncpg still rolls back a transaction left open and drops listeners
    (``Connection._reset``) before calling this.
    """


def tortoise_config(database_url: str, model_modules: Sequence[str] = MODEL_MODULES) -> dict:
    return {
        "connections": {"default": connection_config(database_url)},
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
