"""A document is parsed and validated once (schema/document_cache.py); every limit still applies to every request.

Run on the app whose reads Strawberry answers (``off``): the compiled path keeps its own cache.
"""
from __future__ import annotations

import pytest

from schema import document_cache

PAGE = "{ complaints(first: 5) { nodes { trackingCode regency { name } } } }"
TWO_OPERATIONS = "query A { apps(first: 1) { nodes { name } } } query B { regencies(first: 1) { nodes { name } } }"


@pytest.fixture(autouse=True)
def empty_cache():
    document_cache.forget_all()
    yield
    document_cache.forget_all()


def _deeper_than_ten() -> str:
    """complaints > nodes > regency > agreements > regency > ... : 12 levels, one row each."""
    inner = "name"
    for _ in range(5):
        inner = f"regency {{ agreements(first: 1) {{ {inner} }} }}"
    return f"{{ complaints(first: 1) {{ nodes {{ {inner} }} }} }}"


def _runs() -> dict[str, int]:
    return dict(document_cache.counts)


def _since(before: dict[str, int]) -> dict[str, int]:
    return {name: document_cache.counts[name] - before[name] for name in before}


def _messages(body: dict) -> list[str]:
    return [error["message"] for error in body.get("errors") or []]


async def test_the_same_document_twice_is_parsed_and_validated_once(off, world):
    client = off("staff.karawang")
    before = _runs()
    first = await client(PAGE)
    second = await client(PAGE)
    assert "errors" not in first and second == first
    assert _since(before) == {"parsed": 1, "validated": 1, "reused": 1}


@pytest.mark.parametrize(
    "document, says",
    [
        # deeper than 10 levels (QueryDepthLimiter)
        (_deeper_than_ten(), "exceeds maximum operation depth"),
        # more than 100,000 rows in the worst case (the cost rule)
        ("{ regencies(first: 100) { nodes { complaints(first: 100) { history(first: 100) { note } } } } }", "rows; the limit is"),
        # more than 30 aliases
        ("{ " + " ".join(f"a{n}: apps(first: 1) {{ totalCount }}" for n in range(31)) + " }", "aliases"),
        # more than 2,000 tokens
        ("{ apps(first: 1) { nodes { " + "name " * 2100 + "} } }", "tokens"),
        # an integer literal of more than 20 digits (DocumentRules, before validation)
        ("{ apps(first: 123456789012345678901) { totalCount } }", "at most 20 digits"),
        # a field the schema does not have (graphql-core's own rules)
        ("{ apps { nodes { nameOfTheApp } } }", "Cannot query field"),
    ],
    ids=["depth", "cost", "aliases", "tokens", "literal", "unknown-field"],
)
async def test_a_document_over_a_limit_is_refused_every_time(off, world, document, says):
    client = off("staff.karawang")
    first = await client(document)
    second = await client(document)
    assert any(says in message for message in _messages(first)), first
    assert _messages(second) == _messages(first)
    assert [e["extensions"]["code"] for e in second["errors"]] == ["BAD_USER_INPUT"] * len(second["errors"])
    assert "data" not in second or not second["data"]


async def test_the_choice_of_operation_is_checked_per_request(off, world):
    # Given a document of two operations, run once with operationName (and remembered as valid)
    http = off("anonymous").http
    named = await http.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "B"})
    assert named.json()["data"]["regencies"] is not None
    # When the same text comes again without operationName
    unnamed = await http.post("/graphql", json={"query": TWO_OPERATIONS})
    # Then it is refused, as it would have been the first time
    assert unnamed.status_code == 400 or _messages(unnamed.json())
    assert "say which to run with operationName" in " ".join(_messages(unnamed.json()))
    # And with the other name it runs the other operation
    other = await http.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "A"})
    assert other.json()["data"]["apps"] is not None


async def test_a_subscription_over_http_is_refused_even_once_remembered(off, world):
    http = off("anonymous").http
    document = "subscription { complaintUpdated(trackingCode: \"ADU-3215-2026-000001-K7QX9M\") { status } }"
    for _ in range(2):
        response = await http.post("/graphql", json={"query": document})
        assert "over a WebSocket" in " ".join(_messages(response.json())), response.text


async def test_a_document_is_valid_only_for_the_schema_it_was_checked_on(off, as_role, world):
    # Given a query of a test-only model, valid on an app that has it
    document = "{ noticeboards(first: 1) { totalCount } }"
    assert "errors" not in await off("kominfo")(document)
    # Then the product's app (its models only) still refuses it: the remembered document belongs to the other schema
    assert "Cannot query field 'noticeboards'" in " ".join(_messages(await as_role("kominfo")(document)))


async def test_memory_is_bounded(off, world, monkeypatch):
    # By the number of documents
    monkeypatch.setattr(document_cache, "_store", document_cache._Store(3))
    client = off("anonymous")
    for n in range(1, 6):
        await client(f"{{ apps(first: {n}) {{ totalCount }} }}")
    assert len(document_cache._store) == 3
    # and by their text together: two documents of 34 characters in 70, three in 110
    for budget, kept in ((70, 2), (110, 3)):
        monkeypatch.setattr(document_cache, "_store", document_cache._Store(10, total_chars=budget))
        for n in range(11, 16):
            await client(f"{{ apps(first: {n}) {{ totalCount }} }}")
        assert len(document_cache._store) == kept
