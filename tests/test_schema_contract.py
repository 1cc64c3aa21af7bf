"""The generated schema keeps the contract's names, and any change to it shows in review."""
import os
from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl

from models.registry import registry_from_modules
from schema.builder import build_schema

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
CONTRACT_MODELS = {"Regency": "regencies", "App": "apps", "Agreement": "agreements", "Complaint": "complaints"}


@pytest.fixture(scope="module")
def sdl() -> str:
    return build_schema(registry_from_modules(["models"])).as_str() + "\n"


def test_sdl_matches_the_committed_snapshot(sdl):
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(sdl)
    assert SNAPSHOT.read_text() == sdl, "The API changed: review it, then run UPDATE_SNAPSHOTS=1 make test"


def test_every_model_has_the_contract_operations_and_types(sdl):
    schema = parse_sdl(sdl)
    query, mutation = schema.query_type.fields, schema.mutation_type.fields
    for model, plural in CONTRACT_MODELS.items():
        singular = model[0].lower() + model[1:]
        for suffix in ("", "Filter", "Order", "Connection", "Edge", "CreateInput", "UpdateInput"):
            assert f"{model}{suffix}" in schema.type_map, f"{model}{suffix}"
        assert set(query[plural].args) >= {"filter", "orderBy", "first", "after"}
        assert str(query[plural].type) == f"{model}Connection!"
        assert str(query[singular].type) == model and str(query[singular].args["id"].type) == "ID!"
        assert str(mutation[f"create{model}"].args["input"].type) == f"{model}CreateInput!"
        assert str(mutation[f"create{model}"].type) == f"{model}!"
        assert set(mutation[f"update{model}"].args) == {"id", "input"}
        assert str(mutation[f"delete{model}"].type) == "ID!"
        connection = schema.type_map[f"{model}Connection"].fields
        assert str(connection["totalCount"].type) == "Int!"
        assert str(connection["nodes"].type) == f"[{model}!]!"
        assert str(connection["edges"].type) == f"[{model}Edge!]!"
        filter_fields = schema.type_map[f"{model}Filter"].fields
        assert {"id", "and", "or", "not"} <= set(filter_fields)
        assert "id" in schema.type_map[f"{model}Order"].fields
    assert set(schema.type_map["PageInfo"].fields) == {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    assert set(schema.type_map["SortDirection"].values) == {"ASC", "DESC"}
    assert set(schema.type_map["StringFilter"].fields) == {
        "eq", "ne", "in", "notIn", "lt", "lte", "gt", "gte", "isNull", "contains", "icontains", "startsWith"
    }


def test_contract_filter_and_order_fields(sdl):
    schema = parse_sdl(sdl)
    assert "code" in schema.type_map["RegencyFilter"].fields and "code" in schema.type_map["RegencyOrder"].fields
    assert "name" in schema.type_map["AppFilter"].fields and "name" in schema.type_map["AppOrder"].fields
    assert {"kind", "status"} <= set(schema.type_map["AgreementFilter"].fields)
    assert {"kind", "status"} <= set(schema.type_map["AgreementOrder"].fields)
    assert {"trackingCode", "status", "regency", "app", "createdAt"} <= set(schema.type_map["ComplaintFilter"].fields)
    assert {"trackingCode", "status", "createdAt"} <= set(schema.type_map["ComplaintOrder"].fields)
    assert str(schema.type_map["ComplaintFilter"].fields["regency"].type) == "RegencyFilter"


def test_contract_fields_and_enums(sdl):
    schema = parse_sdl(sdl)
    fields = lambda name: set(schema.type_map[name].fields)  # noqa: E731
    assert fields("Regency") >= {"id", "code", "name", "kind", "province", "isProvider"}
    assert fields("App") >= {"id", "name", "slug", "category", "description", "ownerUnit", "platform", "status", "url", "launchedOn"}
    assert fields("Agreement") >= {"id", "number", "kind", "title", "regency", "provider", "parent", "signedOn", "validUntil", "status", "apps"}
    assert fields("Complaint") >= {
        "id", "trackingCode", "regency", "app", "title", "body", "category", "reporterName", "reporterContact",
        "status", "createdAt", "updatedAt", "resolvedAt", "dueAt",
    }
    assert "passwordHash" not in sdl and "password_hash" not in sdl
    assert set(schema.type_map["ComplaintStatus"].values) == {"RECEIVED", "VERIFIED", "IN_PROGRESS", "RESOLVED", "CLOSED", "REJECTED"}
    assert set(schema.type_map["AgreementStatus"].values) == {"DRAFT", "SIGNED", "ACTIVE", "EXPIRED", "TERMINATED"}
    assert set(schema.type_map["AgreementKind"].values) == {"MOU", "PKS"}
    assert set(schema.type_map["RegencyKind"].values) == {"KABUPATEN", "KOTA"}


def test_domain_operations(sdl):
    schema = parse_sdl(sdl)
    query, mutation = schema.query_type.fields, schema.mutation_type.fields
    assert str(mutation["login"].type) == "LoginPayload!"
    assert set(mutation["login"].args) == {"username", "password"}
    assert str(query["me"].type) == "User"
    assert str(mutation["submitComplaint"].args["input"].type) == "SubmitComplaintInput!"
    assert str(mutation["submitComplaint"].type) == "ComplaintReceipt!"
    assert str(query["trackComplaint"].type) == "ComplaintTracking"
    assert str(mutation["transitionComplaint"].type) == "Complaint!"
    assert set(mutation["transitionComplaint"].args) == {"id", "to", "note"}
    assert set(schema.type_map["SubmitComplaintInput"].fields) >= {
        "regencyCode", "appId", "title", "body", "category", "reporterName", "reporterContact"
    }
    assert set(schema.type_map["ComplaintTracking"].fields) == {"trackingCode", "status", "regency", "app", "dueAt", "history"}
    assert set(schema.type_map["ComplaintReceipt"].fields) == {"trackingCode", "status", "dueAt"}
    assert "complaintUpdated" in schema.subscription_type.fields


async def test_sdl_and_graphiql_are_served(http, sdl):
    response = await http.get("/graphql/schema.graphql")
    assert response.status_code == 200 and response.text == sdl
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
