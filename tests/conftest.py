"""Test database: SQLite by default, a throwaway PostgreSQL database when DATABASE_URL is set.

The whole suite runs against the real engine; nothing here mocks the
database, the cache or the policy engine.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import uuid
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("PLATFORM_ENV", "test")
os.environ.setdefault("SECRET_KEY", "test-secret-" + uuid.uuid4().hex)
# Every app the suite builds answers a compilable read both ways (schema/compiled/ and Strawberry's resolvers)
# and fails with INTERNAL_SERVER_ERROR where they differ, so every test of the API checks the compiler too.
# Set before anything reads the settings: core.settings.get_settings() caches the first read for the process.
os.environ.setdefault("GRAPHQL_COMPILE", "verify")

import pytest  # noqa: E402
from tortoise import Tortoise, connections  # noqa: E402

from core.database import tortoise_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Models the tests declare on top of the product's: a new model must need no other file.
TEST_MODEL_MODULES = ("models", "tests.throwaway_models")


@lru_cache(maxsize=1)
def registry_for_tests():
    """The registry of the product's models plus the test-only ones, assembled as the server does."""
    from server.assembly import assemble

    return assemble(TEST_MODEL_MODULES)


async def _create_postgres_database(server_url: str) -> tuple[str, str]:
    import asyncpg

    base, _, _ = server_url.rpartition("/")
    name = f"simpul_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}", name


async def _drop_postgres_database(server_url: str, name: str) -> None:
    import asyncpg

    base, _, _ = server_url.rpartition("/")
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url():
    server_url = os.environ.get("DATABASE_URL", "")
    if server_url.startswith(("postgres://", "postgresql://")):
        url, name = await _create_postgres_database(server_url.replace("postgresql://", "postgres://", 1))
        yield url
        await Tortoise.close_connections()
        await _drop_postgres_database(server_url.replace("postgresql://", "postgres://", 1), name)
    else:
        folder = tempfile.mkdtemp(prefix="simpul-test-")
        yield f"sqlite://{Path(folder) / 'test.sqlite3'}"
        await Tortoise.close_connections()


@pytest.fixture(scope="session", autouse=True)
async def database(database_url):
    await Tortoise.init(config=tortoise_config(database_url, TEST_MODEL_MODULES))
    await Tortoise.generate_schemas()
    await _record_migrations_as_applied()
    registry_for_tests()  # registers the save hooks, as the server does at start
    yield database_url
    await Tortoise.close_connections()


async def _record_migrations_as_applied() -> None:
    """The test schema is generated from the models (plus the test-only ones); test_migrations proves the
    committed migrations build the same tables. Record them as applied, as `make migrate` would, so the
    start and /health see a migrated database."""
    from tortoise.migrations.recorder import MigrationRecorder

    from server.health import MIGRATIONS

    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    key = "id SERIAL PRIMARY KEY" if postgres else "id INTEGER PRIMARY KEY AUTOINCREMENT"
    moment = "TIMESTAMPTZ" if postgres else "TIMESTAMP"
    await conn.execute_script(
        f"CREATE TABLE IF NOT EXISTS tortoise_migrations ({key}, app VARCHAR(255) NOT NULL, "
        f"name VARCHAR(255) NOT NULL, applied_at {moment} NOT NULL)"
    )
    recorder = MigrationRecorder(conn)
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py")):
        await recorder.record_applied("models", path.stem)


async def reset_database() -> None:
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps.get_models_iterable()]
    through = {
        f.through
        for m in Tortoise.apps.get_models_iterable()
        for f in (m._meta.fields_map[n] for n in m._meta.m2m_fields)
    }
    all_tables = sorted(set(tables) | through)
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in all_tables)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        script = "PRAGMA foreign_keys = OFF;" + "".join(f'DELETE FROM "{t}";' for t in all_tables)
        script += "DELETE FROM sqlite_sequence;" if await _has_sqlite_sequence(conn) else ""
        await conn.execute_script(script + "PRAGMA foreign_keys = ON;")


async def _has_sqlite_sequence(conn) -> bool:
    rows = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
    return bool(rows)


@pytest.fixture(autouse=True)
async def clean_database(database):
    """Every test starts from empty tables."""
    await reset_database()
    yield


@pytest.fixture(autouse=True)
def fresh_login_throttle(monkeypatch):
    """Every test counts failed logins from zero, as if the last failure were long ago."""
    import services.accounts

    throttle = services.accounts.LoginThrottle(namespace=f"login-test-{uuid.uuid4().hex}")
    monkeypatch.setattr(services.accounts, "_default_throttle", throttle)
    return throttle


# --- the API, its callers, and a small world to call it on ------------------------------------
# The callers themselves (names, roles, where they hold them) are defined in tests/roles.py.

from tests.roles import CALLERS, ROLES, enrol  # noqa: E402,F401  (ROLES: the world's callers, re-exported)


@pytest.fixture(scope="session")
def app(database):
    from server.app import create_app

    return create_app(manage_database=False)


@pytest.fixture(scope="session")
def app_with_test_models(database):
    """The app generated from the product's models and the test-only ones (tests/throwaway_models.py)."""
    from server.app import create_app

    return create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)


class GraphQLClient:
    """Posts GraphQL to the real ASGI app, optionally as a signed-in user."""

    def __init__(self, http, token: str | None = None):
        self.http = http
        self.token = token

    async def post(self, query: str, variables: dict | None = None, token: str | None = None):
        headers = {}
        bearer = token or self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = await self.post(query, variables)
        return response.json()

    def as_user(self, token: str | None) -> "GraphQLClient":
        return GraphQLClient(self.http, token)


@pytest.fixture
async def http(app):
    import httpx

    # A fresh caller address per test: submissions and logins are rate-limited per address,
    # and with Redis the counts outlive a test.
    address = f"198.51.100.{uuid.uuid4().hex[:8]}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def world():
    from tests.world import build_world

    return await build_world()


@pytest.fixture
async def full_world(world):
    """The world plus factory rows of every model it leaves empty (the test-only ones): one in Karawang
    and one in Bekasi, published and not where the model declares a published rule."""
    from tests.factory import populate

    await populate(registry_for_tests(), (world.karawang, world.bekasi))
    return world


@pytest.fixture
async def tokens(world):
    from models import User
    from services.accounts import issue_token

    return {u.username: issue_token(u) for u in await User.all()} | {"anonymous": None}


@pytest.fixture
def gql(http):
    return GraphQLClient(http)


@pytest.fixture
async def callers(world, tokens):
    """Every caller of tests/roles.py signed in on the world: ``tokens`` gains the ones world.py does not
    create (staff holding the role in two regencies), so ``as_role`` and ``api`` reach them too."""
    from services.accounts import issue_token

    for caller in CALLERS:
        if caller.name not in tokens:
            tokens[caller.name] = issue_token(await enrol(caller))
    return tokens


@pytest.fixture
def as_role(gql, tokens):
    """``as_role("staff.karawang")`` → a client sending that user's token (``"anonymous"`` sends none)."""
    return lambda role: gql.as_user(tokens[role])


@pytest.fixture
async def api(app_with_test_models, tokens):
    """``api("staff.karawang")`` → like ``as_role``, on the app that includes the test-only models."""
    import httpx

    transport = httpx.ASGITransport(app=app_with_test_models, client=(f"198.51.100.{uuid.uuid4().hex[:8]}", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield lambda role: GraphQLClient(http, tokens[role])


# --- the read compiler (schema/compiled/) on and off, to compare the two paths ---------------------


def app_compiling(mode: str):
    """The app of the product's and the test-only models with ``GRAPHQL_COMPILE`` set to ``mode``
    ("on": compiled reads answer alone; "off": Strawberry's resolvers answer everything)."""
    from core.settings import get_settings
    from server.app import create_app

    settings = dataclasses.replace(get_settings(), graphql_compile=mode)
    return create_app(settings=settings, model_modules=TEST_MODEL_MODULES, manage_database=False)


@pytest.fixture(scope="session")
def app_on(database):
    """Compiles every read query it can into one SQL statement (``app_on.state.compiler.stats`` counts)."""
    return app_compiling("on")


@pytest.fixture(scope="session")
def app_off(database):
    """Runs every query through Strawberry's resolvers: the reference the compiled answers are held to."""
    return app_compiling("off")


@asynccontextmanager
async def _asgi_client(app):
    import httpx

    # A fresh caller address per test, as the ``http`` fixture has (per-address rate limits).
    transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{uuid.uuid4().hex[:8]}", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def on(app_on, tokens):
    """``on("staff.karawang")`` → a client of ``app_on`` sending that caller's token (``"anonymous"`` none)."""
    async with _asgi_client(app_on) as http:
        yield lambda role: GraphQLClient(http, tokens[role])


@pytest.fixture
async def off(app_off, tokens):
    """``off("staff.karawang")`` → the same caller on ``app_off``."""
    async with _asgi_client(app_off) as http:
        yield lambda role: GraphQLClient(http, tokens[role])
