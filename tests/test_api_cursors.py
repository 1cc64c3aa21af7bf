"""Keyset cursors: paging continues after the cursor's row, whatever changed meanwhile, with NULLs last,
at the top level and in nested lists (per parent)."""
import base64
import datetime as dt
import json

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
async def test_a_nullable_sort_key_pages_every_row_once_with_nulls_last(world, gql, direction):
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
    # Apps without a launch date come last in either direction, on every engine (the world's 3 have none)
    assert [n["launchedOn"] for n in walked[-6:]] == [None] * 6


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
    payload, signature = raw.rsplit("\n", 1)
    version, scope, values = json.loads(payload)
    # The same signature on other sort-key values
    forged_payload = json.dumps([version, scope, ["AAAA", *values[1:]]], separators=(",", ":"))
    forged = base64.urlsafe_b64encode(f"{forged_payload}\n{signature}".encode()).decode()
    assert forged != cursor
    body = await gql(APPS_PAGE, {"after": forged, "order": [{"name": "ASC"}]})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "not a cursor this API issued" in body["errors"][0]["message"]


# --- nested lists: `after` per parent -------------------------------------------------------------

NESTED = """
query($regency: ID!, $after: String, $order: [ComplaintOrder!]) {
  regency(id: $regency) { complaints(first: 2, after: $after, orderBy: $order) { id trackingCode } }
}"""
CURSOR_OF = """
query($id: ID!, $order: [ComplaintOrder!]) {
  complaints(filter: {id: {eq: $id}}, orderBy: $order) { edges { cursor } }
}"""


async def more_complaints(world, count: int) -> None:
    base = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)
    for n in range(count):
        for regency in (world.karawang, world.bekasi):
            await Complaint.create(
                tracking_code=f"ADU-{regency.code.replace('.', '')}-2026-{100 + n:06d}", regency=regency,
                title=f"Keluhan tambahan {n}", body="Belum ditangani.", reporter_name="Warga", reporter_contact="0812",
                # Pairs share a minute: the key breaks the ties
                created_at=base + dt.timedelta(minutes=n // 2),
            )


@pytest.mark.parametrize("order", [None, [{"trackingCode": "DESC"}], [{"createdAt": "ASC"}]])
async def test_a_nested_list_pages_with_after_like_the_top_level_list(world, as_role, order):
    await more_complaints(world, 5)
    desk = as_role("staff.karawang")
    variables = {"regency": str(world.karawang.pk), "order": order}
    # When the desk pages through its regency's complaints, two at a time, inside `regency`
    walked, after = [], None
    for _ in range(20):
        body = await desk(NESTED, {**variables, "after": after})
        assert "errors" not in body, body
        page = body["data"]["regency"]["complaints"]
        walked += page
        if len(page) < 2:
            break
        # A nested list issues no cursors: the top-level list issues the same ones for the same order
        edges = (await desk(CURSOR_OF, {"id": page[-1]["id"], "order": order}))["data"]["complaints"]["edges"]
        after = edges[0]["cursor"]
    # Then every complaint of the regency comes once, in the order of the top-level list
    top = await desk(
        "query($o: [ComplaintOrder!]) { complaints(first: 100, orderBy: $o) { nodes { id trackingCode } } }", {"o": order}
    )
    assert walked == top["data"]["complaints"]["nodes"]
    assert len(walked) == 3 + 5


async def test_nested_after_holds_per_parent(world, as_role):
    # Given complaints in both regencies, and a cursor at one Karawang complaint in id order
    await more_complaints(world, 3)
    kominfo = as_role("kominfo")
    order = [{"id": "ASC"}]
    middle = sorted(c.pk for c in await Complaint.filter(regency=world.karawang))[2]
    cursor = (await kominfo(CURSOR_OF, {"id": str(middle), "order": order}))["data"]["complaints"]["edges"][0]["cursor"]
    # When every regency lists its complaints after that cursor
    body = await kominfo(
        """query($after: String, $o: [ComplaintOrder!]) {
             regencies(first: 10) { nodes { code complaints(first: 100, after: $after, orderBy: $o) { id } } } }""",
        {"after": cursor, "o": order},
    )
    assert "errors" not in body, body
    # Then each regency's list holds its own complaints that sort after the cursor's row
    for node in body["data"]["regencies"]["nodes"]:
        ids = sorted(c.pk for c in await Complaint.filter(regency__code=node["code"]) if c.pk > middle)
        assert [int(c["id"]) for c in node["complaints"]] == ids, node["code"]


async def test_a_many_to_many_list_pages_with_after(world, as_role):
    # Given an MoU covering eight apps, two of them named alike but for case
    mou = world.mou["32.15"]
    extra = [App(name=name, slug=f"extra-{n}", category=AppCategory.TOURISM)
             for n, name in enumerate(["Wisata", "akses", "laksa", "Bebas", "zona"])]
    await App.bulk_create(extra)
    await mou.apps.add(*await App.filter(slug__startswith="extra-"))
    client = as_role("anonymous")
    query = """
    query($id: ID!, $after: String) {
      agreement(id: $id) { apps(first: 3, after: $after, orderBy: [{name: ASC}]) { id name } }
    }"""
    walked, after = [], None
    for _ in range(10):
        page = (await client(query, {"id": str(mou.pk), "after": after}))["data"]["agreement"]["apps"]
        walked += page
        if len(page) < 3:
            break
        edges = (await client(
            'query($id: ID!) { apps(filter: {id: {eq: $id}}, orderBy: [{name: ASC}]) { edges { cursor } } }',
            {"id": page[-1]["id"]},
        ))["data"]["apps"]["edges"]
        after = edges[0]["cursor"]
    names = [a["name"] for a in walked]
    assert len(names) == len(set(a["id"] for a in walked)) == 8
    assert names == sorted(names, key=str.lower)
    # The other MoU's apps are not touched
    assert len(await world.mou["32.16"].apps.all()) == 3


async def test_a_nested_after_from_another_order_or_model_is_refused(world, as_role):
    kominfo = as_role("kominfo")
    apps = await kominfo("{ apps(first: 1) { pageInfo { endCursor } } }")
    app_cursor = apps["data"]["apps"]["pageInfo"]["endCursor"]
    by_code = await kominfo(CURSOR_OF, {"id": str(world.complaints["32.15"][0].pk), "order": [{"trackingCode": "ASC"}]})
    code_cursor = by_code["data"]["complaints"]["edges"][0]["cursor"]
    for after, order in ((app_cursor, None), (code_cursor, [{"createdAt": "DESC"}]), ("not-a-cursor", None)):
        body = await kominfo(NESTED, {"regency": str(world.karawang.pk), "after": after, "order": order})
        assert codes(body) == ["BAD_USER_INPUT"], body


async def test_after_does_not_lift_the_cost_limit(world, as_role):
    body = await as_role("kominfo")(
        """query($a: String, $b: String) {
             complaints(first: 100) { nodes { regency {
               complaints(first: 100, after: $a) { app { complaints(first: 100, after: $b) { id } } } } } }
           }""",
        {"a": None, "b": None},
    )
    assert body.get("data") is None
    assert "limit" in body["errors"][0]["message"]
