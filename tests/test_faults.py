"""Outages of the cache and of the database while the app serves: it says so, answers cleanly, and recovers alone.

These tests stop the real Redis and the real PostgreSQL of this machine (the
ones ``REDIS_URL`` and ``DATABASE_URL`` point at) and start them again; every
other client of those servers sees the outage too. They run only when
``SIMPUL_FAULT_TESTS=1`` (a machine to itself, such as CI), and always start the
server again, in a ``finally``, waiting until it answers.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import pytest

LEAKS = ("Traceback", "SELECT ", "INSERT ", "sqlite3", "asyncpg", "tortoise.", 'File "/')
#: Loose bounds on a shared machine: "fails fast" means seconds, not the minutes of a hung connection.
FAIL_FAST_SECONDS = 8.0
RECOVERY_SECONDS = 30.0

pytestmark = pytest.mark.skipif(
    os.environ.get("SIMPUL_FAULT_TESTS") != "1",
    reason="stops this machine's Redis/PostgreSQL, breaking every other client for a moment: set SIMPUL_FAULT_TESTS=1 "
    "where the tests have the machine to themselves (CI)",
)

APPS = "{ apps(first: 3) { totalCount nodes { name } } }"
COMPLAINTS = "{ complaints(first: 3) { totalCount nodes { trackingCode reporterName } } }"
SUBMIT = """mutation { submitComplaint(input: {regencyCode: "32.15", title: "Lampu mati", body: "Sejak Senin.",
  reporterName: "Siti", reporterContact: "0812"}) { trackingCode } }"""


def assert_clean(response) -> dict:
    for leak in LEAKS:
        assert leak not in response.text, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code") in {
            "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "INTERNAL_SERVER_ERROR"}, error
    return body


async def eventually(check, seconds: float = RECOVERY_SECONDS, pause: float = 0.5):
    """Call ``check`` until it returns something true; its last answer otherwise."""
    give_up = time.monotonic() + seconds
    while True:
        answer = await check()
        if answer or time.monotonic() > give_up:
            return answer
        await asyncio.sleep(pause)


# --- Redis -----------------------------------------------------------------------------------------


def redis_address() -> tuple[str, int]:
    url = urlsplit(os.environ["REDIS_URL"])
    return url.hostname or "127.0.0.1", url.port or 6379


def redis_answers(host: str, port: int) -> bool:
    result = subprocess.run(["redis-cli", "-h", host, "-p", str(port), "ping"], capture_output=True, text=True, timeout=10)
    return result.stdout.strip() == "PONG"


def stop_redis(host: str, port: int) -> None:
    subprocess.run(["redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10)
    give_up = time.monotonic() + 10
    while redis_answers(host, port):
        assert time.monotonic() < give_up, "Redis did not stop"
        time.sleep(0.1)


def start_redis(host: str, port: int) -> None:
    if not redis_answers(host, port):
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", host, "--port", str(port), "--save", "",
                        "--appendonly", "no"], check=True, timeout=10)
    give_up = time.monotonic() + 30
    while not redis_answers(host, port):
        assert time.monotonic() < give_up, "Redis did not start again"
        time.sleep(0.1)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server and redis-cli on this machine")
async def test_a_cache_outage_degrades_the_service_and_it_recovers_without_a_restart(http, world, as_role):
    host, port = redis_address()
    assert (await http.get("/health")).json() == {"status": "ok", "database": "ok", "cache": "ok"}
    staff = as_role("staff.karawang")
    try:
        # Given Redis is gone
        stop_redis(host, port)

        # Then /health says the service is degraded, naming the cache
        response = await http.get("/health")
        assert response.status_code == 503
        assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}

        # and reads keep being answered, the public's and the staff's, in bounded time
        for client, query, field in ((as_role("anonymous"), APPS, "apps"), (staff, COMPLAINTS, "complaints")):
            began = time.monotonic()
            response = await client.post(query)
            assert time.monotonic() - began < FAIL_FAST_SECONDS
            body = assert_clean(response)
            assert "errors" not in body, body
            assert body["data"][field]["totalCount"] > 0
        # a write that needs the cache (the per-client submission limit) answers too, with or without error
        assert_clean(await as_role("anonymous").post(SUBMIT))
    finally:
        start_redis(host, port)

    # When Redis is back, the same app reports ok again (no restart)
    async def healthy():
        response = await http.get("/health")
        return response.status_code == 200 and response.json() == {"status": "ok", "database": "ok", "cache": "ok"}

    assert await eventually(healthy), (await http.get("/health")).json()
    body = assert_clean(await as_role("anonymous").post(SUBMIT))
    assert "errors" not in body, body


# --- PostgreSQL ------------------------------------------------------------------------------------


def postgres_cluster() -> tuple[str, str, str, int] | None:
    """(version, cluster name, host, port) of the local cluster serving DATABASE_URL, from pg_lsclusters."""
    url = urlsplit(os.environ["DATABASE_URL"])
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    if not shutil.which("pg_lsclusters"):
        return None
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if int(cluster_port) == port:
            return version, name, host, port
    return None


def postgres_accepts(host: str, port: int) -> bool:
    return subprocess.run(["pg_isready", "-h", host, "-p", str(port)], capture_output=True, timeout=10).returncode == 0


def pg_ctlcluster(version: str, name: str, action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
                   capture_output=True, text=True, timeout=120)


needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL)",
)


@needs_postgres
async def test_a_database_outage_fails_fast_and_the_app_recovers_by_itself(http, world, as_role):
    cluster = postgres_cluster()
    if cluster is None:
        pytest.skip("no local PostgreSQL cluster (pg_lsclusters) serves DATABASE_URL's port")
    version, name, host, port = cluster
    anonymous, staff = as_role("anonymous"), as_role("staff.karawang")
    assert "errors" not in await anonymous(APPS)
    try:
        # Given PostgreSQL is stopped under the running app
        pg_ctlcluster(version, name, "stop")
        assert not postgres_accepts(host, port)

        # Then requests fail fast, as an internal error that shows nothing internal
        for client, query in ((anonymous, APPS), (staff, COMPLAINTS), (anonymous, SUBMIT)):
            began = time.monotonic()
            response = await client.post(query)
            seconds = time.monotonic() - began
            assert seconds < FAIL_FAST_SECONDS, (query, seconds)
            assert response.status_code < 500 or response.headers["content-type"].startswith("application/json")
            body = assert_clean(response)
            assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"], body

        # and /health answers 503, naming the database
        began = time.monotonic()
        response = await http.get("/health")
        assert time.monotonic() - began < FAIL_FAST_SECONDS
        assert response.status_code == 503
        assert response.json()["database"] == "down", response.json()
        assert response.json()["status"] == "down", response.json()
    finally:
        pg_ctlcluster(version, name, "start")
        give_up = time.monotonic() + 60
        while not postgres_accepts(host, port) and time.monotonic() < give_up:
            time.sleep(0.2)

    # When PostgreSQL is back, the same app serves again: its pool reconnects by itself
    async def reads_again():
        response = await anonymous.post(APPS)
        return "errors" not in response.json() and response.json()

    body = await eventually(reads_again)
    assert body, (await anonymous(APPS))
    assert body["data"]["apps"]["totalCount"] == len(world.apps)
    assert "errors" not in await staff(COMPLAINTS)
    response = await http.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok", "cache": "ok"})
