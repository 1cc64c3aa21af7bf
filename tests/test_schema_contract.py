"""The generated schema keeps the contract's names, describes everything it generates, and any change to it shows in review."""
import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema,
    get_named_type, specified_scalar_types,
)
from graphql import build_schema as parse_sdl

from models.descriptions import article
from models.registry import Registry, camel, registry_from_modules
from schema.builder import build_schema
from tests.conftest import TEST_MODEL_MODULES

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
CONTRACT_MODELS = {"Regency": "regencies", "App": "apps", "Agreement": "agreements", "Complaint": "complaints"}
#: Tortoise's stand-in description of an enum field, one ``NAME: value`` line per member.
ENUM_LISTING = re.compile(r"^\s*(\w+): \1\s*$", re.M)
GENERATED_SUFFIXES = ("", "Filter", "Order", "Connection", "Edge", "CreateInput", "UpdateInput")
#: The operation that owns a generated input; the other types are generated for every model.
GENERATED_BY = {"CreateInput": "create", "UpdateInput": "update"}


@pytest.fixture(scope="module")
def sdl() -> str:
    return build_schema(registry_from_modules(["models"])).as_str() + "\n"


def test_sdl_matches_the_committed_snapshot(sdl):
    assert SNAPSHOT.read_text() == sdl, (
        "The API changed: review the difference, then run `make schema` and commit schema/schema.graphql"
    )


# --- descriptions: what GraphiQL shows a frontend developer ------------------------------------


def registry_roots(schema: GraphQLSchema, registry: Registry) -> list[tuple[str, object]]:
    """(path, field) of the root operations the registry generates, and its generated types by name."""
    roots: list[tuple[str, object]] = []
    for spec in registry:
        generated = {
            "list": (schema.query_type, spec.plural), "get": (schema.query_type, spec.singular),
            **{op: (schema.mutation_type, f"{op}{spec.name}") for op in ("create", "update", "delete")},
        }
        roots += [(f"{root_type.name}.{name}", root_type.fields[name])
                  for op, (root_type, name) in generated.items()
                  if spec.declaration.allows(op) and name in root_type.fields]
        # Inputs of operations a model leaves to a domain service (``User``) are that service's.
        suffixes = [s for s in GENERATED_SUFFIXES if s not in GENERATED_BY or spec.declaration.allows(GENERATED_BY[s])]
        roots += [(f"{spec.name}{suffix}", schema.type_map[f"{spec.name}{suffix}"])
                  for suffix in suffixes if f"{spec.name}{suffix}" in schema.type_map]
    return roots


def registry_descriptions(schema: GraphQLSchema, registry: Registry) -> tuple[list[str], dict[str, str | None]]:
    """(paths without a description, path → description) of every type, field, argument and enum value
    the registry generates, and of every type they lead to (operator inputs, enums, PageInfo...)."""
    described: dict[str, str | None] = {}
    seen: set[str] = set()
    pending = []

    def visit_field(path: str, field) -> None:
        described[path] = field.description
        for name, argument in getattr(field, "args", {}).items():
            described[f"{path}({name})"] = argument.description
            pending.append(get_named_type(argument.type))
        pending.append(get_named_type(field.type))

    for path, root in registry_roots(schema, registry):
        if isinstance(root, (GraphQLObjectType, GraphQLInputObjectType, GraphQLEnumType)):
            pending.append(root)
        else:
            visit_field(path, root)
    while pending:
        named = pending.pop()
        if named.name in seen or named.name in specified_scalar_types:
            continue
        seen.add(named.name)
        described[named.name] = named.description
        if isinstance(named, (GraphQLObjectType, GraphQLInputObjectType, GraphQLInterfaceType)):
            for name, field in named.fields.items():
                visit_field(f"{named.name}.{name}", field)
        elif isinstance(named, GraphQLEnumType):
            # A value's description is welcome, not required; checked for wording when present.
            described.update({f"{named.name}.{name}": value.description
                              for name, value in named.values.items() if value.description})
    missing = [path for path, text in described.items() if not (text or "").strip()]
    return missing, described


def wording_problems(described: dict[str, str | None]) -> list[str]:
    problems = []
    for path, text in described.items():
        if not text:
            continue
        if ENUM_LISTING.search(text):
            problems.append(f"{path}: Tortoise's enum member listing instead of the `#:` comment: {text!r}")
        for word in re.findall(r"\ba (\w+)", text, re.I):
            if article(word) == "an":
                problems.append(f"{path}: 'a {word}' should be 'an {word}': {text!r}")
    return problems


def reverse_relation_problems(schema: GraphQLSchema, registry: Registry) -> list[str]:
    """Reverse relations (``Regency.complaints``, ``App.agreements``) must not repeat their forward field's text."""
    problems = []
    for spec in registry:
        for relation in spec.relations.values():
            if relation.kind == "fk" or (relation.kind == "m2m" and relation.writable):
                continue  # forward fields: their `#:` comment describes them
            target = registry[relation.target]
            forward = next(
                r for r in target.relations.values()
                if r.target == spec.name and (
                    (relation.kind == "reverse_fk" and r.kind == "fk" and r.column == relation.column)
                    or (relation.kind == "m2m" and r.kind == "m2m" and r.writable and r.through == relation.through)
                )
            )
            mine = schema.type_map[spec.name].fields[relation.graphql_name].description or ""
            theirs = schema.type_map[target.name].fields[camel(forward.name)].description or ""
            if theirs and mine.startswith(theirs):
                problems.append(f"{spec.name}.{relation.graphql_name} repeats {target.name}.{camel(forward.name)}: {theirs!r}")
    return problems


def description_problems(schema: GraphQLSchema, registry: Registry) -> list[str]:
    missing, described = registry_descriptions(schema, registry)
    return (
        [f"{path}: no description (write the model's docstring or the field's `#:` comment)" for path in missing]
        + wording_problems(described)
        + reverse_relation_problems(schema, registry)
    )


@pytest.mark.parametrize("modules", [("models",), TEST_MODEL_MODULES], ids=["product", "with-throwaway-model"])
def test_everything_the_registry_generates_is_described(modules):
    """Every type, field and argument generated from a declared model (a model added later too) is described."""
    registry = registry_from_modules(list(modules))
    schema = parse_sdl(build_schema(registry).as_str())
    assert description_problems(schema, registry) == []


def test_the_description_lint_sees_each_kind_of_problem(sdl):
    # Given the product's SDL, spoiled in the three ways the registry used to get wrong
    registry = registry_from_modules(["models"])
    spoiled = (
        sdl.replace('"""`MOU` first, then a `PKS` that lists the apps adopted."""', '"""\n  MOU: MOU\n  PKS: PKS\n  """')
        .replace('"""Create an agreement."""', '"""Create a agreement."""')
        .replace('"""Unique id of the regency."""\n', "", 1)
    )
    spoiled = re.sub(r'"""\n  Complaints whose regency is this regency\.', '"""\n  The regency that must answer.', spoiled)
    # Then each one is reported
    problems = "\n".join(description_problems(parse_sdl(spoiled), registry))
    assert "Agreement.kind: Tortoise's enum member listing" in problems
    assert "Mutation.createAgreement: 'a agreement'" in problems
    assert "Regency.id: no description" in problems
    assert "Regency.complaints repeats Complaint.regency" in problems


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
    # The contract's arguments; `publicNote` (a note for the citizen) is an optional addition.
    assert set(mutation["transitionComplaint"].args) == {"id", "to", "note", "publicNote"}
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
