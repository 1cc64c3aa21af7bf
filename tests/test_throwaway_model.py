"""A fifth model is one declaration: tests/throwaway_models.py declares Kiosk, and nothing else names it."""
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_MODEL_MODULES, GraphQLClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def kiosk_api(database, tokens):
    from server.app import create_app

    app = create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield lambda role: GraphQLClient(http, tokens[role])


def test_no_product_file_names_the_throwaway_model():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    mentions = [
        path for path in tracked
        if not path.startswith("tests/") and (ROOT / path).is_file()
        and "kiosk" in (ROOT / path).read_text(errors="ignore").lower()
    ]
    assert mentions == []


async def test_declared_model_gets_a_full_working_api(world, kiosk_api):
    kominfo = kiosk_api("kominfo")
    # Given a new declaration, when Kominfo creates kiosks through the generated mutation
    made = []
    for location, screens, regency in (("Kantor Bupati", 2, world.karawang), ("Mal Pelayanan Publik", 4, world.karawang), ("Alun-alun", 1, world.bekasi)):
        body = await kominfo(
            "mutation($i: KioskCreateInput!) { createKiosk(input: $i) { id location screens regency { code } } }",
            {"i": {"location": location, "screens": screens, "regencyId": str(regency.id)}},
        )
        assert "errors" not in body, body
        made.append(body["data"]["createKiosk"])
    assert made[0]["regency"] == {"code": "32.15"}
    # Then it lists, filters, orders and pages them
    body = await kominfo(
        '{ kiosks(filter: {regency: {code: {eq: "32.15"}}, screens: {gte: 2}}, orderBy: [{screens: DESC}], first: 1)'
        " { totalCount nodes { location } pageInfo { hasNextPage } } }"
    )
    assert body["data"]["kiosks"] == {
        "totalCount": 2, "nodes": [{"location": "Mal Pelayanan Publik"}], "pageInfo": {"hasNextPage": True},
    }
    # and reaches them from the related model
    body = await kominfo('{ regencies(filter: {code: {eq: "32.16"}}) { nodes { kiosks { location } } } }')
    assert body["data"]["regencies"]["nodes"] == [{"kiosks": [{"location": "Alun-alun"}]}]
    # and updates, reads and deletes one
    kiosk_id = made[2]["id"]
    body = await kominfo('mutation($id: ID!) { updateKiosk(id: $id, input: {screens: 3}) { screens } }', {"id": kiosk_id})
    assert body["data"]["updateKiosk"] == {"screens": 3}
    body = await kominfo('query($id: ID!) { kiosk(id: $id) { location } }', {"id": kiosk_id})
    assert body["data"]["kiosk"] == {"location": "Alun-alun"}
    body = await kominfo('mutation($id: ID!) { deleteKiosk(id: $id) }', {"id": kiosk_id})
    assert body["data"]["deleteKiosk"] == kiosk_id


async def test_a_model_without_policy_rows_is_invisible_to_staff(world, kiosk_api):
    body = await kiosk_api("staff.karawang")("{ kiosks { totalCount } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await kiosk_api("anonymous")("{ kiosks { totalCount } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
