"""Nothing reaches a caller by any path the API offers that the caller may not read.

First, generated from the registry and tests/roles.py's oracle: every nested
list and related row, and every personal field through the list, the single
read and each nested path, for every caller. Then staff of Karawang against
a Bekasi complaint, path by path.
"""
import pytest

from models import Complaint, ComplaintEvent
from models.registry import camel
from tests.roles import CALLER, CALLERS, denied_code, oracle

ORACLE = oracle()
REGISTRY = ORACLE.registry
CALLER_NAMES = [c.name for c in CALLERS]
#: (parent model, relation) of every list reached through another model: reverse foreign keys, many-to-many.
MANY = [(spec.name, r.name) for spec in REGISTRY for r in spec.relations.values() if r.many]
#: (model, relation) of every single related row.
ONE = [(spec.name, r.name) for spec in REGISTRY for r in spec.relations.values() if not r.many]
PERSONAL_MODELS = [spec.name for spec in REGISTRY if spec.declaration.personal]


def personal_of(spec) -> str:
    return " ".join(camel(name) for name in spec.declaration.personal)


async def check_nodes(caller, spec, nodes: list[dict], expected_ids: set) -> None:
    """The nodes are exactly ``expected_ids``, and each personal field reads as the oracle says."""
    assert {n["id"] for n in nodes} == {str(pk) for pk in expected_ids}, (caller.name, spec.name)
    facts = await ORACLE.facts(spec)
    rows = {str(row.pk): row for row in await spec.model.filter(pk__in=list(expected_ids))}
    for node in nodes:
        row = rows[node["id"]]
        want = ORACLE.shown_personal(caller, spec, row, facts[row.pk])
        assert {k: node[k] for k in want} == want, (caller.name, spec.name, node)


async def children_of(parent_spec, relation: str, parent_pk) -> set:
    parent = await parent_spec.model.get(pk=parent_pk)
    target = parent_spec.related(relation)
    return set(await getattr(parent, relation).all().values_list(target.pk, flat=True))


@pytest.mark.parametrize("caller", CALLER_NAMES)
@pytest.mark.parametrize(("model", "relation"), MANY, ids=[f"{m}.{r}" for m, r in MANY])
async def test_nested_lists_hold_only_rows_the_caller_may_read(full_world, callers, api, model, relation, caller):
    spec, who = REGISTRY[model], CALLER[caller]
    target, field = spec.related(relation), camel(relation)
    client = api(caller)
    # When the caller reads each parent it may read, and the relation's rows under it
    body = await client(
        f"{{ {spec.plural}(first: 100) {{ nodes {{ id {field}(first: 100) {{ id {personal_of(target)} }} }} }} }}"
    )
    if not ORACLE.allowed(who, model, "read"):
        assert error_codes(body) == [denied_code(who)], body
        return
    assert "errors" not in body, body
    readable = await ORACLE.rows(who, target, "read")
    parents = body["data"][spec.plural]["nodes"]
    assert {p["id"] for p in parents} == {str(pk) for pk in await ORACLE.rows(who, spec, "read")}
    # Then each parent holds exactly its related rows the caller may read, personal data as allowed
    for parent in parents:
        await check_nodes(who, target, parent[field], await children_of(spec, relation, int(parent["id"])) & readable)
    # and the same through the single read of each parent
    for parent in parents:
        single = await client(
            f"query($id: ID!) {{ {spec.singular}(id: $id) {{ {field}(first: 100) {{ id {personal_of(target)} }} }} }}",
            {"id": parent["id"]},
        )
        await check_nodes(who, target, single["data"][spec.singular][field], {int(n["id"]) for n in parent[field]})


@pytest.mark.parametrize("caller", CALLER_NAMES)
@pytest.mark.parametrize(("model", "relation"), ONE, ids=[f"{m}.{r}" for m, r in ONE])
async def test_a_related_row_shows_only_when_the_caller_may_read_it(full_world, callers, api, model, relation, caller):
    spec, who = REGISTRY[model], CALLER[caller]
    target, field = spec.related(relation), camel(relation)
    column = spec.relations[relation].column
    body = await api(caller)(f"{{ {spec.plural}(first: 100) {{ nodes {{ id {field} {{ id }} }} }} }}")
    if not ORACLE.allowed(who, model, "read"):
        assert error_codes(body) == [denied_code(who)], body
        return
    readable = await ORACLE.rows(who, target, "read")
    links = dict(await spec.model.all().values_list(spec.pk, column))
    for node in body["data"][spec.plural]["nodes"]:
        linked = links[int(node["id"])]
        want = {"id": str(linked)} if linked is not None and linked in readable else None
        assert node[field] == want, (caller, node)


@pytest.mark.parametrize("caller", CALLER_NAMES)
@pytest.mark.parametrize("model", PERSONAL_MODELS)
async def test_personal_fields_read_null_without_read_personal(full_world, callers, api, model, caller):
    """List and single reads (nested paths: above): the value for callers with ``read_personal`` on the
    row's regency, ``null`` for the others, never an error."""
    spec, who = REGISTRY[model], CALLER[caller]
    client = api(caller)
    readable = await ORACLE.rows(who, spec, "read")
    listed = await client(f"{{ {spec.plural}(first: 100) {{ nodes {{ id {personal_of(spec)} }} }} }}")
    if ORACLE.allowed(who, model, "read"):
        await check_nodes(who, spec, listed["data"][spec.plural]["nodes"], readable)
    else:
        assert error_codes(listed) == [denied_code(who)], listed
    for pk in (await ORACLE.facts(spec)):
        single = await client(f"query($id: ID!) {{ {spec.singular}(id: $id) {{ id {personal_of(spec)} }} }}", {"id": str(pk)})
        if not ORACLE.allowed(who, model, "read"):
            assert error_codes(single) == [denied_code(who)], single
        elif pk in readable:
            assert "errors" not in single, single
            await check_nodes(who, spec, [single["data"][spec.singular]], {pk})
        else:
            assert single == {"data": {spec.singular: None}}


async def test_the_world_holds_personal_data_that_could_leak(full_world):
    """Each personal-data model has rows with values, in both regencies and, if it publishes some, on both sides."""
    for name in PERSONAL_MODELS:
        spec = REGISTRY[name]
        facts = await ORACLE.facts(spec)
        assert {"32.15", "32.16"} <= {f.regency for f in facts.values()}
        if spec.declaration.published is not None:
            assert {True, False} <= {f.published for f in facts.values()}
        for field in spec.declaration.personal:
            assert await spec.model.filter(**{f"{field}__isnull": True}).count() == 0, (name, field)


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.fixture
def karawang(as_role):
    return as_role("staff.karawang")


@pytest.fixture
def bekasi_complaint(world):
    return world.complaints["32.16"][0]


async def test_single_read_is_null_like_a_missing_id(world, karawang, bekasi_complaint):
    body = await karawang("query($id: ID!) { complaint(id: $id) { id title } }", {"id": str(bekasi_complaint.id)})
    assert body == {"data": {"complaint": None}}


async def test_list_filter_and_total_count_stay_in_the_regency(world, karawang, bekasi_complaint):
    body = await karawang("{ complaints(first: 100) { totalCount nodes { trackingCode regency { code } } } }")
    page = body["data"]["complaints"]
    assert page["totalCount"] == 3
    assert {n["regency"]["code"] for n in page["nodes"]} == {"32.15"}
    for where in (
        '{regency: {code: {eq: "32.16"}}}',
        f'{{trackingCode: {{eq: "{bekasi_complaint.tracking_code}"}}}}',
        f'{{id: {{in: ["{bekasi_complaint.id}"]}}}}',
        f'{{or: [{{id: {{eq: "{bekasi_complaint.id}"}}}}, {{title: {{contains: "Bekasi"}}}}]}}',
    ):
        body = await karawang(f"{{ complaints(filter: {where}) {{ totalCount nodes {{ id }} }} }}")
        assert body["data"]["complaints"] == {"totalCount": 0, "nodes": []}, where


async def test_nested_relations_do_not_leak(world, karawang):
    body = await karawang(
        '{ regencies(filter: {code: {in: ["32.15", "32.16"]}}) { nodes { code complaints { regency { code } } } } '
        "apps { nodes { complaints(first: 100) { regency { code } } } } }"
    )
    by_code = {n["code"]: n["complaints"] for n in body["data"]["regencies"]["nodes"]}
    assert len(by_code["32.15"]) == 3 and by_code["32.16"] == []
    nested = [c["regency"]["code"] for app in body["data"]["apps"]["nodes"] for c in app["complaints"]]
    assert nested and set(nested) == {"32.15"}


async def test_relation_filters_cannot_probe_hidden_rows(world, karawang, bekasi_complaint):
    # Regencies that have a complaint with Bekasi's tracking code: none the caller may see.
    body = await karawang(
        f'{{ apps(filter: {{complaints: {{trackingCode: {{eq: "{bekasi_complaint.tracking_code}"}}}}}}) {{ totalCount }} }}'
    )
    if "errors" in body:  # complaints is not a declared filter on App: nothing to probe
        assert error_codes(body) == ["BAD_USER_INPUT"]
    else:
        assert body["data"]["apps"]["totalCount"] == 0


async def test_update_delete_and_transition_are_not_found_with_the_missing_id_message(world, karawang, bekasi_complaint):
    target = str(bekasi_complaint.id)
    for mutation, missing in (
        ('mutation($id: ID!) { updateComplaint(id: $id, input: {title: "x"}) { id } }', "99999"),
        ('mutation($id: ID!) { transitionComplaint(id: $id, to: VERIFIED) { id } }', "99999"),
    ):
        hidden = await karawang(mutation, {"id": target})
        absent = await karawang(mutation, {"id": missing})
        assert error_codes(hidden) == error_codes(absent) == ["NOT_FOUND"]
        assert hidden["errors"][0]["message"].replace(target, "ID") == absent["errors"][0]["message"].replace(missing, "ID")
    # Staff may not delete complaints at all, in or out of their regency.
    body = await karawang("mutation($id: ID!) { deleteComplaint(id: $id) }", {"id": target})
    assert error_codes(body) == ["FORBIDDEN"]
    await bekasi_complaint.refresh_from_db()
    assert bekasi_complaint.title.startswith("Keluhan") and bekasi_complaint.status.value == "RECEIVED"
    assert await Complaint.filter(pk=bekasi_complaint.pk).exists()
    assert not await ComplaintEvent.filter(complaint_id=bekasi_complaint.pk, status="VERIFIED").exists()


async def test_cannot_move_own_complaint_to_another_regency(world, karawang):
    own = world.complaints["32.15"][0]
    body = await karawang(
        'mutation($id: ID!, $r: ID!) { updateComplaint(id: $id, input: {regencyId: $r}) { id } }',
        {"id": str(own.id), "r": str(world.bekasi.id)},
    )
    assert error_codes(body) == ["FORBIDDEN"]
    await own.refresh_from_db()
    assert own.regency_id == world.karawang.id


async def test_cursors_from_a_wider_scope_only_page_the_callers_rows(world, as_role, karawang):
    # A cursor issued to Kominfo (who sees both regencies) says "after position N", nothing more.
    body = await as_role("kominfo")("{ complaints(first: 1) { pageInfo { endCursor } } }")
    cursor = body["data"]["complaints"]["pageInfo"]["endCursor"]
    body = await karawang("query($c: String) { complaints(after: $c) { nodes { regency { code } } } }", {"c": cursor})
    assert {n["regency"]["code"] for n in body["data"]["complaints"]["nodes"]} <= {"32.15"}


async def test_personal_data_is_null_for_other_roles_never_an_error(world, as_role):
    own = world.complaints["32.15"][0]
    query = "query($id: ID!) { complaint(id: $id) { reporterName reporterContact } }"
    body = await as_role("staff.karawang")(query, {"id": str(own.id)})
    assert body["data"]["complaint"] == {"reporterName": own.reporter_name, "reporterContact": own.reporter_contact}
    body = await as_role("kominfo")(query, {"id": str(own.id)})
    assert body["data"]["complaint"]["reporterName"] == own.reporter_name
    # Bekasi staff cannot see the complaint at all; through Kominfo-visible nesting they get nulls, not errors.
    body = await as_role("staff.bekasi")(query, {"id": str(own.id)})
    assert body == {"data": {"complaint": None}}


async def test_public_sees_no_complaint_list_and_no_drafts(world, gql):
    body = await gql("{ complaints { totalCount } }")
    assert error_codes(body) == ["UNAUTHENTICATED"]
    body = await gql("{ agreements(first: 100) { nodes { number status } } }")
    statuses = {n["status"] for n in body["data"]["agreements"]["nodes"]}
    assert statuses and "DRAFT" not in statuses


async def test_staff_see_their_own_drafts_but_not_other_regencies_drafts(world, karawang):
    body = await karawang('{ agreements(first: 100, filter: {status: {eq: DRAFT}}) { nodes { number regency { code } } } }')
    assert [n["regency"]["code"] for n in body["data"]["agreements"]["nodes"]] == ["32.15"]
