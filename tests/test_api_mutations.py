"""Generated create/update/delete: validation, transactions, audit."""
from models import Agreement, App, AuditEntry


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


CREATE_APP = """
mutation($input: AppCreateInput!) { createApp(input: $input) { id name slug category platform status } }
"""


async def test_kominfo_creates_updates_and_deletes_an_app_with_an_audit_trail(world, as_role):
    kominfo = as_role("kominfo")
    body = await kominfo(CREATE_APP, {"input": {"name": "SEGAR", "slug": "segar", "category": "ECONOMY"}})
    created = body["data"]["createApp"]
    assert created["platform"] == "WEB" and created["status"] == "ACTIVE"
    body = await kominfo(
        'mutation($id: ID!) { updateApp(id: $id, input: {url: "https://segar.example"}) { name url } }',
        {"id": created["id"]},
    )
    assert body["data"]["updateApp"] == {"name": "SEGAR", "url": "https://segar.example"}
    body = await kominfo("mutation($id: ID!) { deleteApp(id: $id) }", {"id": created["id"]})
    assert body["data"]["deleteApp"] == created["id"]
    assert not await App.filter(slug="segar").exists()
    actions = [(e.action, e.actor_name) for e in await AuditEntry.filter(model="App", object_id=created["id"]).order_by("id")]
    assert actions == [("create", "kominfo"), ("update", "kominfo"), ("delete", "kominfo")]
    update = await AuditEntry.get(model="App", object_id=created["id"], action="update")
    assert update.before["url"] is None and update.after["url"] == "https://segar.example"


async def test_over_long_text_is_bad_user_input_and_writes_nothing(world, as_role):
    body = await as_role("kominfo")(CREATE_APP, {"input": {"name": "x" * 121, "slug": "long", "category": "HEALTH"}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "at most 120 characters" in body["errors"][0]["message"]
    assert not await App.filter(slug="long").exists()


async def test_duplicate_unique_value_is_bad_user_input(world, as_role):
    body = await as_role("kominfo")(CREATE_APP, {"input": {"name": "Dup", "slug": "laksa", "category": "HEALTH"}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "slug" in body["errors"][0]["message"]


async def test_unknown_related_id_is_bad_user_input(world, as_role):
    mutation = """mutation($input: AgreementCreateInput!) { createAgreement(input: $input) { id } }"""
    base = {"number": "MOU/NEW", "kind": "MOU", "title": "MoU baru", "regencyId": str(world.karawang.id),
            "providerId": str(world.tangerang.id)}
    body = await as_role("kominfo")(mutation, {"input": {**base, "regencyId": "424242"}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "regencyId" in body["errors"][0]["message"]
    body = await as_role("kominfo")(mutation, {"input": {**base, "appIds": [str(world.apps[0].id), "999"]}})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "999" in body["errors"][0]["message"]
    assert not await Agreement.filter(number="MOU/NEW").exists()


async def test_failed_update_changes_nothing(world, as_role):
    mou = world.mou["32.15"]
    before = sorted(a.id for a in await mou.apps.all())
    body = await as_role("kominfo")(
        'mutation($id: ID!, $apps: [ID!]) { updateAgreement(id: $id, input: {title: "Baru", appIds: $apps}) { id } }',
        {"id": str(mou.id), "apps": [str(world.apps[0].id), "31337"]},
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    await mou.refresh_from_db()
    assert mou.title.startswith("MoU Smart City")
    assert sorted(a.id for a in await mou.apps.all()) == before


async def test_update_sets_many_to_many_and_only_given_fields(world, as_role):
    pks = world.draft["32.16"]  # the apps belong to the PKS (an MoU lists none: models.agreement_rules)
    body = await as_role("kominfo")(
        'mutation($id: ID!, $apps: [ID!]) { updateAgreement(id: $id, input: {appIds: $apps}) { title apps { slug } } }',
        {"id": str(pks.id), "apps": [str(world.apps[1].id)]},
    )
    assert body["data"]["updateAgreement"] == {"title": "Draf PKS Kabupaten Bekasi", "apps": [{"slug": "e-office"}]}


async def test_deleting_a_referenced_row_is_bad_user_input(world, as_role):
    body = await as_role("kominfo")("mutation($id: ID!) { deleteRegency(id: $id) }", {"id": str(world.karawang.id)})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "still referenced" in body["errors"][0]["message"]


async def test_unknown_id_on_update_and_delete_is_not_found(world, as_role):
    kominfo = as_role("kominfo")
    for mutation in ('mutation { updateApp(id: "9999", input: {name: "x"}) { id } }', 'mutation { deleteApp(id: "9999") }'):
        body = await kominfo(mutation)
        assert codes(body) == ["NOT_FOUND"]
