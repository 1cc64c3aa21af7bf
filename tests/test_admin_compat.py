"""Fails loudly when an upgrade of fastapi-admin, Starlette, Pydantic or redis breaks the panel."""
import sys
import warnings

import pytest

from tests.admin_client import AdminClient, admin_asgi, client_for


def test_aioredis_resolves_to_redis_asyncio():
    import redis.asyncio

    import admin.compat  # noqa: F401

    assert sys.modules["aioredis"] is redis.asyncio
    from fastapi_admin.app import FastAPIAdmin

    assert FastAPIAdmin.__module__ == "fastapi_admin.app"


@pytest.fixture
async def panel(database):
    async with client_for(admin_asgi()) as http:
        yield AdminClient(http)


async def test_login_and_list_pages_render_without_deprecated_calls(world, panel):
    with warnings.catch_warnings():
        # Starlette warns (and 1.0 fails) on the old TemplateResponse(name, context) form.
        warnings.simplefilter("error", DeprecationWarning)
        page = await panel.get("/admin/login")
        assert page.status_code == 200
        assert 'name="csrf_token"' in page.text and 'name="password"' in page.text
        assert (await panel.login("kominfo")).status_code == 303
        listing = await panel.get("/admin/complaint/list")
    assert listing.status_code == 200
    assert 'data-total="6"' in listing.text
    assert world.complaints["32.15"][0].tracking_code in listing.text
