"""The compiled path (schema/compiled/) shows nobody a row, a count or a personal field it may not read.

tests/test_leaks.py holds the API to the contract through Strawberry's
resolvers; here the same questions go to the app that compiles read queries
(``app_on``), and every test checks that the compiled statement answered (not
a fallback to Strawberry) and that the app that does not compile
(``app_off``) answered the same. Staff of Karawang against Bekasi's rows at
every level first: the top list, a single read, nested lists from a regency
and from an app, agreements and the apps they cover, counts, cursors issued
to Kominfo; then the personal fields of every model that declares some, for
every caller, as tests/roles.py's oracle expects them.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from models import Agreement, Complaint, ComplaintEvent
from models.enums import AgreementStatus, ComplaintStatus
from models.registry import camel
from tests.roles import CALLER, CALLERS, oracle
from tests.test_compiled_reads import Answer, ask, difference, not_compiled

ORACLE = oracle()
REGISTRY = ORACLE.registry
PERSONAL_MODELS = [spec.name for spec in REGISTRY if spec.declaration.personal]
#: (model, caller) for every caller that may read the model at all (the others get an error: no compiled answer).
PERSONAL_READERS = [(m, c.name) for m in PERSONAL_MODELS for c in CALLERS if ORACLE.allowed(c, m, "read")]


async def compiled_answer(app_on, app_off, on, off, caller: str, query: str, variables: dict | None = None) -> dict:
    """``caller``'s answer from the compiled path, once it is known to be the compiled path's and Strawberry's too."""
    got: Answer = await ask(app_on, on(caller), query, variables)
    want: Answer = await ask(app_off, off(caller), query, variables)
    assert not difference(got, want), f"as {caller}: the answers differ\n" + difference(got, want)
    assert not want.errors, want.body
    assert got.compiled, f"as {caller}: {not_compiled(app_on)}"
    return got.body["data"]


def strings_in(data: Any) -> set[str]:
    """Every string value anywhere in an answer (ids, codes, numbers, titles, cursors)."""
    if isinstance(data, dict):
        return set().union(*(strings_in(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(strings_in(v) for v in data)) if data else set()
    return {data} if isinstance(data, str) else set()


@pytest.fixture
async def bekasi_rows(full_world):
    """What Karawang's staff must never meet: Bekasi's complaints (and their history) and Bekasi's drafts."""
    # Reporters named as nobody in Karawang is (the world names them alike in both regencies).
    for n, complaint in enumerate(await Complaint.filter(regency__code="32.16")):
        await Complaint.filter(pk=complaint.pk).update(reporter_name=f"Pelapor Bekasi {n}", reporter_contact=f"0821-{n}")
    complaints = await Complaint.filter(regency__code="32.16")
    drafts = await Agreement.filter(regency__code="32.16", status=AgreementStatus.DRAFT)
    # A step of a Bekasi complaint's history, and a draft that covers apps Karawang's staff may read.
    await ComplaintEvent.create(complaint=complaints[0], status=ComplaintStatus.VERIFIED, note="catatan Bekasi")
    await drafts[0].apps.add(*full_world.apps)
    return {
        "complaint ids": {str(c.pk) for c in complaints},
        "tracking codes": {c.tracking_code for c in complaints},
        "titles": {c.title for c in complaints},
        "reporters": {c.reporter_name for c in complaints} | {c.reporter_contact for c in complaints},
        "drafts": {d.number for d in drafts} | {d.title for d in drafts},
        "notes": {"catatan Bekasi"},
    }


#: Every path from the API's roots to a complaint or an agreement, each asking for what could identify one.
EVERY_LEVEL = {
    "top list": "{ complaints(first: 100) { totalCount nodes { id trackingCode title reporterName reporterContact "
                "history { note } } } agreements(first: 100) { totalCount nodes { id number title } } }",
    "regency → complaints": "{ regencies { nodes { code complaints { id trackingCode title "
                            "reporterName history { note } } agreements { number title } } } }",
    "app → complaints and agreements": "{ apps { nodes { name complaints { id trackingCode "
                                       "reporterContact } agreements { number title "
                                       "apps(first: 10) { agreements(first: 10) { number } } } } } }",
    "agreement → regency → complaints": "{ agreements { nodes { number regency { complaints "
                                        "{ trackingCode } } provider { providedAgreements { number title } } "
                                        "followups { number title } parent { number title } } } }",
    "history": "{ complaintEvents(first: 100) { totalCount nodes { note complaint { trackingCode title } } } }",
    "filters aimed at Bekasi": '{ byRegency: complaints(filter: {regency: {code: {eq: "32.16"}}}) { totalCount nodes { id } } '
                               'byTitle: complaints(filter: {title: {contains: "Bekasi"}}) { totalCount nodes { id } } '
                               'byApp: agreements(filter: {status: {eq: DRAFT}, apps: {slug: {eq: "laksa"}}}) '
                               "{ totalCount nodes { number } } "
                               'bySearch: complaints(search: "Bekasi") { totalCount } '
                               'events: complaintEvents(filter: {complaint: {regency: {code: {eq: "32.16"}}}}) '
                               "{ totalCount } }",
}


@pytest.mark.parametrize("level", list(EVERY_LEVEL))
async def test_karawang_staff_never_meet_bekasi_rows_at_any_level(full_world, callers, bekasi_rows, app_on, app_off,
                                                                  on, off, level):
    data = await compiled_answer(app_on, app_off, on, off, "staff.karawang", EVERY_LEVEL[level])
    shown = strings_in(data)
    for what, values in bekasi_rows.items():
        assert not shown & values, f"{level}: Bekasi's {what} reached staff.karawang: {shown & values}"
    # and what Kominfo reads through the same path does hold them (the query could have leaked them)
    everything = strings_in(await compiled_answer(app_on, app_off, on, off, "kominfo", EVERY_LEVEL[level]))
    if level != "filters aimed at Bekasi":
        assert everything & set().union(*bekasi_rows.values()), f"{level}: the path reaches no Bekasi row at all"


async def test_single_reads_of_bekasi_rows_are_null(full_world, callers, bekasi_rows, app_on, app_off, on, off):
    draft = full_world.draft["32.16"]
    event = await ComplaintEvent.filter(complaint__regency__code="32.16").first()
    for complaint_id in sorted(bekasi_rows["complaint ids"]):
        data = await compiled_answer(
            app_on, app_off, on, off, "staff.karawang",
            "query($c: ID!, $a: ID!, $e: ID!) { complaint(id: $c) { id title reporterName } "
            "agreement(id: $a) { number } complaintEvent(id: $e) { note } }",
            {"c": complaint_id, "a": str(draft.pk), "e": str(event.pk)},
        )
        assert data == {"complaint": None, "agreement": None, "complaintEvent": None}


async def test_counts_stay_in_the_callers_regency(full_world, callers, bekasi_rows, app_on, app_off, on, off):
    query = ('{ complaints { totalCount } bekasi: complaints(filter: {regency: {code: {eq: "32.16"}}}) { totalCount } '
             "drafts: agreements(filter: {status: {eq: DRAFT}}) { totalCount } complaintEvents { totalCount } }")
    karawang = await compiled_answer(app_on, app_off, on, off, "staff.karawang", query)
    assert karawang["complaints"]["totalCount"] == await Complaint.filter(regency__code="32.15").count()
    assert karawang["bekasi"]["totalCount"] == 0
    assert karawang["drafts"]["totalCount"] == await Agreement.filter(regency__code="32.15", status="DRAFT").count()
    assert karawang["complaintEvents"]["totalCount"] == await ComplaintEvent.filter(
        complaint__regency__code="32.15").count()
    kominfo = await compiled_answer(app_on, app_off, on, off, "kominfo", query)
    assert kominfo["bekasi"]["totalCount"] == len(bekasi_rows["complaint ids"]) > 0


@pytest.mark.parametrize("order", ["createdAt: DESC", "id: ASC", "trackingCode: DESC"])
async def test_a_bekasi_rows_cursor_issued_to_kominfo_reveals_nothing_to_karawang(
    full_world, callers, bekasi_rows, app_on, app_off, on, off, order
):
    # Given a cursor Kominfo was issued for a Bekasi complaint (its sort keys are inside, signed)
    kominfo = await compiled_answer(
        app_on, app_off, on, off, "kominfo", f"{{ complaints(first: 100, orderBy: [{{{order}}}]) {{ edges {{ cursor "
        "node { id } } } }",
    )
    cursors = [e["cursor"] for e in kominfo["complaints"]["edges"] if e["node"]["id"] in bekasi_rows["complaint ids"]]
    assert cursors
    own = await Complaint.filter(regency__code="32.15").count()
    for cursor in cursors:
        # When Karawang's staff page after it, at the top and in a nested list
        data = await compiled_answer(
            app_on, app_off, on, off, "staff.karawang",
            f"query($after: String) {{ complaints(first: 100, after: $after, orderBy: [{{{order}}}]) {{ totalCount "
            "nodes { id trackingCode title } pageInfo { startCursor endCursor } } "
            f"regencies {{ nodes {{ complaints(after: $after, orderBy: [{{{order}}}]) {{ id trackingCode }} }} }} }}",
            {"after": cursor},
        )
        # Then they page their own rows only, and the count is their regency's, whatever the cursor
        shown = strings_in(data)
        for what, values in bekasi_rows.items():
            assert not shown & values, f"Bekasi's {what} came back after a Bekasi cursor"
        assert cursor not in shown
        assert data["complaints"]["totalCount"] == own


@pytest.mark.parametrize(("model", "caller"), PERSONAL_READERS)
async def test_personal_fields_on_the_compiled_path_follow_the_oracle(full_world, callers, app_on, app_off, on, off,
                                                                      model, caller):
    """The list, a nested list under the row's regency, and the single read of every row: the value where the
    caller holds ``read_personal`` on the row's regency, ``null`` elsewhere (e.g. staff of one regency reading
    another regency's published kiosk), never an error."""
    spec, who = REGISTRY[model], CALLER[caller]
    personal = " ".join(camel(name) for name in spec.declaration.personal)
    regency = REGISTRY["Regency"]
    relation = next(r for r in regency.relations.values() if r.many and regency.related(r.name).name == spec.name)
    data = await compiled_answer(
        app_on, app_off, on, off, caller,
        f"{{ {spec.plural}(first: 100) {{ nodes {{ id {personal} }} }} "
        f"regencies(first: 100) {{ nodes {{ {camel(relation.name)}(first: 100) {{ id {personal} }} }} }} }}",
    )
    readable = await ORACLE.rows(who, spec, "read")
    facts = await ORACLE.facts(spec)
    rows = {str(row.pk): row for row in await spec.model.all()}

    def check(nodes: list[dict], where: str) -> None:
        assert {n["id"] for n in nodes} == {str(pk) for pk in readable}, where
        for node in nodes:
            row = rows[node["id"]]
            want = ORACLE.shown_personal(who, spec, row, facts[row.pk])
            assert {k: node[k] for k in want} == want, (where, node)

    check(data[spec.plural]["nodes"], "list")
    check([n for r in data["regencies"]["nodes"] for n in r[camel(relation.name)]], "nested")
    # and the single read of every row, all in one query (aliases), readable or not
    reads = " ".join(f'r{pk}: {spec.singular}(id: "{pk}") {{ id {personal} }}' for pk in sorted(facts))
    singles = await compiled_answer(app_on, app_off, on, off, caller, f"{{ {reads} }}")
    for pk in sorted(facts):
        single = singles[f"r{pk}"]
        if pk in readable:
            want = ORACLE.shown_personal(who, spec, rows[str(pk)], facts[pk])
            assert {k: single[k] for k in want} == want, (pk, single)
        else:
            assert single is None, (pk, single)


async def test_staff_read_another_regencys_published_rows_without_their_personal_fields(
    full_world, callers, app_on, app_off, on, off
):
    # Given a published kiosk of Bekasi, readable by everyone, whose contact person is personal data
    query = '{ kiosks(filter: {regency: {code: {eq: "32.16"}}}) { nodes { location isPublic contactPerson } } }'
    # When Karawang's staff, Bekasi's staff and the public read Bekasi's kiosks
    karawang = await compiled_answer(app_on, app_off, on, off, "staff.karawang", query)
    bekasi = await compiled_answer(app_on, app_off, on, off, "staff.bekasi", query)
    public = await compiled_answer(app_on, app_off, on, off, "anonymous", query)
    # Then only Bekasi's staff read the contact person; the others see the published kiosk with null there
    assert [n["isPublic"] for n in karawang["kiosks"]["nodes"]] == [True]
    assert [n["contactPerson"] for n in karawang["kiosks"]["nodes"]] == [None]
    assert public == karawang
    assert all(n["contactPerson"] for n in bekasi["kiosks"]["nodes"]) and len(bekasi["kiosks"]["nodes"]) == 2
    assert "Rahasia" not in json.dumps(karawang) + json.dumps(public)
