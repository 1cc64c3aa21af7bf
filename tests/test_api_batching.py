"""Relations load in batches: the statements a query runs depend on its depth, never on its rows."""
import pytest

from models import Complaint
from tests.sql_counter import count_statements


@pytest.fixture
def as_role(off):
    """These tests count the statements of Strawberry's resolvers (the interpreted path, GRAPHQL_COMPILE=off);
    the compiled path's single statement is counted in tests/test_compiled_reads.py."""
    return off

NESTED = """
query {
  complaints(first: 100) {
    nodes {
      trackingCode
      regency { code agreements { number apps { name } } }
      app { name }
    }
  }
}
"""


async def add_complaints(world, per_regency: int) -> None:
    for regency in (world.karawang, world.bekasi):
        await Complaint.bulk_create([
            Complaint(
                tracking_code=f"BAT-{regency.code}-{n:05d}", regency=regency, app=world.apps[n % 3],
                title="Lampu jalan mati", body="Sudah seminggu.", reporter_name="Warga", reporter_contact="0812",
            )
            for n in range(per_regency)
        ])


async def statements_for(client, query: str) -> tuple[list[str], dict]:
    with count_statements() as statements:
        body = await client(query)
    assert "errors" not in body, body["errors"]
    return list(statements), body


@pytest.mark.parametrize("role", ["kominfo", "staff.karawang"])
async def test_nested_list_costs_the_same_for_ten_and_a_hundred_rows(world, as_role, role):
    client = as_role(role)
    # The policy is read once per revision, not per query: let the first request read it.
    await client("{ regencies { totalCount } }")
    # Given a few rows, then many
    few, few_body = await statements_for(client, NESTED)
    await add_complaints(world, per_regency=60)
    many, many_body = await statements_for(client, NESTED)
    # Then the page is full, nested fields are filled, and the statement count did not grow
    nodes = many_body["data"]["complaints"]["nodes"]
    assert len(nodes) >= 60
    assert len(few_body["data"]["complaints"]["nodes"]) < len(nodes)
    assert all(n["regency"]["agreements"] for n in nodes)
    assert all(n["regency"]["agreements"][0]["apps"] for n in nodes)
    assert len(many) == len(few), many
    # list, regency, agreements, agreement-app links, apps, app (+ the caller lookup for a token)
    assert len(many) <= 7, many
    if role == "staff.karawang":
        assert {n["regency"]["code"] for n in nodes} == {"32.15"}


async def test_a_connection_reads_only_what_is_asked_and_the_page_once(world, as_role):
    client = as_role("kominfo")
    await client("{ regencies { totalCount } }")  # the caller and the policy, looked up before counting
    # Only the total: a COUNT, no page of rows
    counted, body = await statements_for(client, "{ complaints { totalCount } }")
    assert body["data"]["complaints"]["totalCount"] == 6
    page_reads = [s for s in counted if s.startswith("SELECT") and "COUNT" not in s.upper() and '"complaint"' in s]
    assert page_reads == [], counted
    # Nodes, edges and pageInfo together: the page is read once
    listed, body = await statements_for(
        client, "{ complaints(first: 4) { nodes { id } edges { cursor } pageInfo { hasNextPage endCursor } } }"
    )
    assert body["data"]["complaints"]["pageInfo"]["hasNextPage"] is True
    assert len(body["data"]["complaints"]["nodes"]) == len(body["data"]["complaints"]["edges"]) == 4
    assert len([s for s in listed if '"complaint"' in s and "LIMIT" in s]) == 1, listed


async def test_nested_lists_take_the_first_rows_of_each_parent_in_the_database(world, as_role):
    kominfo = as_role("kominfo")
    await add_complaints(world, per_regency=40)
    query = """
    { regencies(orderBy: [{code: ASC}]) { nodes { code
        complaints(first: 3, orderBy: [{trackingCode: DESC}], filter: {status: {eq: RECEIVED}}) { trackingCode status }
    } } }"""
    statements, body = await statements_for(kominfo, query)
    by_code = {n["code"]: n["complaints"] for n in body["data"]["regencies"]["nodes"]}
    for code in ("32.15", "32.16"):
        expected = await Complaint.filter(regency__code=code, status="RECEIVED").order_by("-tracking_code").limit(3)
        assert [c["trackingCode"] for c in by_code[code]] == [c.tracking_code for c in expected]
    assert by_code["36.71"] == []
    # One statement for every regency's complaints, and it returns at most 3 per regency
    [children] = [s for s in statements if "ROW_NUMBER()" in s]
    assert '"complaint"' in children
