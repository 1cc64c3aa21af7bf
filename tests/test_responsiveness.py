"""One worker stays responsive while a client sends requests at every limit.

The real server (uvicorn, one worker, SQLite in a temporary folder, migrated and
seeded by ``python -m server.manage``) serves one client that loops over
requests sitting just inside each limit (a body just under ``MAX_BODY_BYTES`` of
deeply but legally nested variables, a 1 MB comment, a filter of
``MAX_FILTER_NODES`` conditions, an ``in`` list of ``MAX_IN_VALUES`` ids), while
another client times ``/health``. If parsing such a request ran on the event
loop for long, every other request of that worker would wait behind it.

The issue asks for ``/health`` within 200 ms; on shared, noisy machines the
assertion is loose (2 s), and the measured figures are printed, logged and
written to ``tests/output/responsiveness.txt`` for the bench report.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: The figures of the last run, for the bench report (tests/output/ is not committed).
OUTPUT = ROOT / "tests" / "output" / "responsiveness.txt"
#: How long the limit requests keep coming while /health is timed.
LOAD_SECONDS = float(os.environ.get("RESPONSIVENESS_SECONDS", "8"))
#: The loose bound (the goal is 200 ms; the figure goes to the bench report).
WORST_HEALTH_SECONDS = 2.0

log = logging.getLogger("simpul.tests.responsiveness")


# --- the requests at the limits ------------------------------------------------------------------


def body_just_under_the_size_limit(limit: int = Settings.max_body_bytes) -> bytes:
    """A body a few bytes under ``limit``: a real filter nested ``not`` in ``not``, and variables
    nested as deep as the JSON limit allows (32 levels) carrying long strings, within the values limit."""
    query = "query($f: AppFilter) { apps(filter: $f, first: 5) { totalCount nodes { name } } }"
    nested: object = {"name": {"eq": "LAKSA"}}
    for _ in range(10):
        nested = {"not": {"not": nested}}
    # The body (1), variables (2), the pad list (3), pad(0) … pad(28) (4 … 32): MAX_JSON_DEPTH exactly.
    # 60 branches of 61 values each stay inside MAX_VARIABLE_VALUES (5,000).
    branches, depth = 60, Settings.max_json_depth - 4
    leaf = "x" * 300

    def pad(level: int) -> list:
        return [leaf] * 4 if level == depth else [pad(level + 1), leaf]

    variables = {"f": nested, "pad": [pad(0) for _ in range(branches)]}
    body = json.dumps({"query": query, "variables": variables}, separators=(",", ":"))
    # Fill up to just under the limit with one more string (still inside the values limit).
    variables["fill"] = "y" * (limit - len(body) - len(',"fill":""') - 16)
    raw = json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()
    assert limit - 64 < len(raw) <= limit, len(raw)
    return raw


def comment_of_one_megabyte(limit: int = Settings.max_body_bytes) -> bytes:
    query = "{ regencies(first: 1) { totalCount } }"
    skeleton = json.dumps({"query": "# \n" + query})
    comment = "c" * (limit - len(skeleton.encode()) - 8)
    raw = json.dumps({"query": f"# {comment}\n{query}"}).encode()
    assert limit - 64 < len(raw) <= limit, len(raw)
    return raw


def filter_at_the_node_limit(limit: int = Settings.max_filter_nodes) -> bytes:
    # The root, its `id` operator object, and `or` items of two nodes each (the item and its `name` object).
    assert limit % 2 == 0
    where = {"id": {"isNull": False}, "or": [{"name": {"eq": f"app {n}"}} for n in range((limit - 2) // 2)]}
    query = "query($f: AppFilter) { apps(filter: $f) { totalCount } }"
    return json.dumps({"query": query, "variables": {"f": where}}).encode()


def in_list_at_the_limit(limit: int = Settings.max_in_values) -> bytes:
    query = "query($f: AppFilter) { apps(filter: $f, first: 100) { totalCount nodes { id } } }"
    where = {"id": {"in": [str(n) for n in range(1, limit + 1)]}}
    return json.dumps({"query": query, "variables": {"f": where}}).encode()


LIMIT_REQUESTS = {
    "body just under MAX_BODY_BYTES, nested variables": body_just_under_the_size_limit,
    "1 MB comment": comment_of_one_megabyte,
    "filter at MAX_FILTER_NODES": filter_at_the_node_limit,
    "in list at MAX_IN_VALUES": in_list_at_the_limit,
}


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(folder: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SECRET_KEY", "WORKERS")}
    return env | {
        "PLATFORM_ENV": "development",
        "DATABASE_URL": f"sqlite://{folder / 'simpul.sqlite3'}",
        "PORT": str(port),
        "WORKERS": "1",
    }


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "server.manage", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def wait_until_serving(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        assert server.poll() is None, "the server exited:\n" + server.stdout.read()
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /health in time")


# --- the test ------------------------------------------------------------------------------------


def test_health_answers_quickly_while_requests_at_every_limit_arrive(tmp_path, capsys):
    # Given the real server, one worker, migrated and seeded
    port = free_port()
    env = server_environment(tmp_path, port)
    manage(env, "migrate")
    manage(env, "seed")
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-proxy-headers", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_serving(base, server)
        bodies = {name: make() for name, make in LIMIT_REQUESTS.items()}
        with httpx.Client(base_url=base, timeout=30) as client:
            # Each request at a limit is accepted and answered (it is at the limit, not over it)
            for name, raw in bodies.items():
                response = client.post("/graphql", content=raw, headers={"content-type": "application/json"})
                assert response.status_code == 200, (name, response.text[:500])
                assert "errors" not in response.json(), (name, response.text[:500])

        # When one client sends them in a loop while another times /health
        stop = threading.Event()
        sent: dict[str, list[float]] = {name: [] for name in bodies}
        failures: list[str] = []

        def load() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    for name, raw in bodies.items():
                        began = time.perf_counter()
                        response = client.post("/graphql", content=raw, headers={"content-type": "application/json"})
                        sent[name].append(time.perf_counter() - began)
                        if response.status_code != 200:
                            failures.append(f"{name}: {response.status_code} {response.text[:200]}")

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(0.5)  # the loop is under way
        health: list[float] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            give_up = time.monotonic() + LOAD_SECONDS
            while time.monotonic() < give_up:
                began = time.perf_counter()
                response = client.get("/health")
                health.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text
                time.sleep(0.02)
        stop.set()
        loader.join(timeout=60)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    # Then /health kept answering quickly, and the limit requests were all served
    report = describe(health, sent)
    with capsys.disabled():  # shown with or without -s: the figures go to the bench report
        print("\n" + report)
    log.info("%s", report)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(report + "\n")
    assert not failures, failures[:5]
    assert all(sent.values()), sent
    assert max(health) < WORST_HEALTH_SECONDS, report


def describe(health: list[float], sent: dict[str, list[float]]) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    lines = [
        f"/health under load: {len(health)} answers, median {ms(statistics.median(health))}, "
        f"p95 {ms(sorted(health)[int(len(health) * 0.95) - 1])}, max {ms(max(health))} "
        f"(goal 200 ms, asserted < {WORST_HEALTH_SECONDS:.0f} s)",
    ]
    for name, times in sent.items():
        if times:
            lines.append(f"  {name}: {len(times)} sent, median {ms(statistics.median(times))}, max {ms(max(times))}")
    return "\n".join(lines)


# --- long documents are parsed off the event loop, and answered as short ones are ------------------


async def test_a_long_document_is_answered_as_the_same_short_one(gql, world):
    from schema.document_rules import PARSE_IN_THREAD_CHARS

    padding = "# " + "c" * PARSE_IN_THREAD_CHARS + "\n"
    valid = "{ regencies { totalCount nodes { code } } }"
    assert await gql(padding + valid) == await gql(valid)

    # A syntax error: the same message, one line further down
    short, long = await gql("{ regencies { totalCount }"), await gql(padding + "{ regencies { totalCount }")
    assert [e["extensions"]["code"] for e in long["errors"]] == ["BAD_USER_INPUT"]
    assert long["errors"][0]["message"] == short["errors"][0]["message"]
    assert long["errors"][0]["locations"] == [{**short["errors"][0]["locations"][0], "line": 2}]
    assert long.get("data") is None

    # The document rules still apply after a parse in a thread: two operations need an operationName
    two = padding + "query A { regencies { totalCount } } query B { apps { totalCount } }"
    body = await gql(two)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "operationName" in body["errors"][0]["message"]
