"""The whole application (GraphQL with GraphiQL, and the panel), served by uvicorn in a separate process
for the browser tests of tests/browser/test_panel_look.py.

`SIMPUL_TEST_DATABASE_URL` names the database the test filled (SQLite file or PostgreSQL); the test
process created its tables, so this process only connects.
"""
import os
from contextlib import asynccontextmanager

from tortoise import Tortoise

from core.database import tortoise_config
from server.app import create_app
from tests.conftest import TEST_MODEL_MODULES

DATABASE_URL = os.environ["SIMPUL_TEST_DATABASE_URL"]


@asynccontextmanager
async def lifespan(app):
    await Tortoise.init(config=tortoise_config(DATABASE_URL, TEST_MODEL_MODULES))
    yield
    await Tortoise.close_connections()


app = create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)
app.router.lifespan_context = lifespan
