"""Keyset cursors: paging continues after the cursor's row, whatever changed meanwhile and wherever NULLs sort."""
import base64
import datetime as dt

import pytest

from models import App, Complaint
from models.enums import AppCategory

APPS_PAGE = """
query($after: String, $order: [AppOrder!]) {
  apps(first: 4, after: $after, orderBy: $order) { nodes { slug launchedOn } pageInfo { hasNextPage endCursor } }
}"""


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def walk(client, query: str, field: str, variables: dict) -> list[dict]:
    seen, after = [], None
    for _ in range(50):
        body = await client(query, {**variables, "after": after})
        assert "errors" not in body, body
        page = body["data"][field]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_a_nullable_sort_key_pages_every_row_once_in_the_databases_order(world, gql, direction):
    # Given apps where some have no launch date (NULL) and several share one
    launched = [None, dt.date(2018, 1, 11), None, dt.date(2018, 1, 11), dt.date(2019, 3, 1), None, dt.date(2017, 6, 5)]
    await App.bulk_create([
        App(name=f"Aplikasi {n}", slug=f"aplikasi-{n}", category=AppCategory.HEALTH, launched_on=day)
        for n, day in enumerate(launched)
    ])
    order = [{"launchedOn": direction}]
    # When the whole list is walked four rows at a time
    walked = await walk(gql, APPS_PAGE, "apps", {"order": order})
    # then it is exactly the one-page answer: same rows, same order, none twice
    whole = (await gql("query($o: [AppOrder!]) { apps(first: 100, orderBy: $o) { nodes { slug launchedOn } } }",
                       {"o": order}))["data"]["apps"]["nodes"]
    assert walked == whole
    assert len({n["slug"] for n in walked}) == len(walked) == 3 + len(launched)
    dates = [n["launchedOn"] for n in walked if n["launchedOn"] is not None]
    assert dates == sorted(dates, reverse=direction == "DESC")


async def test_new_complaints_arriving_between_pages_neither_repeat_nor_shift_the_next_page(world, as_role):
    desk = as_role("kominfo")
    query = """
    query($after: String) {
      complaints(first: 3, after: $after, orderBy: [{createdAt: DESC}]) { nodes { trackingCode } pageInfo { endCursor } }
    }"""
    first = (await desk(query, {"after": None}))["data"]["complaints"]
    # While the desk reads page one, two citizens submit new complaints (newest first: they sort before page one)
    for n in range(2):
        await Complaint.create(
            tracking_code=f"ADU-3215-2026-00090{n}", regency=world.karawang, title="Baru", body="Baru masuk.",
            reporter_name="Warga", reporter_contact="0812", created_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=n + 1),
        )
    second = (await desk(query, {"after": first["pageInfo"]["endCursor"]}))["data"]["complaints"]
    page_one = [n["trackingCode"] for n in first["nodes"]]
    page_two = [n["trackingCode"] for n in second["nodes"]]
    # Then page two continues right after page one's last row: nothing repeated, nothing skipped
    everything_before = (await desk("{ complaints(first: 100, orderBy: [{createdAt: DESC}]) { nodes { trackingCode } } }"))
    ordered = [n["trackingCode"] for n in everything_before["data"]["complaints"]["nodes"]]
    start = ordered.index(page_one[-1]) + 1
    assert page_two == ordered[start:start + 3]
    assert not set(page_one) & set(page_two)


async def test_a_cursor_is_refused_with_another_order_or_on_another_list(world, gql):
    body = await gql(APPS_PAGE, {"after": None, "order": [{"name": "ASC"}]})
    cursor = body["data"]["apps"]["pageInfo"]["endCursor"]
    # The same list, another orderBy
    other_order = await gql(APPS_PAGE, {"after": cursor, "order": [{"name": "DESC"}]})
    assert codes(other_order) == ["BAD_USER_INPUT"]
    assert "orderBy" in other_order["errors"][0]["message"]
    # Another list
    other_list = await gql("query($c: String) { regencies(after: $c) { totalCount } }", {"c": cursor})
    assert codes(other_list) == ["BAD_USER_INPUT"]


async def test_a_tampered_cursor_is_refused(world, gql):
    body = await gql(APPS_PAGE, {"after": None, "order": [{"name": "ASC"}]})
    cursor = body["data"]["apps"]["pageInfo"]["endCursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    forged = base64.urlsafe_b64encode(raw.replace("LAKSA", "AAAA").replace("e-Office", "AAAA").encode()).decode()
    assert forged != cursor
    body = await gql(APPS_PAGE, {"after": forged, "order": [{"name": "ASC"}]})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "not a cursor this API issued" in body["errors"][0]["message"]
