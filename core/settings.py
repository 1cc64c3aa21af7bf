"""Typed settings read once from the environment; they fail fast on a missing secret."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable deployment."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    redis_url: str | None
    secret_key: str
    host: str
    port: int
    #: Worker processes serving the app (uvicorn --workers); more than one needs PostgreSQL.
    workers: int = 1
    token_ttl_seconds: int = 8 * 3600
    login_attempts: int = 5
    login_window_seconds: int = 15 * 60
    submit_rate: str = "10/minute"
    #: Tracking look-ups (trackComplaint, complaintUpdated with a code) per client: enough for a
    #: citizen, far too few to find codes by guessing.
    track_rate: str = "30/minute"
    max_query_depth: int = 10
    #: Worst-case rows one query may ask for (schema/cost.py); GitHub allows 500,000 nodes.
    max_query_rows: int = 100_000
    public_holidays: tuple[str, ...] = field(default_factory=tuple)
    # --- request limits: each refused before any parsing or SQL (README, "Limits and security")
    #: Bytes of one HTTP request body (HTTP 413 beyond).
    max_body_bytes: int = 1_000_000
    #: Nesting of the JSON body, variables included.
    max_json_depth: int = 32
    #: Values in the request's variables (every number, string, list and object counts).
    max_variable_values: int = 5_000
    #: Digits of an integer literal in a query (a 32-bit Int has 10).
    max_int_digits: int = 20
    #: Nodes of one filter tree (every operator object, `and`/`or` item and `not` counts).
    max_filter_nodes: int = 200
    #: Values of one `in` / `notIn` list.
    max_in_values: int = 500
    #: Characters of a free-text `search` or a `contains`/`startsWith` value.
    max_search_length: int = 200
    # --- live updates over WebSocket: counted per worker process (schema/ws_limits.py)
    #: Operations one WebSocket runs at once: its open subscriptions plus any query still running.
    max_subscriptions_per_connection: int = 10
    #: Open WebSockets per client address (the address FORWARDED_ALLOW_IPS resolves), per worker.
    max_websockets_per_client: int = 20
    #: Open WebSockets per worker process.
    max_websockets: int = 2_000
    #: Changes one subscription may fall behind before it is ended (services/broadcast.py).
    max_pending_changes: int = 100
    #: Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks).
    forwarded_allow_ips: tuple[str, ...] = ()
    #: Whether the schema answers introspection (GraphiQL needs it).
    introspection: bool = True
    #: How read queries run (schema/compiled/): "on" compiles a query made only of generated read fields into
    #: one SQL statement that builds the response; "off" runs every query through Strawberry's resolvers;
    #: "verify" runs both and answers INTERNAL_SERVER_ERROR when they differ (the test suite runs so).
    graphql_compile: str = "on"

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))


def default_database_url() -> str:
    """A SQLite file under ./data/, so a fresh clone runs with no server."""
    return f"sqlite://{ROOT / 'data' / 'simpul.sqlite3'}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    environment = env.get("PLATFORM_ENV", "production")
    secret = env.get("SECRET_KEY", "")
    if not secret:
        if environment != "development":
            raise SettingsError(
                "SECRET_KEY is not set. Set it to a long random value, or set "
                "PLATFORM_ENV=development to use the development default."
            )
        secret = DEVELOPMENT_SECRET
    holidays = tuple(h.strip() for h in env.get("PUBLIC_HOLIDAYS", "").split(",") if h.strip())
    return Settings(
        environment=environment,
        database_url=env.get("DATABASE_URL") or default_database_url(),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=secret,
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8000")),
        workers=_positive(env, "WORKERS", 1),
        track_rate=env.get("TRACK_RATE", Settings.track_rate),
        public_holidays=holidays,
        max_body_bytes=_positive(env, "MAX_BODY_BYTES", Settings.max_body_bytes),
        max_json_depth=_positive(env, "MAX_JSON_DEPTH", Settings.max_json_depth),
        max_variable_values=_positive(env, "MAX_VARIABLE_VALUES", Settings.max_variable_values),
        max_int_digits=_positive(env, "MAX_INT_DIGITS", Settings.max_int_digits),
        max_filter_nodes=_positive(env, "MAX_FILTER_NODES", Settings.max_filter_nodes),
        max_in_values=_positive(env, "MAX_IN_VALUES", Settings.max_in_values),
        max_search_length=_positive(env, "MAX_SEARCH_LENGTH", Settings.max_search_length),
        max_subscriptions_per_connection=_positive(
            env, "MAX_SUBSCRIPTIONS_PER_CONNECTION", Settings.max_subscriptions_per_connection
        ),
        max_websockets_per_client=_positive(env, "MAX_WEBSOCKETS_PER_CLIENT", Settings.max_websockets_per_client),
        max_websockets=_positive(env, "MAX_WEBSOCKETS", Settings.max_websockets),
        max_pending_changes=_positive(env, "MAX_PENDING_CHANGES", Settings.max_pending_changes),
        introspection=_switch(env, "GRAPHQL_INTROSPECTION", Settings.introspection),
        graphql_compile=_choice(env, "GRAPHQL_COMPILE", ("on", "off", "verify"), Settings.graphql_compile),
        # None trusted unless named; in development the local reverse proxy of a laptop is.
        forwarded_allow_ips=tuple(
            part.strip()
            for part in env.get("FORWARDED_ALLOW_IPS", "127.0.0.1" if environment == "development" else "").split(",")
            if part.strip()
        ),
    )


@dataclass(frozen=True)
class DatabaseOptions:
    """Connection options read without the rest of the settings (the migration CLI needs no secret)."""

    #: PostgreSQL cancels a statement running longer than this (``statement_timeout``).
    statement_timeout_ms: int = 5_000
    #: SQLite waits this long for a lock held by another writer before "database is locked".
    sqlite_busy_timeout_ms: int = 5_000


def database_options(env: dict[str, str] | None = None) -> DatabaseOptions:
    env = dict(os.environ if env is None else env)
    return DatabaseOptions(
        statement_timeout_ms=_positive(env, "STATEMENT_TIMEOUT_MS", DatabaseOptions.statement_timeout_ms),
        sqlite_busy_timeout_ms=_positive(env, "SQLITE_BUSY_TIMEOUT_MS", DatabaseOptions.sqlite_busy_timeout_ms),
    )


def _positive(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, got {raw!r}.")
    return int(raw)


def _switch(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("on", "off", "true", "false", "1", "0"):
        raise SettingsError(f"{name} must be on or off, got {raw!r}.")
    return raw in ("on", "true", "1")


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}.")
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
