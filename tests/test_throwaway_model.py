"""A new model is one declaration: tests/throwaway_models.py declares Kiosk and Noticeboard, and nothing else names them.

Kiosk's grants, published rule and personal field are covered by the generated
permission tests (their oracle is tests/roles.py); here, the rest of what a
declaration gives, and default deny for a model that declares no grant.
"""
import subprocess
from pathlib import Path

import pytest

from tests.factory import make_row
from tests.roles import CALLERS, denied_code, oracle

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = oracle().registry
#: The test-only models (tests/throwaway_models.py), by name.
THROWAWAY = [spec.name for spec in REGISTRY if spec.model.__module__ == "tests.throwaway_models"]
#: Declared models that grant nothing to anyone: only Kominfo's `*` rule reaches them.
UNGRANTED = [spec.name for spec in REGISTRY if not spec.declaration.grants]


def test_no_product_file_names_the_throwaway_models():
    assert {"Kiosk", "Noticeboard"} <= set(THROWAWAY)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    mentions = [
        (path, name) for path in tracked
        if not path.startswith("tests/") and (ROOT / path).is_file()
        for name in THROWAWAY
        if name.lower() in (ROOT / path).read_text(errors="ignore").lower()
    ]
    assert mentions == []


async def test_declared_model_gets_a_full_working_api(world, api):
    kominfo = api("kominfo")
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


@pytest.mark.parametrize("model", UNGRANTED)
async def test_a_model_without_grants_is_invisible_to_staff_and_public(world, callers, api, model):
    """Default deny, asked of the API directly: no list, no single read, nothing nested, for all but Kominfo."""
    spec = REGISTRY[model]
    rows = [await make_row(spec, regency) for regency in (world.karawang, world.bekasi)]
    row_id = str(rows[0].pk)
    related = [r for r in REGISTRY["Regency"].relations.values() if r.target == model and r.many]
    nested = " ".join(f"{r.graphql_name} {{ id }}" for r in related)
    for caller in CALLERS:
        client = api(caller.name)
        listed = await client(f"{{ {spec.plural} {{ totalCount }} }}")
        single = await client(f"query($id: ID!) {{ {spec.singular}(id: $id) {{ id }} }}", {"id": row_id})
        if caller.name == "kominfo":
            assert listed["data"][spec.plural]["totalCount"] >= len(rows), listed
            assert single["data"][spec.singular] == {"id": row_id}
            continue
        for body in (listed, single):
            assert [e["extensions"]["code"] for e in body["errors"]] == [denied_code(caller)], (caller.name, body)
        if nested:
            body = await client(f"{{ regencies {{ nodes {{ code {nested} }} }} }}")
            for regency in body["data"]["regencies"]["nodes"]:
                assert all(regency[r.graphql_name] == [] for r in related), (caller.name, regency)
        # and the oracle agrees: nothing for anyone but Kominfo
        assert not any(oracle().allowed(caller, model, action) for action in ("read", "create", "update", "delete"))


def test_a_test_only_model_declares_no_grants():
    assert "Noticeboard" in UNGRANTED
