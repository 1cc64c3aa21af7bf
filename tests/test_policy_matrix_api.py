"""Every model × operation × caller × regency (× published or not), through the real GraphQL API.

The cases are generated from the model registry (the test-only models
included) and the callers of tests/roles.py; the expectations come from its
oracle, which reads the grants the models declare. A model that declares no
grant gets default deny for staff and the public.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from models import Regency
from models.registry import camel
from permissions.management import roles_of
from tests.factory import create_input, make_row, publication_variants, update_input
from tests.roles import CALLER, CALLERS, ROLES, RowFacts, denied_code, oracle

ORACLE = oracle()
REGISTRY = ORACLE.registry
OPERATIONS = ("list", "get", "create", "update", "delete")
REGENCIES = ("32.15", "32.16")


@dataclass(frozen=True)
class Case:
    model: str
    operation: str
    caller: str
    #: The regency of the row the operation acts on.
    regency: str
    #: The row is published (True), not (False), or the model publishes every row (None).
    published: bool | None

    def __str__(self) -> str:
        tail = {True: "-published", False: "-unpublished", None: ""}[self.published]
        return f"{self.model}-{self.operation}-{self.caller}-{self.regency}{tail}"


CASES = [
    Case(spec.name, op, caller.name, regency, published)
    for spec in REGISTRY
    for op in OPERATIONS
    if spec.declaration.allows(op)
    for caller in CALLERS
    for regency in REGENCIES
    # A new row is as the factory builds it; existing rows come published and not.
    for published in ((None,) if op == "create" else publication_variants(spec))
]


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def personal_selection(spec) -> str:
    return " ".join(camel(name) for name in spec.declaration.personal)


async def shown_rows(spec, caller, nodes: list[dict]) -> None:
    """Each node's personal fields read as the oracle says: the value, or null without an error."""
    facts = await ORACLE.facts(spec)
    rows = {str(row.pk): row for row in await spec.model.filter(pk__in=[n["id"] for n in nodes])}
    for node in nodes:
        want = ORACLE.shown_personal(caller, spec, rows[node["id"]], facts[rows[node["id"]].pk])
        assert {k: node[k] for k in want} == want, (caller.name, node)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_policy_matrix(case: Case, world, callers, api):
    spec = REGISTRY[case.model]
    caller = CALLER[case.caller]
    regency = await Regency.get(code=case.regency)
    client = api(caller.name)

    if case.operation == "create":
        # Given a valid input for a row in the chosen regency
        before = await spec.model.all().count()
        variables = {"input": await create_input(spec, regency)}
        new_regency = variables["input"].get("code") if spec.declaration.regency_path == "code" else regency.code
        facts = RowFacts(None, new_regency if spec.declaration.regency_path else None, published_input(spec, variables["input"]))
        want = ORACLE.api_outcome(caller, spec, "create", facts)
        body = await client(
            f"mutation($input: {spec.name}CreateInput!) {{ create{spec.name}(input: $input) {{ id }} }}", variables
        )
        if want == "ok":
            assert "errors" not in body, body
            assert await spec.model.all().count() == before + 1
        else:
            assert error_codes(body) == [want], body
            assert await spec.model.all().count() == before
        return

    # Given a row of this model in the chosen regency, published or not
    row = await make_row(spec, regency, case.published)
    facts = (await ORACLE.facts(spec))[row.pk]
    assert case.published in (None, facts.published)
    want = ORACLE.api_outcome(caller, spec, case.operation, facts)
    row_id = str(row.pk)
    personal = personal_selection(spec)

    if case.operation == "list":
        body = await client(f"{{ {spec.plural}(first: 100) {{ totalCount nodes {{ id {personal} }} }} }}")
        if want in ("ok", "hidden"):
            nodes = body["data"][spec.plural]["nodes"]
            ids = [n["id"] for n in nodes]
            assert (row_id in ids) == (want == "ok"), body
            # and the page is exactly the rows the caller may read, counted right
            assert set(ids) == {str(pk) for pk in await ORACLE.rows(caller, spec, "read")}
            assert body["data"][spec.plural]["totalCount"] == len(ids)
            await shown_rows(spec, caller, nodes)
        else:
            assert error_codes(body) == [want] and body["data"] is None
    elif case.operation == "get":
        body = await client(f"query($id: ID!) {{ {spec.singular}(id: $id) {{ id {personal} }} }}", {"id": row_id})
        if want in ("ok", "hidden"):
            assert "errors" not in body, body
            node = body["data"][spec.singular]
            if want == "ok":
                assert node["id"] == row_id
                await shown_rows(spec, caller, [node])
            else:
                assert node is None
        else:
            assert error_codes(body) == [want]
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
            # a row other rows still point at may refuse to go (BAD_USER_INPUT), never for lack of permission
            assert "errors" not in body or error_codes(body) == ["BAD_USER_INPUT"], body
            if "errors" not in body:
                assert not exists
        else:
            assert error_codes(body) == [want], body
            assert exists


def published_input(spec, values: dict) -> bool:
    """Would a row made from these create-input values be published? (the declared rule's simple lookups)"""
    rule = spec.declaration.published
    if rule is None:
        return True
    for key, target in rule.items():
        name, _, lookup = key.partition("__")
        value = values.get(camel(name), spec.model._meta.fields_map[name].default)
        listed = [getattr(t, "value", t) for t in (target if lookup in ("in", "not_in") else [target])]
        inside = getattr(value, "value", value) in listed
        if inside != (lookup in ("", "in")):
            return False
    return True


def test_matrix_covers_every_model_caller_and_operation():
    assert {c.model for c in CASES} == set(REGISTRY.names()) >= {"Regency", "App", "Agreement", "Complaint"}
    assert {c.caller for c in CASES} == set(CALLER)
    assert {c.operation for c in CASES} == set(OPERATIONS)
    published = {c.published for c in CASES if REGISTRY[c.model].declaration.published is not None and c.operation != "create"}
    assert published == {True, False}
    # every caller but Kominfo meets denied cases, and every caller allowed ones
    for caller in CALLERS:
        outcomes = {ORACLE.api_outcome(caller, REGISTRY[c.model], c.operation, RowFacts(None, c.regency, True)) for c in CASES}
        assert "ok" in outcomes
        assert (denied_code(caller) in outcomes) is (caller.name != "kominfo")


async def test_the_world_signs_in_the_callers_of_tests_roles(world, callers):
    """tests/world.py creates the demo users; their roles must be the ones tests/roles.py describes."""
    for caller in CALLERS:
        if not caller.anonymous:
            assert await roles_of(caller.name) == [(caller.role, domain) for domain in caller.domains], caller.name
    assert set(ROLES) <= set(callers)
