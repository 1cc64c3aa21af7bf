"""The order of lists: text without regard to case, NULLs last, the declared default order, and cursors that agree.

Runs on the engine under test (SQLite by default, PostgreSQL with DATABASE_URL):
the order and the cursors' WHERE are both SQL, so they must agree on each engine,
and the answers must be the same on both.
"""
import datetime as dt

import pytest

from models import Agreement, App
from models.enums import AgreementKind, AgreementStatus, AppCategory
from models.ordering import ordering_of
from schema.cursors import Keyset
from tests.admin_client import AdminClient, admin_asgi, client_for
from tests.conftest import registry_for_tests

APPS = """
query($after: String, $order: [AppOrder!], $first: Int) {
  apps(first: $first, after: $after, orderBy: $order) {
    nodes { id name slug } pageInfo { hasNextPage endCursor }
  }
}"""
AGREEMENTS = """
query($after: String, $first: Int) {
  agreements(first: $first, after: $after) { nodes { id number signedOn } pageInfo { hasNextPage endCursor } }
}"""


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def walk(client, query: str, field: str, variables: dict) -> list[dict]:
    seen, after = [], None
    for _ in range(100):
        body = await client(query, {**variables, "after": after})
        assert "errors" not in body, body
        page = body["data"][field]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def apps_named(*names: str) -> list[App]:
    return [
        await App.create(name=name, slug=f"app-{n}-{name.lower()}", category=AppCategory.TOURISM)
        for n, name in enumerate(names)
    ]


# --- text sorts without regard to case ---------------------------------------------------------


async def test_text_sorts_without_regard_to_case(world, gql):
    # Given the world's LAKSA, e-Office and SIKDA, and apps whose names differ only in case
    await apps_named("Wisata", "laksa", "Laksa", "e-Kinerja", "LAKSA")
    # When apps are sorted by name
    body = await gql(APPS, {"order": [{"name": "ASC"}], "first": 100})
    nodes = body["data"]["apps"]["nodes"]
    # Then lower-case names sit among the upper-case ones, and equal names keep the id order
    names = [n["name"] for n in nodes]
    assert names == sorted(names, key=str.lower)
    assert names.index("e-Office") < names.index("LAKSA") < names.index("Wisata")
    lakes = [(n["name"], int(n["id"])) for n in nodes if n["name"].lower() == "laksa"]
    assert [pk for _, pk in lakes] == sorted(pk for _, pk in lakes) and len(lakes) == 4


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_through_names_that_differ_only_in_case_neither_skips_nor_repeats(world, gql, direction):
    # Given many apps whose names tie without regard to case
    await apps_named("laksa", "LAKSA", "Laksa", "lAksa", "e-office", "E-OFFICE", "sikda", "Sikda", "wisata")
    order = [{"name": direction}]
    # When the list is walked two rows at a time
    walked = await walk(gql, APPS, "apps", {"order": order, "first": 2})
    # Then it is exactly the one-page answer, with every row once
    whole = (await gql(APPS, {"order": order, "first": 100}))["data"]["apps"]["nodes"]
    assert walked == whole
    assert len({n["id"] for n in walked}) == len(walked) == 3 + 9
    lowered = [n["name"].lower() for n in walked]
    assert lowered == sorted(lowered, reverse=direction == "DESC")
    # and ties come in id order (the key breaks them, ascending, whatever the direction of the name)
    for name in set(lowered):
        ids = [int(n["id"]) for n in walked if n["name"].lower() == name]
        assert ids == sorted(ids)


async def test_a_cursor_continues_after_its_row_among_ties_in_case(world, gql):
    # Given three apps that tie on their name without regard to case
    laksa = await apps_named("laksa", "Laksa")
    body = await gql(APPS, {"order": [{"name": "ASC"}], "first": 100})
    nodes = body["data"]["apps"]["nodes"]
    tied = [n for n in nodes if n["name"].lower() == "laksa"]
    assert [int(n["id"]) for n in tied] == [world.apps[0].pk, laksa[0].pk, laksa[1].pk]
    # When a page ends on the middle one of the tie
    position = nodes.index(tied[1])
    first = await gql(APPS, {"order": [{"name": "ASC"}], "first": position + 1})
    after = first["data"]["apps"]["pageInfo"]["endCursor"]
    rest = (await gql(APPS, {"order": [{"name": "ASC"}], "first": 100, "after": after}))["data"]["apps"]["nodes"]
    # Then the next page starts with the last one of the tie
    assert rest == nodes[position + 1:]
    assert rest[0]["id"] == tied[2]["id"]


@pytest.mark.parametrize("descending", [False, True])
async def test_a_nullable_text_key_pages_every_row_once(world, descending):
    # Given apps whose address (a nullable text field) is missing, or differs only in case
    urls = [None, "https://laksa.id", None, "HTTPS://LAKSA.ID", "https://Laksa.id", "https://e-office.id", None, "https://SIKDA.id"]
    await App.bulk_create([
        App(name=f"Aplikasi {n}", slug=f"aplikasi-{n}", category=AppCategory.HEALTH, url=url) for n, url in enumerate(urls)
    ])
    spec = registry_for_tests()["App"]
    ordering = ordering_of(spec, ["-url" if descending else "url"])
    keyset = Keyset(spec, ordering)
    # When the apps are read two at a time, each page after the last row of the one before
    walked, after = [], None
    for _ in range(20):
        page = ordering.annotate(App.all())
        if after is not None:
            page = page.filter(keyset.after(after))
        rows = await ordering.apply(page).limit(2)
        walked += rows
        if len(rows) < 2:
            break
        after = keyset.cursor_of(rows[-1])
    # Then every row comes once, in the order of one read of them all
    whole = await ordering.apply(App.all())
    assert [r.pk for r in walked] == [r.pk for r in whole]
    assert len({r.pk for r in walked}) == len(walked) == 3 + len(urls)
    present = [r.url.lower() for r in walked if r.url is not None]
    assert present == sorted(present, reverse=descending)
    # and the rows without an address come last, in either direction (the world's 3 apps have none either)
    assert [i for i, r in enumerate(walked) if r.url is None] == list(range(len(walked) - 6, len(walked)))


# --- the declared default order ------------------------------------------------------------------


async def agreements_signed(world, days: list[dt.date | None]) -> None:
    for n, day in enumerate(days):
        await Agreement.create(
            number=f"PKS/{n:03d}", kind=AgreementKind.PKS, title=f"PKS {n}", regency=world.karawang,
            provider=world.tangerang, parent=world.mou["32.15"], signed_on=day,
            status=AgreementStatus.DRAFT if day is None else AgreementStatus.SIGNED,
        )


def assert_newest_signed_first(nodes: list[dict]) -> None:
    dates = [n["signedOn"] for n in nodes if n["signedOn"] is not None]
    assert dates == sorted(dates, reverse=True)
    # Drafts (no signing date yet) come last, on PostgreSQL as on SQLite
    undated = [i for i, n in enumerate(nodes) if n["signedOn"] is None]
    assert undated == list(range(len(nodes) - len(undated), len(nodes)))
    # Rows with the same date come in id order
    for day in set(dates):
        ids = [int(n["id"]) for n in nodes if n["signedOn"] == day]
        assert ids == sorted(ids)


async def test_agreements_come_newest_signed_first_without_orderBy(world, as_role):
    # Given agreements signed on several days, two on one day, and drafts
    await agreements_signed(world, [dt.date(2020, 1, 2), None, dt.date(2024, 6, 1), dt.date(2020, 1, 2), None, dt.date(2019, 3, 4)])
    # When kominfo lists agreements without orderBy
    body = await as_role("kominfo")(AGREEMENTS, {"first": 100, "after": None})
    # Then the newest signing comes first
    nodes = body["data"]["agreements"]["nodes"]
    assert len(nodes) == 4 + 6
    assert_newest_signed_first(nodes)
    assert nodes[0]["signedOn"] == "2024-06-01"
    assert [n["signedOn"] for n in nodes].count(None) == 4


async def test_cursors_page_through_the_default_order(world, as_role):
    await agreements_signed(world, [dt.date(2020, 1, 2), None, dt.date(2024, 6, 1), dt.date(2020, 1, 2), None, dt.date(2019, 3, 4)])
    kominfo = as_role("kominfo")
    walked = await walk(kominfo, AGREEMENTS, "agreements", {"first": 3})
    whole = (await kominfo(AGREEMENTS, {"first": 100, "after": None}))["data"]["agreements"]["nodes"]
    assert walked == whole
    assert len({n["id"] for n in walked}) == 10


async def test_a_default_order_cursor_is_not_one_of_an_explicit_order(world, as_role):
    kominfo = as_role("kominfo")
    first = await kominfo(AGREEMENTS, {"first": 1, "after": None})
    cursor = first["data"]["agreements"]["pageInfo"]["endCursor"]
    # The same keys, spelt out, are the same order: the cursor keeps working
    explicit = """query($c: String) { agreements(first: 1, after: $c, orderBy: [{signedOn: DESC}, {id: ASC}]) { nodes { id } } }"""
    assert "errors" not in await kominfo(explicit, {"c": cursor})
    # Another order refuses it
    other = """query($c: String) { agreements(first: 1, after: $c, orderBy: [{number: ASC}]) { nodes { id } } }"""
    assert codes(await kominfo(other, {"c": cursor})) == ["BAD_USER_INPUT"]


async def test_nested_lists_follow_the_default_order_and_text_without_case(world, as_role):
    await agreements_signed(world, [dt.date(2020, 1, 2), None, dt.date(2024, 6, 1)])
    await world.mou["32.15"].apps.add(*await apps_named("wisata", "Akses", "e-Kinerja"))
    body = await as_role("kominfo")(
        """query($id: ID!) { regency(id: $id) { agreements { id number signedOn } }
                             agreement(id: $mou) { apps { name } } }""".replace("$mou", f'"{world.mou["32.15"].pk}"'),
        {"id": str(world.karawang.pk)},
    )
    assert "errors" not in body, body
    assert_newest_signed_first(body["data"]["regency"]["agreements"])
    names = [a["name"] for a in body["data"]["agreement"]["apps"]]
    assert names == sorted(names, key=str.lower) and len(names) == 6


async def test_the_panel_lists_in_the_default_order(world):
    # Given apps whose names differ from the world's in case only
    await apps_named("akses", "Wisata", "e-Kinerja")
    async with client_for(admin_asgi()) as http:
        panel = AdminClient(http)
        assert (await panel.login("kominfo")).status_code == 303
        # When kominfo opens the app list
        page = await http.get("/admin/app/list", params={"page_size": 100})
    assert page.status_code == 200
    # Then the apps come by name without regard to case (App's Meta.ordering, the key breaking ties)
    expected = [a.name for a in await ordering_of(registry_for_tests()["App"]).apply(App.all())]
    assert [name.lower() for name in expected] == sorted(name.lower() for name in expected)
    positions = [page.text.find(f">{name}<") for name in expected]
    assert all(p >= 0 for p in positions), (expected, positions)
    assert positions == sorted(positions)
