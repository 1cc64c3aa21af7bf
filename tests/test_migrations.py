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



# --- a developer adding or changing a model -------------------------------------------------
# Each test works on a copy of the code Tortoise reads (core, models, migrations) in tmp_path;
# server.manage and the rest run from the checkout, so the real migrations/ is never written.

NOTICE = '''
from tortoise import fields
from tortoise.models import Model


class Notice(Model):
    """A notice for every region; plain text, no markup."""

    id = fields.IntField(primary_key=True)
    #: Headline; shown first.
    title = fields.CharField(max_length=120)

    class Meta:
        table = "notice"

    class Simpul:
        regency_path = None
'''


def project_copy(tmp_path: Path, *, notice: str | None = NOTICE, listed: bool = True) -> Path:
    """core, models and migrations in tmp_path, with ``models/notice.py`` (imported by
    models/__init__.py when ``listed``)."""
    for folder in ("core", "models", "migrations"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    if notice is not None:
        (tmp_path / "models" / "notice.py").write_text(notice)
    if listed:
        with (tmp_path / "models" / "__init__.py").open("a") as init:
            init.write("from models.notice import Notice\n")
    return tmp_path


def project_env(project: Path, database_url: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite://{project / 'probe.sqlite3'}",
        # The copy first (cwd is first on sys.path anyway), the checkout for everything else.
        "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)]),
    }


def manage(project: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.manage", *args],
        cwd=project, env=project_env(project, database_url), capture_output=True, text=True, timeout=120,
    )


def migration_names(project: Path) -> set[str]:
    return {path.name for path in (project / "migrations").glob("[0-9]*.py")}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_makemigrations_writes_the_named_migration(tmp_path):
    # Given a new model module listed in models/__init__.py
    project = project_copy(tmp_path)
    before = migration_names(project)
    # When the developer runs `make makemigrations NAME=...` (`install` taken as done: the venv is ours)
    result = subprocess.run(
        ["make", "-f", str(ROOT / "Makefile"), "-o", "install", "makemigrations",
         "NAME=notice board", f"BIN={Path(sys.executable).parent}"],
        cwd=project, env=project_env(project), capture_output=True, text=True, timeout=120,
    )
    # Then one migration is written, numbered after the last and named as asked
    assert result.returncode == 0, result.stdout + result.stderr
    written = migration_names(project) - before
    last = max(int(name[:4]) for name in before)
    assert written == {f"{last + 1:04d}_notice_board.py"}, result.stdout
    assert "CreateModel(\n            name='Notice'" in (project / "migrations" / written.pop()).read_text()


def test_makemigrations_refuses_a_model_module_missing_from_models_init(tmp_path):
    # Given models/notice.py declares a model that models/__init__.py does not import
    project = project_copy(tmp_path, listed=False)
    before = migration_names(project)
    # When the developer runs makemigrations
    result = manage(project, "makemigrations", "--name", "notice")
    # Then it fails, names the module and the line to add, and writes nothing
    assert result.returncode == 1, result.stdout + result.stderr
    assert "models/notice.py declares Notice" in result.stderr
    assert "from models.notice import Notice" in result.stderr
    assert "No changes detected" not in result.stdout
    assert migration_names(project) == before


def test_the_product_model_modules_are_all_listed():
    from server.migration_checks import unlisted_model_modules

    assert unlisted_model_modules() == []


def test_makemigrations_stops_at_a_likely_rename_and_its_hint_works(tmp_path):
    # Given a migration for the Notice model
    project = project_copy(tmp_path)
    assert manage(project, "makemigrations", "--name", "notice").returncode == 0
    # When its field is renamed and its comment changed (Tortoise then writes remove + add)
    source = project / "models" / "notice.py"
    source.write_text(source.read_text().replace(
        "#: Headline; shown first.\n    title =", "#: Headline, shown first in lists.\n    headline ="))
    before = migration_names(project)
    result = manage(project, "makemigrations", "--name", "headline")
    # Then makemigrations fails with the hint, and leaves the migration for the developer
    assert result.returncode == 1, result.stdout + result.stderr
    (written,) = migration_names(project) - before
    migration = project / "migrations" / written
    assert "ops.RemoveField(model_name='Notice', name='title')" in migration.read_text()
    assert f"migrations/{written}: Notice loses `title` and gains `headline`, both CharField" in result.stderr
    assert "# not a rename: Notice.title" in result.stderr
    # And when the developer puts the hint's operations in place of the remove + add
    hint = result.stderr.split("with:\n\n", 1)[1].split("\n\n", 1)[0]
    assert hint.lstrip().startswith("ops.RenameField(")
    text = migration.read_text()
    start = text.index("    operations = [\n") + len("    operations = [\n")
    migration.write_text(text[:start] + hint + "\n" + text[text.rindex("    ]"):])
    # Then the migrations match the models and pass the checks
    again = manage(project, "makemigrations")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes detected" in again.stdout
    assert manage(project, "check-migrations").returncode == 0


RENAME_BASE = '''
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True
    operations = [
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('views', fields.IntField(default=0)),
                ('body', fields.TextField()),
            ],
            options={'table': 'notice', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
'''

RENAME_NEXT = '''
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]
    operations = [
        ops.AddField(model_name='Notice', name='headline', field=fields.CharField(max_length=200)),
        ops.AddField(model_name='Notice', name='view_count', field=fields.BigIntField(default=0)),
        ops.AddField(model_name='Notice', name='text', field=fields.TextField(default='')),
        ops.RemoveField(model_name='Notice', name='title'),
        ops.RemoveField(model_name='Notice', name='views'),
        ops.RemoveField(model_name='Notice', name='body'),
    ]
'''


async def test_likely_renames_reads_field_types_from_the_earlier_migrations(tmp_path, monkeypatch):
    from server.migration_checks import likely_renames

    # Given a migrations package where 0002 drops three fields and adds three
    package = f"rename_probe_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "0001_initial.py").write_text(RENAME_BASE)
    second = tmp_path / package / "0002_rename.py"
    second.write_text(RENAME_NEXT + "# not a rename: Notice.body\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    apps = {"models": {"models": [], "migrations": package}}
    # When the check reads them
    found = await likely_renames(apps_config=apps)
    # Then only the CharField pair is a likely rename: IntField -> BigIntField is another type,
    # and the TextField drop is marked as meant
    assert [(r.path, r.model, r.removed, r.added, r.field_type) for r in found] == [
        (second, "Notice", "title", ("headline",), "CharField")
    ]
    assert "field=fields.CharField(max_length=200)" in str(found[0])
    # And a check limited to the first migration finds nothing
    assert await likely_renames(only=[tmp_path / package / "0001_initial.py"], apps_config=apps) == []


async def test_the_committed_migrations_hold_no_likely_rename():
    from server.migration_checks import likely_renames

    assert await likely_renames() == []


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database on the engine under test (PostgreSQL when DATABASE_URL says so)."""
    server = os.environ.get("DATABASE_URL", "").replace("postgresql://", "postgres://", 1)
    if not server.startswith("postgres://"):
        yield f"sqlite://{tmp_path / 'fresh.sqlite3'}"
        return
    import asyncio

    import asyncpg

    base = server.rpartition("/")[0]
    name = f"simpul_migrate_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_semicolon_in_a_description_migrates(tmp_path, fresh_database_url):
    # Given a model whose docstring and `#:` comment hold semicolons, and its migration
    project = project_copy(tmp_path)
    made = manage(project, "makemigrations", "--name", "notice")
    assert made.returncode == 0, made.stdout + made.stderr
    # When every migration is applied to an empty database
    result = manage(project, "--database-url", fresh_database_url, "migrate")
    # Then the CREATE TABLE is not cut at the semicolon ("incomplete input" on SQLite)
    assert result.returncode == 0, result.stderr
    assert "migrations applied" in result.stdout


def test_sqlite_statements_end_only_where_sqlite_ends_one():
    from core.sqlite_ddl import sqlite_statements

    script = (
        'CREATE TABLE "notice" (\n    "title" VARCHAR(120) NOT NULL  /* Headline; shown first. */\n'
        ") /* A notice; plain text. */;\nINSERT INTO notice VALUES ('a;b');\n  ;\nCREATE INDEX i ON notice (title)"
    )
    assert sqlite_statements(script) == [
        'CREATE TABLE "notice" (\n    "title" VARCHAR(120) NOT NULL  /* Headline; shown first. */\n'
        ") /* A notice; plain text. */;",
        "INSERT INTO notice VALUES ('a;b');",
        "CREATE INDEX i ON notice (title);",
    ]


UPGRADE_0006 = '''
import asyncio, sys
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate
from core.database import tortoise_config

URL = sys.argv[1]

async def main():
    config = tortoise_config(URL)
    await migrate(config=config, target="models.0005_complaint_history_described")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    conn = connections.get("default")
    await conn.execute_script(
        "INSERT INTO regency (id, code, name, kind, province, is_provider) VALUES (1, '32.15', 'Karawang', 'KABUPATEN', 'Jawa Barat', 0);"
        "INSERT INTO user_account (id, username, password_hash, regency_id, is_active, session_epoch, created_at) "
        "VALUES (1, 'staff.karawang', '', 1, 1, 0, '2026-01-01 00:00:00');"
        "INSERT INTO complaint (id, tracking_code, regency_id, title, body, category, reporter_name, reporter_contact, status, created_at, updated_at) VALUES "
        "(1, 'ADU-3215-2026-000001', 1, 't', 'b', 'COMPLAINT', 'n', 'c', 'VERIFIED', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        "(2, 'ADU-3215-2026-000002', 1, 't', 'b', 'COMPLAINT', 'n', 'c', 'RECEIVED', '2026-01-01 00:00:00', '2026-01-01 00:00:00');"
        "INSERT INTO complaint_event (id, complaint_id, status, at, note, actor_id) VALUES "
        "(1, 1, 'VERIFIED', '2026-01-02 00:00:00', 'internal or not, nobody knows', 1);"
        "INSERT INTO seed_record (id, model, key, fingerprint) VALUES (1, 'Complaint', 'ADU-3215-2026-000002', 'x');"
    )
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    conn = connections.get("default")
    print(await conn.execute_query_dict("SELECT id, tracking_code FROM complaint ORDER BY id"))
    print(await conn.execute_query_dict("SELECT key FROM seed_record"))
    print(await conn.execute_query_dict("SELECT note, public_note, actor_name FROM complaint_event"))
    await Tortoise.close_connections()

asyncio.run(main())
'''


def test_0006_gives_every_code_its_suffix_and_keeps_old_notes_internal(tmp_path):
    import ast

    from services.tracking import CODE_PATTERN, derived_suffix

    url = f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
    result = subprocess.run([sys.executable, "-c", UPGRADE_0006, url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    complaints, records, events = (ast.literal_eval(line) for line in result.stdout.strip().splitlines()[-3:])
    codes = [row["tracking_code"] for row in complaints]
    # Every code now has a suffix; the seeded one the suffix the seeds derive, and the seeds' record follows it
    assert all(CODE_PATTERN.match(code) for code in codes), codes
    assert codes[0].startswith("ADU-3215-2026-000001-")
    assert codes[1] == f"ADU-3215-2026-000002-{derived_suffix('ADU-3215-2026-000002')}"
    assert records == [{"key": codes[1]}]
    # An old note stays with the desk; the officer's name is kept on the step
    assert events == [{"note": "internal or not, nobody knows", "public_note": "", "actor_name": "staff.karawang"}]
