"""A second worker process for tests/test_policy_reload.py: answers policy questions on stdin.

    python -m tests.policy_worker <database url>      (REDIS_URL from the environment)

Prints ``ready`` once connected, then for each line ``<username or -> <Model> <action>``
prints the decision as one JSON line, exactly as a request in a real worker
would get it: through ``access_for`` (shared-revision check, reload if changed).
"""
from __future__ import annotations

import asyncio
import json
import os
import sys

os.environ.setdefault("PLATFORM_ENV", "test")
os.environ.setdefault("SECRET_KEY", "policy-worker-test-secret")

from core.database import connect, disconnect  # noqa: E402
from models import User  # noqa: E402
from permissions.access import access_for  # noqa: E402

MODEL_MODULES = ("models", "tests.throwaway_models")


async def answer(line: str) -> dict:
    username, model, action = line.split()
    user = None if username == "-" else await User.get(username=username)
    decision = (await access_for(user)).decide(model, action)
    return {
        "allowed": decision.allowed,
        "everywhere": decision.everywhere,
        "regencies": sorted(decision.regencies),
        "published": decision.published,
    }


async def main(database_url: str) -> None:
    await connect(database_url, MODEL_MODULES)
    try:
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            print(json.dumps(await answer(line)), flush=True)
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
