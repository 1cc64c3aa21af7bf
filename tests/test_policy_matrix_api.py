"""Every model × operation × role × own/other regency, through the real GraphQL API.

The cases are generated from the model registry (including the test-only Kiosk),
and the expectations from the role table below, which restates the contract's
roles. A model the table does not name gets default deny for staff and public.
"""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from models.registry import camel, registry_from_modules
from tests.conftest import TEST_MODEL_MODULES, GraphQLClient
from tests.factory import create_input, make_row, update_input

REGISTRY = registry_from_modules(list(TEST_MODEL_MODULES))

# Row scopes a grant can have.
ALL, OWN, PUBLISHED = "all", "own", "published"

#: The contract's roles. Staff also hold everything the public holds.
PUBLIC_GRANTS = {
    "Regency": {"read": {ALL}},
    "App": {"read": {ALL}},
    "Agreement": {"read": {PUBLISHED}},
}
STAFF_GRANTS = {
    "Complaint": {"read": {OWN}, "create": {OWN}, "update": {OWN}},
    "Agreement": {"read": {OWN}},
}
OPERATIONS = ("list", "get", "create", "update", "delete")
ROLES = {"kominfo": None, "staff.karawang": "32.15", "staff.bekasi": "32.16", "anonymous": None}


def scopes(role: str, model: str, action: str) -> set[str]:
    if role == "kominfo":
        return {ALL}
    granted = set(PUBLIC_GRANTS.get(model, {}).get(action, set()))
    if role.startswith("staff."):
        granted |= STAFF_GRANTS.get(model, {}).get(action, set())
    return granted


def denied_code(role: str) -> str:
    return "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"


@dataclass(frozen=True)
class Case:
    model: str
    operation: str
    role: str
    where: str  # "own" = Karawang's row, "other" = Bekasi's row (from staff.karawang's point of view)

    def __str__(self) -> str:
        return f"{self.model}-{self.operation}-{self.role}-{self.where}"


CASES = [
    Case(spec.name, op, role, where)
    for spec in REGISTRY
    for op in OPERATIONS
    if spec.declaration.allows(op)
    for role in ROLES
    for where in ("karawang", "bekasi")
]


def row_visible(role: str, model: str, action: str, row_regency: str | None, published: bool) -> bool:
    granted = scopes(role, model, action)
    if ALL in granted:
        return True
    if PUBLISHED in granted and published:
        return True
    return OWN in granted and row_regency is not None and row_regency == ROLES[role]


def expected(case: Case, row_regency: str | None, published: bool) -> str:
    """"ok", "hidden" (absent from reads) or an error code."""
    action = {"list": "read", "get": "read"}.get(case.operation, case.operation)
    if not scopes(case.role, case.model, action):
        return denied_code(case.role)
    visible = row_visible(case.role, case.model, action, row_regency, published)
    if case.operation in ("list", "get"):
        return "ok" if visible else "hidden"
    if case.operation == "create":
        return "ok" if visible else "FORBIDDEN"
    return "ok" if visible else "NOT_FOUND"


@pytest.fixture
async def api(database, tokens):
    from server.app import create_app

    app = create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield lambda role: GraphQLClient(http, tokens[role])


def is_published(spec, row) -> bool:
    rule = spec.declaration.published
    if rule is None:
        return True
    for key, value in rule.items():
        name, _, op = key.partition("__")
        current = getattr(row, name)
        if (op == "not" and current == value) or (op == "" and current != value):
            return False
    return True


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_policy_matrix(case: Case, world, api):
    spec = REGISTRY[case.model]
    regency = world.karawang if case.where == "karawang" else world.bekasi
    client = api(case.role)
    # Given a row of this model in the chosen regency
    row = await make_row(spec, regency)
    row_regency = regency.code if spec.declaration.regency_path else None
    want = expected(case, row_regency, is_published(spec, row))
    row_id = str(row.pk)

    if case.operation == "list":
        body = await client(f"{{ {spec.plural}(first: 100) {{ totalCount nodes {{ id }} }} }}")
        if want in ("ok", "hidden"):
            ids = [n["id"] for n in body["data"][spec.plural]["nodes"]]
            assert (row_id in ids) == (want == "ok"), body
            assert body["data"][spec.plural]["totalCount"] == len(ids)
        else:
            assert error_codes(body) == [want] and body["data"] is None
    elif case.operation == "get":
        body = await client(f"query($id: ID!) {{ {spec.singular}(id: $id) {{ id }} }}", {"id": row_id})
        if want in ("ok", "hidden"):
            assert "errors" not in body, body
            assert body["data"][spec.singular] == ({"id": row_id} if want == "ok" else None)
        else:
            assert error_codes(body) == [want]
    elif case.operation == "create":
        before = await spec.model.all().count()
        variables = {"input": await create_input(spec, regency)}
        body = await client(
            f"mutation($input: {spec.name}CreateInput!) {{ create{spec.name}(input: $input) {{ id }} }}", variables
        )
        if want == "ok":
            assert "errors" not in body, body
            assert await spec.model.all().count() == before + 1
        else:
            assert error_codes(body) == [want], body
            assert await spec.model.all().count() == before
    elif case.operation == "update":
        change = update_input(spec)
        body = await client(
            f"mutation($id: ID!, $input: {spec.name}UpdateInput!) {{ update{spec.name}(id: $id, input: $input) {{ id }} }}",
            {"id": row_id, "input": change},
        )
        await row.refresh_from_db()
        field = next(iter(change))
        changed = getattr(row, [f.name for f in spec.writable_scalars() if camel(f.name) == field][0]) == change[field]
        if want == "ok":
            assert "errors" not in body, body
            assert changed
        else:
            assert error_codes(body) == [want], body
            assert not changed
    else:
        body = await client(f"mutation($id: ID!) {{ delete{spec.name}(id: $id) }}", {"id": row_id})
        exists = await spec.model.filter(pk=row.pk).exists()
        if want == "ok":
            assert "errors" not in body or error_codes(body) == ["BAD_USER_INPUT"], body
            if "errors" not in body:
                assert not exists
        else:
            assert error_codes(body) == [want], body
            assert exists


def test_matrix_covers_every_model_role_and_operation():
    assert {c.model for c in CASES} == set(REGISTRY.names()) >= {"Regency", "App", "Agreement", "Complaint", "Kiosk"}
    assert {c.role for c in CASES} == set(ROLES)
    assert {c.operation for c in CASES} == set(OPERATIONS)
