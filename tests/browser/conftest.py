"""The browser tests' harness: Debian's Chromium driven by Playwright, and the app served by uvicorn.

Chromium comes from the Debian package (`apt-get install chromium`); nothing is
downloaded. The app runs in its own uvicorn process on the test database
(tests/browser/app_server.py), so the browser meets it over real HTTP.
Screenshots land in tests/output/ (git-ignored).
"""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Every browser test module sets ``pytestmark = needs_chromium``.
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _serve(module: str, database: str):
    port = free_port()
    env = {**os.environ, "SIMPUL_TEST_DATABASE_URL": database, "PLATFORM_ENV": "test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(150):  # up to ~30 s for the process to start on a busy machine
                try:
                    if (await http.get(base + "/admin/login")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, f"{module} exited"
                await asyncio.sleep(0.2)
            else:
                pytest.fail(f"{module} did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def app_server(world, database):
    """The whole application (GraphQL, GraphiQL and the panel) assembled as the server assembles it."""
    async for base in _serve("tests.browser.app_server", database):
        yield base


@pytest.fixture
async def server(app_server):
    return app_server


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
