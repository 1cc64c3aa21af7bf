"""Requests at and beyond every limit are refused cleanly (BAD_USER_INPUT), and reads that cannot match return nothing."""
from __future__ import annotations

import json

import pytest

from core.settings import get_settings

APPS = "query($f: AppFilter, $s: String) { apps(filter: $f, search: $s) { totalCount } }"
COMPLAINTS = "query($f: ComplaintFilter) { complaints(filter: $f) { totalCount } }"


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_an_or_with_20000_branches_is_refused_before_any_sql(http):
    branches = [{"name": {"eq": f"app {n}"}} for n in range(20_000)]
    response = await http.post("/graphql", json={"query": APPS, "variables": {"f": {"or": branches}}})
    assert response.status_code == 400
    assert "more than" in response.json()["errors"][0]["message"]


async def test_a_filter_over_the_node_limit_is_refused(gql, world):
    limit = get_settings().max_filter_nodes
    body = await gql(APPS, {"f": {"or": [{"name": {"eq": "x"}}] * limit}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert f"more than {limit} conditions" in body["errors"][0]["message"]


async def test_or_with_946_branches_is_an_error_not_a_crash(gql, world):
    body = await gql(APPS, {"f": {"or": [{"slug": {"eq": "laksa"}}] * 946}})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_not_nested_89_deep_is_refused(gql, world):
    nested = {"name": {"eq": "x"}}
    for _ in range(89):
        nested = {"not": nested}
    body = await gql(APPS, {"f": nested})
    assert codes(body) == ["BAD_USER_INPUT"]
    literal = '{ apps(filter: %s) { totalCount } }' % ("{not: " * 89 + '{name: {eq: "x"}}' + "}" * 89)
    body = await gql(literal)
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_an_in_list_over_the_limit_is_refused(gql, world):
    body = await gql(APPS, {"f": {"id": {"in": [str(n) for n in range(1, get_settings().max_in_values + 2)]}}})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_100000_ids_are_refused_by_the_variables_limit(http):
    variables = {"f": {"id": {"in": [str(n) for n in range(1, 100_001)]}}}
    response = await http.post("/graphql", json={"query": APPS, "variables": variables})
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["x" * 60_000, "laksa" * 100])
async def test_a_search_longer_than_the_limit_is_refused(gql, world, text):
    body = await gql(APPS, {"s": text})
    assert codes(body) == ["BAD_USER_INPUT"]
    body = await gql(APPS, {"f": {"description": {"contains": text}}})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_a_value_longer_than_its_column_matches_nothing(as_role, world):
    kominfo = as_role("kominfo")
    code = world.complaints["32.15"][0].tracking_code
    too_long = code + "X" * 200
    for where, expected in (
        ({"trackingCode": {"eq": too_long}}, 0),
        ({"trackingCode": {"in": [too_long, code]}}, 1),
        ({"trackingCode": {"in": [too_long]}}, 0),
        ({"trackingCode": {"ne": too_long}}, 6),
        ({"trackingCode": {"notIn": [too_long]}}, 6),
        ({"trackingCode": {"contains": code + "X" * 40}}, 0),
        ({"trackingCode": {"startsWith": code + "X" * 40}}, 0),
    ):
        body = await kominfo(COMPLAINTS, {"f": where})
        assert "errors" not in body, (where, body)
        assert body["data"]["complaints"]["totalCount"] == expected, where


async def test_limits_are_settings():
    from core.settings import SettingsError, load_settings

    settings = load_settings({"PLATFORM_ENV": "development", "MAX_BODY_BYTES": "2048", "MAX_FILTER_NODES": "10"})
    assert (settings.max_body_bytes, settings.max_filter_nodes) == (2048, 10)
    with pytest.raises(SettingsError):
        load_settings({"PLATFORM_ENV": "development", "MAX_IN_VALUES": "-1"})
    assert load_settings({"PLATFORM_ENV": "development", "GRAPHQL_INTROSPECTION": "off"}).introspection is False


def test_the_body_limit_counts_the_whole_request():
    assert len(json.dumps({"query": APPS, "variables": {"s": "x" * get_settings().max_body_bytes}})) > get_settings().max_body_bytes


async def test_every_write_path_keeps_the_same_text_limit(as_role, world):
    # submitComplaint caps the report at 5,000 characters; the generic update must not be a way around it
    # (for an administrator, the one caller who may still correct a report's text).
    complaint = world.complaints["32.15"][0]
    update = 'mutation($id: ID!, $i: ComplaintUpdateInput!) { updateComplaint(id: $id, input: $i) { id } }'
    for caller in ("staff.karawang", "kominfo"):
        body = await as_role(caller)(update, {"id": str(complaint.pk), "i": {"body": "x" * 5_001}})
        assert codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["extensions"]["field"] == "body"
        assert "5000" in body["errors"][0]["message"]
    body = await as_role("kominfo")(update, {"id": str(complaint.pk), "i": {"body": "x" * 5_000}})
    assert "errors" not in body


@pytest.mark.parametrize("raw", ["\uff11", "1_0", " 1", "+1", "01", "1.0", "١"])
async def test_only_canonical_ascii_ids_name_a_row(as_role, world, raw):
    app = world.apps[0]
    assert str(app.pk) == "1"
    kominfo = as_role("kominfo")
    body = await kominfo('query($id: ID!) { app(id: $id) { name } }', {"id": raw})
    assert body == {"data": {"app": None}}
    body = await kominfo('mutation($id: ID!) { updateApp(id: $id, input: {name: "X"}) { name } }', {"id": raw})
    assert codes(body) == ["NOT_FOUND"]
    body = await kominfo('query($f: AppFilter) { apps(filter: $f) { totalCount } }', {"f": {"id": {"eq": raw}}})
    assert codes(body) == ["BAD_USER_INPUT"]
