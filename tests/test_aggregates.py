"""``<plural>Aggregate``: counts grouped by the declared ``groupable`` fields, scoped like every read.

The generic checks are generated from the registry: every model that declares
``groupable`` is counted, for every caller, against its own list (``totalCount``
with the same filter), so a model added with ``groupable`` is covered here
without a new test. Then the specifics: months on the WIB calendar, the overdue
count, and the declarations that must stop the start.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import Complaint
from models.checks import DeclarationError
from models.enums import ComplaintStatus
from models.registry import RelationField, camel, registry_from_modules
from schema.aggregates import aggregate_name
from services.aggregates import groupable_fields, key_name
from schema.builder import build_schema
from tests.roles import CALLER, denied_code, oracle
from tests.test_declaration_checks import registry_with

PRODUCT = registry_from_modules(["models"])
GROUPABLE = [spec for spec in PRODUCT if spec.declaration.groupable]
CALLERS = ("kominfo", "staff.karawang", "staff.bekasi", "anonymous")


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def key_selection(field) -> str:
    return f"{field.graphql_name} {{ id }}" if isinstance(field, RelationField) else camel(key_name(field))


def test_the_product_declares_what_the_dashboard_counts():
    assert [spec.name for spec in GROUPABLE] == ["Agreement", "Complaint"]
    assert PRODUCT["Complaint"].declaration.groupable == ("status", "regency", "category", "created_at")
    assert PRODUCT["Agreement"].declaration.groupable == ("status", "kind")


# --- generated: every groupable model, every caller ----------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("spec", GROUPABLE, ids=lambda spec: spec.name)
async def test_the_aggregate_counts_the_list_the_caller_reads(world, as_role, caller, spec):
    client = as_role(caller)
    aggregate = aggregate_name(spec)
    fields = groupable_fields(spec)
    selections = " ".join(
        f"{camel(key_name(f))}: groups(by: [{key_name(f).upper()}]) {{ key {{ {key_selection(f)} }} count }}"
        for f in fields
    )
    # When the caller counts the model, once in total and once per groupable field
    body = await client(f"{{ {aggregate} {{ count {selections} }} {spec.plural} {{ totalCount }} }}")
    if not oracle().allowed(CALLER[caller], spec.name, "read"):
        # Then a caller who may not read the model may not count it either, with the same error as the list
        listed = await client(f"{{ {spec.plural} {{ totalCount }} }}")
        assert codes(body) == codes(listed) == [denied_code(CALLER[caller])]
        assert body["errors"][0]["path"] == [aggregate]
        return
    assert "errors" not in body, body
    counted = body["data"][aggregate]
    # Then the total is the list's total: the rows of the caller's scope, no more, no fewer
    expected = len(await oracle().rows(CALLER[caller], spec))
    assert counted["count"] == body["data"][spec.plural]["totalCount"] == expected
    for field in fields:
        groups = counted[camel(key_name(field))]
        # and every grouping adds up to the total, each group counted once
        assert sum(g["count"] for g in groups) == expected, field.name
        keys = [repr(g["key"]) for g in groups]
        assert len(keys) == len(set(keys)) and all(g["count"] > 0 for g in groups)
        if field.name in spec.declaration.filterable and not key_name(field).endswith("_month"):
            # and each group is what the list with the same value as a filter returns
            for group in groups:
                value = group["key"][field.graphql_name]
                where = f"{{{field.graphql_name}: {{id: {{eq: \"{value['id']}\"}}}}}}" if isinstance(field, RelationField) \
                    else f"{{{field.graphql_name}: {{eq: {str(value).lower() if isinstance(value, bool) else value}}}}}"
                listed = await client(f"{{ {spec.plural}(filter: {where}) {{ totalCount }} }}")
                assert listed["data"][spec.plural]["totalCount"] == group["count"], (field.name, value)


async def test_staff_count_only_their_regency(world, as_role):
    # Given staff of Karawang counting complaints per regency
    body = await as_role("staff.karawang")(
        "{ complaintsAggregate { count groups(by: [REGENCY, STATUS]) { key { regency { code } status } count } } }"
    )
    # Then only Karawang's complaints are there, never Bekasi's
    assert body["data"]["complaintsAggregate"] == {
        "count": 3,
        "groups": [{"key": {"regency": {"code": "32.15"}, "status": "RECEIVED"}, "count": 3}],
    }
    # and a filter naming Bekasi counts nothing rather than revealing anything
    other = await as_role("staff.karawang")(
        '{ complaintsAggregate(filter: {regency: {code: {eq: "32.16"}}}) { count groups(by: [STATUS]) { count } } }'
    )
    assert other["data"]["complaintsAggregate"] == {"count": 0, "groups": []}


async def test_kominfo_counts_every_regency(world, as_role):
    body = await as_role("kominfo")("{ complaintsAggregate { groups(by: [REGENCY]) { key { regency { code name } } count } } }")
    assert body["data"]["complaintsAggregate"]["groups"] == [
        {"key": {"regency": {"code": "32.15", "name": "Kabupaten Karawang"}}, "count": 3},
        {"key": {"regency": {"code": "32.16", "name": "Kabupaten Bekasi"}}, "count": 3},
    ]


async def test_the_public_counts_only_published_agreements_and_no_complaints(world, as_role):
    anonymous = as_role("anonymous")
    # Given the world's agreements: a signed MoU and a draft PKS in Karawang and in Bekasi
    body = await anonymous("{ agreementsAggregate { count groups(by: [STATUS, KIND]) { key { status kind } count } } }")
    # Then the public counts the two signed MoUs, never the drafts
    assert body["data"]["agreementsAggregate"] == {
        "count": 2, "groups": [{"key": {"status": "SIGNED", "kind": "MOU"}, "count": 2}],
    }
    # and staff of Karawang add their own draft, not Bekasi's
    staff = await as_role("staff.karawang")("{ agreementsAggregate { groups(by: [STATUS]) { key { status } count } } }")
    assert staff["data"]["agreementsAggregate"]["groups"] == [
        {"key": {"status": "DRAFT"}, "count": 1}, {"key": {"status": "SIGNED"}, "count": 2},
    ]
    # and complaints cannot be counted at all without signing in
    refused = await anonymous("{ complaintsAggregate { count } }")
    assert codes(refused) == ["UNAUTHENTICATED"] and refused["data"] is None


# --- months, conditions, filters --------------------------------------------------------------


async def test_complaints_are_counted_per_month_of_the_wib_calendar(world, as_role):
    karawang = world.complaints["32.15"]
    # Given three complaints received at the turn of two months: 31 January 20:00 UTC is 1 February in WIB
    moments = [
        dt.datetime(2026, 1, 31, 16, 59, tzinfo=dt.timezone.utc),  # 23:59 WIB, still January
        dt.datetime(2026, 1, 31, 20, 0, tzinfo=dt.timezone.utc),  # 03:00 WIB on 1 February
        dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.timezone.utc),
    ]
    for complaint, moment in zip(karawang, moments):
        await Complaint.filter(pk=complaint.pk).update(created_at=moment)
    # When staff count their complaints per month, and per month and status
    body = await as_role("staff.karawang")(
        "{ complaintsAggregate { months: groups(by: [CREATED_AT_MONTH]) { key { createdAtMonth status } count }"
        " both: groups(by: [CREATED_AT_MONTH, STATUS]) { key { createdAtMonth status } count } } }"
    )
    counted = body["data"]["complaintsAggregate"]
    # Then each falls in its month on the Jakarta clock, in calendar order, with no key they did not ask for
    assert counted["months"] == [
        {"key": {"createdAtMonth": "2026-01", "status": None}, "count": 1},
        {"key": {"createdAtMonth": "2026-02", "status": None}, "count": 1},
        {"key": {"createdAtMonth": "2026-03", "status": None}, "count": 1},
    ]
    assert [g["key"] for g in counted["both"]] == [
        {"createdAtMonth": month, "status": "RECEIVED"} for month in ("2026-01", "2026-02", "2026-03")
    ]


async def test_overdue_is_counted_in_total_and_per_group(world, as_role):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    # Given two of Karawang's complaints past their deadline, one of them moved on to VERIFIED, and one of Bekasi's
    first, second, _ = world.complaints["32.15"]
    await Complaint.filter(pk=first.pk).update(due_at=past)
    await Complaint.filter(pk=second.pk).update(due_at=past, status=ComplaintStatus.VERIFIED)
    await Complaint.filter(pk=world.complaints["32.16"][0].pk).update(due_at=past)
    query = "{ complaintsAggregate { count overdue groups(by: [STATUS]) { key { status } count overdue } } complaints(filter: {overdue: true}) { totalCount } }"
    # When staff of Karawang count them
    body = await as_role("staff.karawang")(query)
    # Then their two are overdue (as the list's `overdue` filter says), one in each status
    assert body["data"]["complaintsAggregate"] == {
        "count": 3, "overdue": 2,
        "groups": [
            {"key": {"status": "RECEIVED"}, "count": 2, "overdue": 1},
            {"key": {"status": "VERIFIED"}, "count": 1, "overdue": 1},
        ],
    }
    assert body["data"]["complaints"]["totalCount"] == 2
    # and Kominfo counts all three
    everyone = await as_role("kominfo")(query)
    assert everyone["data"]["complaintsAggregate"]["overdue"] == everyone["data"]["complaints"]["totalCount"] == 3


async def test_filter_and_search_narrow_the_count_as_they_narrow_the_list(world, as_role):
    kominfo = as_role("kominfo")
    arguments = '(filter: {status: {in: [RECEIVED, VERIFIED]}, app: {slug: {eq: "laksa"}}}, search: "Keluhan 1")'
    body = await kominfo(f"{{ complaintsAggregate{arguments} {{ count }} complaints{arguments} {{ totalCount }} }}")
    assert body["data"]["complaintsAggregate"]["count"] == body["data"]["complaints"]["totalCount"] == 2


async def test_by_needs_a_field_and_takes_only_declared_ones(world, as_role):
    kominfo = as_role("kominfo")
    empty = await kominfo("{ complaintsAggregate { groups(by: []) { count } } }")
    assert codes(empty) == ["BAD_USER_INPUT"] and "at least one field" in empty["errors"][0]["message"]
    # A field that is not declared groupable is not a value of the enum: refused before any SQL runs
    title = await kominfo("{ complaintsAggregate { groups(by: [TITLE]) { count } } }")
    assert codes(title) == ["BAD_USER_INPUT"]
    # The same field twice counts as once
    twice = await kominfo("{ complaintsAggregate { groups(by: [STATUS, STATUS]) { key { status } count } } }")
    assert twice["data"]["complaintsAggregate"]["groups"] == [{"key": {"status": "RECEIVED"}, "count": 6}]


def test_personal_fields_are_never_keys_of_the_schema():
    sdl = build_schema(PRODUCT).as_str()
    for spec in GROUPABLE:
        key_type = sdl[sdl.index(f"type {spec.name}GroupKey {{"):]
        key_type = key_type[:key_type.index("\n}")]
        for name in (*spec.declaration.personal, *spec.declaration.hidden):
            assert f"  {camel(name)}:" not in key_type, (spec.name, name)
    assert "ComplaintGroupBy" in sdl and "REPORTER_NAME" not in sdl
    # A model without `groupable` gets no aggregate query
    assert "appsAggregate" not in sdl and "regenciesAggregate" not in sdl


# --- declarations that stop the start ---------------------------------------------------------


def refused(message: str, **simpul) -> None:
    with pytest.raises(DeclarationError) as caught:
        registry_with(**simpul)
    assert str(caught.value) == message


def test_a_groupable_relation_passes():
    registry = registry_with(groupable=("region",))
    assert registry["Announcement"].declaration.groupable == ("region",)


def test_a_text_field_is_not_groupable():
    refused(
        "Announcement.Simpul.groupable names 'title', which is a field of Announcement of type text; "
        "groupable takes enums, booleans, dates, times or foreign keys.",
        groupable=("title",),
    )


def test_a_number_or_a_misspelt_field_is_not_groupable():
    refused(
        "Announcement.Simpul.groupable names 'views', which is a field of Announcement of type int; "
        "groupable takes enums, booleans, dates, times or foreign keys.",
        groupable=("views",),
    )
    refused(
        "Announcement.Simpul.groupable names 'regoin', which is not a field of Announcement; did you mean 'region'?",
        groupable=("regoin",),
    )
    refused(
        "Announcement.Simpul.groupable is the string 'region', not a tuple of names; write ('region',) with the comma.",
        groupable="region",
    )


def test_a_personal_field_is_not_groupable():
    # Given a relation that is personal (its counts per value would reveal whose rows are whose)
    refused(
        "Announcement.Simpul.groupable names 'region', which is personal (Announcement.Simpul.personal): "
        "a caller could learn its value through the counts per value while the field itself reads null. "
        "Take 'region' out of groupable.",
        filterable=("title", "views"), personal=("region",), groupable=("region",),
    )


def test_a_condition_may_not_take_a_name_of_the_aggregate():
    from tests.test_declaration_checks import upcoming

    refused(
        "Announcement.Simpul.conditions names 'count', a field announcementsAggregate and its groups already have "
        "(count, groups, key); choose another name.",
        conditions={"count": upcoming}, groupable=("region",),
    )
