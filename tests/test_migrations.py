"""The committed migrations build the schema the models describe, on the engine under test."""
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent


def test_committed_migrations_match_the_models(tmp_path):
    # Given a copy of the code and its migrations
    for folder in ("core", "models", "migrations"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'probe.sqlite3'}", "PYTHONPATH": str(tmp_path)}
    # When Tortoise looks for model changes not yet in a migration
    result = subprocess.run(
        [sys.executable, "-m", "tortoise", "-c", "core.database.TORTOISE_ORM", "makemigrations"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    # Then there are none
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout, result.stdout + result.stderr


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL variant below covers this run",
)
async def test_migrations_apply_on_sqlite(tmp_path):
    script = f"import asyncio; from server.manage import migrate; asyncio.run(migrate('sqlite://{tmp_path / 'fresh.sqlite3'}'))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.sqlite3").stat().st_size > 0


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs DATABASE_URL pointing at a PostgreSQL server",
)
def test_migrations_apply_on_postgres():
    import asyncio

    import asyncpg

    base = os.environ["DATABASE_URL"].replace("postgresql://", "postgres://", 1).rpartition("/")[0]
    name = f"simpul_migrate_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    script = f"import asyncio; from server.manage import migrate; asyncio.run(migrate('{base}/{name}'))"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

