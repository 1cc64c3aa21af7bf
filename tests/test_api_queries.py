"""Generated list and single queries: filters, ordering, cursor pagination and their errors."""
import base64

import pytest

from models import App
from models.enums import AppCategory


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_public_reads_the_catalogue_with_total_count(world, gql):
    body = await gql("{ apps { totalCount nodes { id name slug category } } }")
    assert body["data"]["apps"]["totalCount"] == 3
    assert {n["slug"] for n in body["data"]["apps"]["nodes"]} == {"laksa", "e-office", "sikda"}


async def test_cursor_pagination_walks_every_row_once(world, gql):
    await App.bulk_create([App(name=f"App {n:02d}", slug=f"app-{n:02d}", category=AppCategory.HEALTH) for n in range(25)])
    seen, after, pages = [], None, 0
    while True:
        body = await gql(
            "query($after: String) { apps(first: 10, after: $after, orderBy: [{name: ASC}]) {"
            " totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }",
            {"after": after},
        )
        page = body["data"]["apps"]
        assert page["totalCount"] == 28
        assert page["pageInfo"]["hasPreviousPage"] == (pages > 0)
        seen += [e["node"]["name"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    # Names sort without regard to case (all "e-…" apps among the E's, not after "Wisata")
    assert seen == sorted(seen, key=str.lower) and len(seen) == len(set(seen)) == 28


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_first_out_of_range_is_bad_user_input(world, gql, first):
    body = await gql("query($f: Int) { apps(first: $f) { totalCount } }", {"f": first})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "between 1 and 100" in body["errors"][0]["message"]


@pytest.mark.parametrize("cursor", ["garbage", "", base64.urlsafe_b64encode(b"c1:5:0000000000000000").decode()])
async def test_cursor_the_server_did_not_issue_is_refused(world, gql, cursor):
    body = await gql("query($c: String) { apps(after: $c) { totalCount } }", {"c": cursor})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_default_page_is_twenty(world, gql):
    await App.bulk_create([App(name=f"X{n}", slug=f"x{n}", category=AppCategory.HEALTH) for n in range(30)])
    body = await gql("{ apps { nodes { id } pageInfo { hasNextPage } } }")
    assert len(body["data"]["apps"]["nodes"]) == 20
    assert body["data"]["apps"]["pageInfo"]["hasNextPage"] is True


async def test_string_operators_match_percent_and_underscore_literally(world, gql):
    await App.create(name="Diskon 50%_off", slug="diskon", category=AppCategory.ECONOMY)
    await App.create(name="Diskon 50 persen", slug="diskon-2", category=AppCategory.ECONOMY)
    body = await gql('{ apps(filter: {name: {contains: "50%_"}}) { nodes { slug } } }')
    assert [n["slug"] for n in body["data"]["apps"]["nodes"]] == ["diskon"]
    body = await gql('{ apps(filter: {name: {icontains: "LAKS"}}) { nodes { slug } } }')
    assert [n["slug"] for n in body["data"]["apps"]["nodes"]] == ["laksa"]
    body = await gql('{ apps(filter: {name: {startsWith: "e-"}}) { nodes { slug } } }')
    assert [n["slug"] for n in body["data"]["apps"]["nodes"]] == ["e-office"]


async def test_combinators_and_or_not(world, gql):
    body = await gql(
        '{ apps(filter: {or: [{slug: {eq: "laksa"}}, {slug: {eq: "sikda"}}], not: {slug: {eq: "sikda"}}}) { nodes { slug } } }'
    )
    assert [n["slug"] for n in body["data"]["apps"]["nodes"]] == ["laksa"]
    body = await gql('{ apps(filter: {and: [{category: {eq: E_GOVERNMENT}}, {name: {in: ["SIKDA", "LAKSA"]}}]}) { nodes { slug } } }')
    assert [n["slug"] for n in body["data"]["apps"]["nodes"]] == ["sikda"]
    body = await gql('{ apps(filter: {category: {notIn: [E_GOVERNMENT]}, launchedOn: {isNull: true}}) { totalCount } }')
    assert body["data"]["apps"]["totalCount"] == 1
    body = await gql('{ apps(filter: {launchedOn: {isNull: false}}) { totalCount } }')
    assert body["data"]["apps"]["totalCount"] == 0


async def test_relation_filter_and_ordering(world, as_role):
    kominfo = as_role("kominfo")
    body = await kominfo(
        '{ complaints(filter: {regency: {code: {eq: "32.15"}}}, orderBy: [{trackingCode: DESC}]) { totalCount nodes { trackingCode } } }'
    )
    nodes = body["data"]["complaints"]["nodes"]
    assert body["data"]["complaints"]["totalCount"] == 3
    assert [n["trackingCode"] for n in nodes] == sorted((n["trackingCode"] for n in nodes), reverse=True)
    body = await kominfo('{ agreements(filter: {apps: {slug: {eq: "sikda"}}, kind: {eq: MOU}}) { totalCount } }')
    assert body["data"]["agreements"]["totalCount"] == 2


async def test_order_entry_must_name_exactly_one_field(world, gql):
    body = await gql("{ apps(orderBy: [{name: ASC, slug: DESC}]) { totalCount } }")
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_bad_enum_value_is_bad_user_input(world, gql):
    body = await gql("{ apps(filter: {category: {eq: NOT_A_CATEGORY}}) { totalCount } }")
    assert codes(body) == ["BAD_USER_INPUT"]
    body = await gql("query($c: AppCategory) { apps(filter: {category: {eq: $c}}) { totalCount } }", {"c": "NOPE"})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_single_read_by_id_and_unknown_id(world, gql):
    app_id = world.apps[0].id
    body = await gql("query($id: ID!) { app(id: $id) { name } }", {"id": str(app_id)})
    assert body["data"]["app"] == {"name": "LAKSA"}
    for missing in ("999999", "not-a-number"):
        body = await gql("query($id: ID!) { app(id: $id) { name } }", {"id": missing})
        assert body == {"data": {"app": None}}


async def test_query_too_deep_is_refused_before_any_sql(world, gql):
    from tests.sql_counter import count_statements

    deep = "{ regencies { nodes { agreements { regency { agreements { regency { agreements { regency { agreements { regency { agreements { number } } } } } } } } } } } }"
    with count_statements() as statements:
        body = await gql(deep)
    # (It is also far too costly; both refusals may be reported.)
    assert set(codes(body)) == {"BAD_USER_INPUT"} and body["data"] is None
    assert any("depth" in e["message"].lower() for e in body["errors"])
    assert statements == []


COSTLY = """
query($n: Int) {
  complaints(first: 100) { nodes { regency { complaints(first: $n) { app { complaints(first: 100) { title } } } } } }
}"""


async def test_query_that_could_return_too_many_rows_is_refused_before_any_sql(world, as_role):
    from tests.sql_counter import count_statements

    kominfo = as_role("kominfo")
    await kominfo("{ regencies { totalCount } }")  # the caller's lookups, made once
    # 100 complaints × 100 of their regency's × 100 of each app's: a million rows at worst
    with count_statements() as statements:
        body = await kominfo(COSTLY, {"n": 100})
    assert codes(body) == ["BAD_USER_INPUT"]
    message = body["errors"][0]["message"]
    assert "could return up to" in message and "100,000" in message and "`first`" in message
    assert statements == []
    # Fragments and inline fragments count the same
    fragmented = """
    fragment Deep on Regency { complaints(first: 100) { app { complaints(first: 100) { title } } } }
    { complaints(first: 100) { nodes { regency { ...Deep } } } }"""
    assert codes(await kominfo(fragmented)) == ["BAD_USER_INPUT"]


async def test_a_broad_but_bounded_query_runs(world, as_role):
    kominfo = as_role("kominfo")
    # The benchmark's nested page: 100 complaints with their regency's agreements and apps
    body = await kominfo(
        "{ complaints(first: 100) { nodes { regency { agreements { number apps { name } } } app { name } } } }"
    )
    assert "errors" not in body, body
    # The same shape with small literal pages
    small = COSTLY.replace("query($n: Int)", "query").replace("first: $n", "first: 2").replace("first: 100) { title", "first: 5) { title")
    body = await kominfo(small)
    assert "errors" not in body, body
    # A variable page size counts as a full page whatever its default: the client may send 100
    with_default = COSTLY.replace("$n: Int", "$n: Int = 2")
    assert codes(await kominfo(with_default, {"n": 100})) == ["BAD_USER_INPUT"]
