"""What is measured: the GraphQL requests of the release note, and the ORM loops they are compared with."""
from __future__ import annotations

from bench.client import GraphQLClient
from bench.measure import Request, Scenario
from models.complaint import Complaint

PAGE_SIZE = 100  # the API's largest page
DEEP_PAGE = 50
#: The API's default order for complaints (``Complaint.Meta.ordering``, then the key), so the ORM loads the same rows.
API_ORDER = ("-created_at", "id")

APPS_PAGE = "{ apps(first: 100) { nodes { id name } } }"
FLAT_PAGE = """
query FlatPage($after: String) {
  complaints(first: 100, after: $after) { nodes { id trackingCode title status createdAt dueAt } }
}
"""
NESTED_PAGE = """
{
  complaints(first: 100) {
    nodes { id trackingCode regency { code agreements { number apps { name } } } app { name } }
  }
}
"""
RECEIVED_COUNT = "{ complaints(filter: {status: {eq: RECEIVED}}) { totalCount } }"
PAGE_CURSORS = """
query Walk($after: String) {
  complaints(first: 100, after: $after) { pageInfo { endCursor hasNextPage } }
}
"""

BASELINE = "1. baseline: 100 apps, anonymous"
NESTED_AS_KOMINFO = "3. 100 complaints nested, kominfo"
ORM_ONE_QUERY_PER_ROW = "7a. ORM N+1: 100 complaints + regency, app"
ORM_PREFETCHED = "7b. ORM prefetch: same rows"


async def cursor_before_page(client: GraphQLClient, page: int) -> tuple[int, str | None]:
    """Walk the pages as a client would and return the page reached (``page``, or the last one) and its ``after``.

    Cursors are opaque: the only honest way to page 50 is through pages 1 to 49.
    """
    reached, after = 1, None
    while reached < page:
        info = (await client(PAGE_CURSORS, {"after": after}))["complaints"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        reached, after = reached + 1, info["endCursor"]
    return reached, after


def graphql(client: GraphQLClient, query: str, variables: dict | None = None) -> Request:
    async def request() -> int:
        return len((await client.post(query, variables)).content)

    return request


async def orm_one_query_per_row() -> None:
    """What a resolver without batching does: one query per row and relation."""
    for complaint in await Complaint.all().order_by(*API_ORDER).limit(PAGE_SIZE):
        await complaint.regency
        await complaint.app


async def orm_prefetched() -> None:
    """The same rows and relations, each relation loaded for the whole page in one query."""
    await Complaint.all().order_by(*API_ORDER).limit(PAGE_SIZE).prefetch_related("regency", "app")


async def build_scenarios(anonymous: GraphQLClient, kominfo: GraphQLClient, karawang: GraphQLClient) -> list[Scenario]:
    """The scenarios in report order; the first is the baseline the others are divided by."""
    deep_page, deep_after = await cursor_before_page(kominfo, DEEP_PAGE)
    return [
        Scenario(BASELINE, graphql(anonymous, APPS_PAGE)),
        Scenario("2. 100 complaints flat, kominfo", graphql(kominfo, FLAT_PAGE)),
        Scenario(NESTED_AS_KOMINFO, graphql(kominfo, NESTED_PAGE)),
        Scenario("4. 100 complaints nested, staff.karawang", graphql(karawang, NESTED_PAGE)),
        Scenario("5a. totalCount RECEIVED, staff.karawang", graphql(karawang, RECEIVED_COUNT)),
        Scenario("5b. totalCount RECEIVED, kominfo", graphql(kominfo, RECEIVED_COUNT)),
        Scenario(f"6. page {deep_page} via cursor, flat, kominfo", graphql(kominfo, FLAT_PAGE, {"after": deep_after})),
        Scenario(ORM_ONE_QUERY_PER_ROW, orm_one_query_per_row),
        Scenario(ORM_PREFETCHED, orm_prefetched),
    ]
