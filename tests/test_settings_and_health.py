"""Settings fail fast without a secret outside development; /health reports what is down."""
import pytest

from core.settings import DEVELOPMENT_SECRET, SettingsError, load_settings


def test_production_refuses_to_start_without_a_secret():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"PLATFORM_ENV": "production"})
    with pytest.raises(SettingsError):
        load_settings({})


def test_development_has_a_default_secret_and_sqlite_under_data():
    settings = load_settings({"PLATFORM_ENV": "development"})
    assert settings.secret_key == DEVELOPMENT_SECRET
    assert settings.database_url.startswith("sqlite://") and settings.database_url.endswith("data/simpul.sqlite3")
    assert settings.redis_url is None


def test_environment_overrides():
    settings = load_settings({
        "SECRET_KEY": "s3cret", "DATABASE_URL": "postgres://u@h/db", "REDIS_URL": "redis://h:6379/0", "PORT": "8001",
    })
    assert (settings.secret_key, settings.is_postgres, settings.redis_url, settings.port) == (
        "s3cret", True, "redis://h:6379/0", 8001
    )


async def test_health_reports_database_and_cache(http):
    response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


async def test_health_is_503_naming_the_cache_when_it_is_down(database):
    import httpx

    from server.app import create_app

    # A Redis that is not there: nothing listens on port 1.
    settings = load_settings({"SECRET_KEY": "s", "REDIS_URL": "redis://127.0.0.1:1/0", "DATABASE_URL": database})
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


async def test_the_database_connection_fails_fast_instead_of_waiting_forever(database_url):
    # PostgreSQL cancels a runaway statement; SQLite waits a bounded time for another writer's lock.
    from tortoise import connections

    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        [row] = await conn.execute_query_dict("SHOW statement_timeout")
        assert row["statement_timeout"] == "5s"
    else:
        [row] = await conn.execute_query_dict("PRAGMA busy_timeout")
        assert list(row.values()) == [5000]
        [mode] = await conn.execute_query_dict("PRAGMA journal_mode")
        assert list(mode.values()) == ["wal"]


def test_several_workers_on_sqlite_are_refused_with_a_pointer_to_postgresql():
    from server.app import create_app

    settings = load_settings({"PLATFORM_ENV": "development", "WORKERS": "4", "DATABASE_URL": "sqlite:///tmp/x.sqlite3"})
    with pytest.raises(SettingsError, match="WORKERS=4 needs PostgreSQL"):
        create_app(settings)


async def test_health_says_not_migrated_when_a_migration_is_missing(http):
    from tortoise import connections

    conn = connections.get("default")
    [row] = await conn.execute_query_dict("SELECT name FROM tortoise_migrations ORDER BY name DESC LIMIT 1")
    latest = row["name"]  # one of our migration file names: safe to write into the SQL
    await conn.execute_query(f"DELETE FROM tortoise_migrations WHERE name = '{latest}'")
    try:
        response = await http.get("/health")
        assert response.status_code == 503
        assert response.json()["database"] == "not migrated"
    finally:
        await conn.execute_query(
            f"INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ('models', '{latest}', CURRENT_TIMESTAMP)"
        )
    assert (await http.get("/health")).status_code == 200


async def test_a_start_against_an_unmigrated_database_fails_and_exits(tmp_path):
    """`make run` on a database nobody migrated: the start fails with the command to run, and closes its connection."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = (
        "import asyncio\n"
        "from server.app import create_app\n"
        "from core.settings import load_settings\n"
        f"settings = load_settings({{'PLATFORM_ENV': 'development', 'DATABASE_URL': 'sqlite://{tmp_path}/empty.sqlite3'}})\n"
        "app = create_app(settings)\n"
        "async def main():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        pass\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "run `make migrate`" in result.stderr
