"""The panel alone, served by uvicorn in a separate process for the browser test.

`SIMPUL_TEST_DATABASE_URL` names the database the test filled (SQLite file or PostgreSQL).
"""
import os
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from tortoise import Tortoise

from core.database import tortoise_config
from tests.admin_client import admin_asgi
from tests.conftest import TEST_MODEL_MODULES

DATABASE_URL = os.environ["SIMPUL_TEST_DATABASE_URL"]


@asynccontextmanager
async def lifespan(app):
    await Tortoise.init(config=tortoise_config(DATABASE_URL, TEST_MODEL_MODULES))
    yield
    await Tortoise.close_connections()


# The same /admin mount as the in-process tests, plus a lifespan that opens the database.
app = Starlette(routes=admin_asgi(TEST_MODEL_MODULES).routes, lifespan=lifespan)
