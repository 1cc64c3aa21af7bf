"""Malformed and hostile requests get a GraphQL-shaped error with a code, never a bare 500 or plain text."""
from __future__ import annotations

import json

import pytest

JSON = "application/json"
QUERY = json.dumps({"query": "{ __typename }"}).encode()


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


MALFORMED = [
    # (name, raw body, content type, HTTP status, words the message must hold)
    ("json null", b"null", JSON, 400, "JSON object"),
    ("json string", b'"{ __typename }"', JSON, 400, "JSON object"),
    ("batch array", b'[{"query": "{ __typename }"}]', JSON, 400, "Batched requests are not supported"),
    ("invalid utf-8", b'{"query": "\xff"}', JSON, 400, "not valid UTF-8"),
    ("json nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, JSON, 400, "nested deeper than"),
    ("variables nested too deep", body(query="{ __typename }", variables={"v": json.loads("[" * 40 + "]" * 40)}), JSON, 400, "nested deeper than"),
    ("empty body", b"", JSON, 400, "empty"),
    ("not json", b"hello", JSON, 400, "not valid JSON"),
    ("wrong content type", QUERY, "text/plain", 400, "Content-Type: application/json"),
    ("form content type", b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 400, "Content-Type"),
    ("query not a string", body(query=5), JSON, 400, '"query" must be a string'),
    ("no query", body(variables={}), JSON, 400, 'no "query"'),
    ("variables not an object", body(query="{ __typename }", variables=[1]), JSON, 400, '"variables" must be an object'),
    ("operationName not a string", body(query="{ __typename }", operationName=7), JSON, 400, '"operationName" must be a string'),
    ("unknown operationName", body(query="query A { __typename }", operationName="B"), JSON, 400, 'Unknown operation named "B"'),
    ("NUL in a variable", body(query="query($s: String) { apps(search: $s) { totalCount } }", variables={"s": "a\u0000b"}), JSON, 400, "NUL"),
]


@pytest.mark.parametrize("name, raw, content_type, status, words", MALFORMED, ids=[c[0] for c in MALFORMED])
async def test_a_malformed_body_gets_a_coded_graphql_error(http, name, raw, content_type, status, words):
    response = await http.post("/graphql", content=raw, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert words in errors[0]["message"]
    assert "Traceback" not in response.text


async def test_a_lone_surrogate_in_a_variable_is_refused(http):
    # json.dumps would escape it as "\udfff"; a client can send exactly that escape.
    raw = b'{"query": "query($s: String) { apps(search: $s) { totalCount } }", "variables": {"s": "\\udfff"}}'
    response = await http.post("/graphql", content=raw, headers={"content-type": JSON})
    assert response.status_code == 400
    assert "surrogate" in response.json()["errors"][0]["message"]


async def test_a_body_over_the_limit_is_413_before_it_is_read_whole(http):
    from core.settings import get_settings

    limit = get_settings().max_body_bytes
    big = body(query="{ __typename }", variables={"pad": "x" * limit})
    response = await http.post("/graphql", content=big, headers={"content-type": JSON})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


DOCUMENT_ERRORS = [
    ("two operations and no operationName", {"query": "query A { __typename } query B { __typename }"}, "say which to run"),
    ("a subscription over HTTP", {"query": 'subscription { complaintUpdated(trackingCode: "x") { status } }'}, "WebSocket"),
    ("an integer literal of 100,000 digits", {"query": "{ apps(first: %s) { totalCount } }" % ("9" * 100_000)}, "at most 20 digits"),
    ("a NUL in a string literal", {"query": '{ apps(search: "a\\u0000b") { totalCount } }'}, "NUL"),
    ("a lone surrogate in a string literal", {"query": '{ apps(search: "\\udfff") { totalCount } }'}, "Invalid Unicode"),
]


@pytest.mark.parametrize("name, payload, words", DOCUMENT_ERRORS, ids=[c[0] for c in DOCUMENT_ERRORS])
async def test_a_refused_document_is_bad_user_input(gql, name, payload, words):
    response = await gql.http.post("/graphql", json=payload)
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], errors
    assert words in errors[0]["message"]
    assert "Python" not in errors[0]["message"] and "sys." not in errors[0]["message"]


async def test_two_operations_run_the_one_named(gql):
    response = await gql.http.post(
        "/graphql", json={"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}
    )
    assert response.json() == {"data": {"b": "Query"}}


async def test_a_deeply_nested_introspection_query_is_refused(gql):
    nested = "name"
    for _ in range(25):
        nested = f"fields {{ type {{ {nested} }} }}"
    body = await gql("{ __schema { types { %s } } }" % nested)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in body or body["data"] is None


async def test_graphiql_still_introspects(gql):
    body = await gql("{ __schema { queryType { name } types { name fields { name type { name ofType { name } } } } } }")
    assert body["data"]["__schema"]["queryType"] == {"name": "Query"}
