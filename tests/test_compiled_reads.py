"""Compiled reads (schema/compiled/) answer exactly what Strawberry's resolvers answer, for every caller.

A corpus of read queries, the shapes of the peers' benchmark first (Q1-Q4,
/work/shared/peers), then every feature of the generated read fields: single
rows by id, personal fields, nested lists with their own filter, order, first
and after, many-to-many both ways, relation filters and declared conditions,
every operator, orders on text and on nullable fields, edges, page info and a
second page, search, directives, fragments, aliases, ``__typename``,
variables, enums, dates and times. Each query goes, as every caller of
tests/roles.py, to the app that compiles (``app_on``) and to the app that does
not (``app_off``): the two bodies must be identical, and a query the corpus
marks as compiled must have been answered by the compiled statement (the
compiler's ``executed`` counter grew). An answer with errors, a query with a
field the compiler leaves to Strawberry (a mutation, ``me``, an aggregate,
introspection) must fall back instead.

Then: a three-level query is one SQL statement for the whole request, one
plan serves the staff of every regency, and a policy change shows on the next
request of a cached plan.

The corpus only reads, so it shares one world built once for this module
(``clean_database`` is switched off here; the one test that changes the policy
puts it back). ``COMPILED_DUMP=1`` prints every answer, to read the corpus.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from models import Agreement, App, Complaint, ComplaintEvent, Regency, User
from models.enums import AgreementKind, AgreementStatus, AppCategory, ComplaintStatus, RegencyKind
from tests.conftest import GraphQLClient, registry_for_tests, reset_database
from tests.roles import CALLERS, enrol
from tests.sql_counter import count_statements

CALLER_NAMES = [c.name for c in CALLERS]
DUMP = bool(os.environ.get("COMPILED_DUMP"))

UTC = dt.timezone.utc


# --- asking both apps ----------------------------------------------------------------------------


def compiler_stats(app) -> dict[str, int]:
    """The compiler's counters ("plans", "executed", "fallbacks"); empty while the app has no compiler."""
    compiler = getattr(app.state, "compiler", None)
    return dict(getattr(compiler, "stats", None) or {})


@dataclass
class Answer:
    status: int
    body: Any
    #: How much each of the compiler's counters grew during the request.
    grew: dict[str, int] = field(default_factory=dict)

    @property
    def compiled(self) -> bool:
        return self.grew.get("executed", 0) > 0

    @property
    def errors(self) -> list:
        return (self.body or {}).get("errors") or [] if isinstance(self.body, dict) else []


async def ask(app, client: GraphQLClient, query: str, variables: dict | None = None,
              operation_name: str | None = None) -> Answer:
    """Post one operation as ``client``'s caller, and read what the compiler of ``app`` did with it."""
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation_name:
        payload["operationName"] = operation_name
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    before = compiler_stats(app)
    response = await client.http.post("/graphql", json=payload, headers=headers)
    after = compiler_stats(app)
    grew = {key: after.get(key, 0) - before.get(key, 0) for key in ("plans", "executed", "fallbacks")}
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(response.status_code, body, grew)


def difference(got: Answer, want: Answer) -> str:
    """Empty when the compiled app answered exactly as Strawberry did; else both answers, to compare."""
    if got.status == want.status and got.body == want.body:
        return ""
    return (
        f"compiled app (HTTP {got.status}):\n{json.dumps(got.body, indent=1, ensure_ascii=False)[:4000]}\n"
        f"Strawberry (HTTP {want.status}):\n{json.dumps(want.body, indent=1, ensure_ascii=False)[:4000]}"
    )


def not_compiled(app) -> str:
    """Why a query meant to compile was answered by Strawberry (said in the failure)."""
    if getattr(app.state, "compiler", None) is None:
        return "the app has no compiler yet (app.state.compiler is missing): Strawberry answered"
    return f"the compiler passed it to Strawberry (stats now {compiler_stats(app)})"


# --- the world the corpus reads ------------------------------------------------------------------


@dataclass
class Rows:
    """Ids of the rows the corpus names (as the API writes them: strings)."""

    karawang: str
    bekasi: str
    tangerang: str
    complaint_karawang: str
    complaint_bekasi: str
    draft_karawang: str
    draft_bekasi: str
    mou_karawang: str
    laksa: str
    bekasi_secret: str
    tokens: dict[str, str | None]


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


async def build_corpus_world() -> Rows:
    """tests/world.py's world with a row in every model (``full_world``), and a few more rows so that
    pages have several rows, nested lists are long enough to cut and order, and every nullable field
    has rows with and without a value."""
    from tests.factory import populate
    from tests.world import build_world

    world = await build_world()
    await populate(registry_for_tests(), (world.karawang, world.bekasi))
    karawang, bekasi, tangerang = world.karawang, world.bekasi, world.tangerang
    laksa, office, sikda = world.apps
    purwakarta = await Regency.create(code="32.14", name="Kabupaten Purwakarta", kind=RegencyKind.KABUPATEN,
                                      province="Jawa Barat")
    # A lower-case name sorts first without regard to case, last with it; a launch date on some apps only.
    desa = await App.create(name="aplikasi Desa", slug="aplikasi-desa", category=AppCategory.PUBLIC_SERVICE,
                            description="Layanan administrasi desa", owner_unit="Dinas PMD",
                            url="https://desa.example.id", launched_on=dt.date(2021, 3, 1))
    await App.filter(pk=laksa.pk).update(launched_on=dt.date(2019, 1, 2), description="Pengaduan 100% daring",
                                         owner_unit="Diskominfo")
    pks = await Agreement.create(
        number="PKS/32.15/2019", kind=AgreementKind.PKS, title="PKS LAKSA Karawang", regency=karawang,
        provider=tangerang, parent=world.mou["32.15"], signed_on=dt.date(2019, 2, 1),
        valid_until=dt.date(2029, 2, 1), status=AgreementStatus.ACTIVE, signatories="Bupati Karawang",
    )
    await pks.apps.add(laksa, sikda, desa)
    expired = await Agreement.create(
        number="pks/32.16/2017", kind=AgreementKind.PKS, title="PKS lama Bekasi", regency=bekasi,
        provider=tangerang, parent=world.mou["32.16"], signed_on=dt.date(2017, 1, 1),
        valid_until=dt.date(2019, 1, 1), status=AgreementStatus.EXPIRED,
    )
    await expired.apps.add(office)
    await world.draft["32.15"].apps.add(desa)
    await world.draft["32.16"].apps.add(sikda, laksa)

    complaints = {}
    for n, (regency, app, title, status, created, due, resolved) in enumerate([
        (karawang, laksa, "Jalan rusak 100% parah_", ComplaintStatus.IN_PROGRESS, "2026-01-05T08:00", "2026-01-20T08:00", None),
        (karawang, None, "aplikasi lambat sekali", ComplaintStatus.IN_PROGRESS, "2026-02-10T09:30", "2099-01-01T00:00", None),
        (karawang, sikda, "Data ganda di SIKDA", ComplaintStatus.RESOLVED, "2026-03-01T10:00", None, "2026-03-05T11:00"),
        (karawang, desa, "Server desa mati", ComplaintStatus.VERIFIED, "2026-04-01T07:15", "2026-04-03T07:15", None),
        (bekasi, office, "Formulir hilang di Bekasi", ComplaintStatus.IN_PROGRESS, "2026-01-07T08:00", "2026-01-15T08:00", None),
        (bekasi, None, "Bekasi tanpa aplikasi", ComplaintStatus.REJECTED, "2026-02-11T12:00", None, None),
        (bekasi, laksa, "Rahasia Bekasi", ComplaintStatus.CLOSED, "2026-03-02T13:00", None, "2026-03-03T09:00"),
        (purwakarta, laksa, "Keluhan Purwakarta", ComplaintStatus.RECEIVED, "2026-05-01T08:00", "2026-05-04T08:00", None),
    ]):
        complaints[title] = await Complaint.create(
            tracking_code=f"ADU-{regency.code.replace('.', '')}-2026-{100 + n:06d}-K7QX9M", regency=regency, app=app,
            title=title, body=f"Isi laporan {n}: layanan tidak dapat diakses.", reporter_name=f"Pelapor {n}",
            reporter_contact=f"0812-7{n:03d}", status=status, created_at=_at(created),
            due_at=_at(due) if due else None, resolved_at=_at(resolved) if resolved else None,
        )
    staff = {u.username: u for u in await User.filter(username__in=["staff.karawang", "staff.bekasi"])}
    for complaint, actor, steps in (
        (complaints["Jalan rusak 100% parah_"], staff["staff.karawang"],
         [ComplaintStatus.RECEIVED, ComplaintStatus.VERIFIED, ComplaintStatus.IN_PROGRESS]),
        (complaints["Formulir hilang di Bekasi"], staff["staff.bekasi"],
         [ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS]),
    ):
        for n, status in enumerate(steps):
            first = status == ComplaintStatus.RECEIVED
            await ComplaintEvent.create(
                complaint=complaint, status=status, at=complaint.created_at + dt.timedelta(hours=n),
                note="" if first else f"catatan internal {n}", public_note="" if first else "Sedang ditangani",
                actor=None if first else actor, actor_name="" if first else actor.username,
            )

    from services.accounts import issue_token

    for caller in CALLERS:
        if not caller.anonymous and not await User.filter(username=caller.name).exists():
            await enrol(caller)
    tokens: dict[str, str | None] = {u.username: issue_token(u) for u in await User.all()}
    tokens["anonymous"] = None
    return Rows(
        karawang=str(karawang.pk), bekasi=str(bekasi.pk), tangerang=str(tangerang.pk),
        complaint_karawang=str(world.complaints["32.15"][0].pk), complaint_bekasi=str(world.complaints["32.16"][0].pk),
        draft_karawang=str(world.draft["32.15"].pk), draft_bekasi=str(world.draft["32.16"].pk),
        mou_karawang=str(world.mou["32.15"].pk), laksa=str(laksa.pk),
        bekasi_secret=str(complaints["Rahasia Bekasi"].pk), tokens=tokens,
    )


@pytest.fixture(scope="module")
async def rows(database) -> Rows:
    """One world for the whole module (built after the previous module's last test, so reset first)."""
    await reset_database()
    return await build_corpus_world()


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides conftest's reset before every test: this module's tests read the one world of ``rows``."""


@pytest.fixture
def tokens(rows):
    """The module world's tokens, for conftest's ``on`` and ``off`` clients."""
    return rows.tokens


# --- the corpus ----------------------------------------------------------------------------------

COMPLAINT_FIELDS = "id trackingCode title status createdAt regency { name } app { name }"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    #: Variables from the world's ids (None: no variables).
    variables: Callable[[Rows], dict] | None = None
    #: True: made only of generated read fields, so compiled whenever the answer has no error.
    #: False: must fall back to Strawberry (a mutation, a domain field, an error for every caller...).
    compiles: bool = True
    #: (query, path in its data): read first, as the same caller, to pass the cursor found as ``$after``.
    cursor_from: tuple[str, tuple[str | int, ...]] | None = None
    operation_name: str | None = None


def _ids(**names: str) -> Callable[[Rows], dict]:
    """Variables that name rows of the world: ``_ids(id="complaint_karawang")``."""
    return lambda rows: {variable: getattr(rows, attribute) for variable, attribute in names.items()}


def _given(**values: Any) -> Callable[[Rows], dict]:
    return lambda rows: dict(values)


FIRST_COMPLAINT_PAGE = (
    "{ complaints(first: 3, orderBy: [{createdAt: DESC}]) { pageInfo { endCursor } } }",
    ("complaints", "pageInfo", "endCursor"),
)

CORPUS: list[Case] = [
    # --- the peers' benchmark queries (Q1-Q4) ---------------------------------------------------
    Case("Q1-newest-complaints",
         f"query Q1 {{ complaints(first: 50, orderBy: [{{createdAt: DESC}}]) {{ nodes {{ {COMPLAINT_FIELDS} }} }} }}"),
    Case("Q2-filtered-with-total",
         "query Q2 { complaints(first: 20, orderBy: [{createdAt: DESC}], "
         'filter: {regency: {code: {eq: "32.15"}}, status: {eq: IN_PROGRESS}}) '
         f"{{ totalCount nodes {{ {COMPLAINT_FIELDS} }} }} }}"),
    Case("Q3-regencies-agreements-apps",
         "query Q3 { regencies(first: 10, orderBy: [{code: ASC}]) { nodes { code name "
         "agreements(orderBy: [{id: ASC}]) { id number kind apps(orderBy: [{id: ASC}]) { name } } } } }"),
    Case("Q4-own-regency", "query Q4($id: ID!) { complaint(id: $id) "
         "{ id trackingCode title status createdAt regency { name } } }", _ids(id="complaint_karawang")),
    # --- single rows by id ------------------------------------------------------------------------
    Case("single-other-regency", "query($id: ID!) { complaint(id: $id) { id title reporterName regency { code } } }",
         _ids(id="complaint_bekasi")),
    Case("single-missing-id", "{ complaint(id: 999999) { id title } agreement(id: \"424242\") { id } }"),
    Case("single-garbage-id", '{ regency(id: "not-a-number") { id code } }'),
    Case("single-draft-agreement",
         "query($k: ID!, $b: ID!) { own: agreement(id: $k) { id number status regency { code } apps { name } } "
         "other: agreement(id: $b) { id number status } }", _ids(k="draft_karawang", b="draft_bekasi")),
    Case("single-regency-with-nested",
         "query($id: ID!) { regency(id: $id) { code name kind province isProvider "
         "agreements(orderBy: [{number: ASC}]) { number status } complaints(first: 3) { trackingCode status } "
         "kiosks { location contactPerson } } }", _ids(id="karawang")),
    # --- personal fields --------------------------------------------------------------------------
    Case("personal-fields-list",
         "{ complaints(first: 100, orderBy: [{id: ASC}]) { nodes { id reporterName reporterContact regency { code } } }"
         " kiosks(orderBy: [{location: ASC}]) { nodes { id location contactPerson isPublic } } }"),
    Case("personal-fields-nested",
         "{ regencies(orderBy: [{code: ASC}]) { nodes { code complaints(orderBy: [{id: ASC}]) "
         "{ id reporterName reporterContact } kiosks { id contactPerson } } } }"),
    Case("personal-fields-of-published-rows",
         "{ kiosks(orderBy: [{location: ASC}]) { nodes { location contactPerson isPublic "
         "regency { code kiosks(orderBy: [{screens: DESC}]) { location contactPerson } } } } }"),
    Case("catalogue-page-for-everyone",
         f"{{ apps(first: 3, orderBy: [{{slug: ASC}}]) {{ totalCount edges {{ cursor node {{ __typename id name slug "
         f"category platform status url launchedOn description ownerUnit }} }} {PAGE_INFO} }} }}"),
    # --- nested lists -------------------------------------------------------------------------------
    Case("reverse-fk-with-filter-first",
         "{ regencies(orderBy: [{code: ASC}]) { nodes { code "
         "complaints(filter: {status: {in: [IN_PROGRESS, VERIFIED, RECEIVED]}}, first: 2, orderBy: [{createdAt: DESC}]) "
         "{ id status createdAt } } } }"),
    Case("reverse-fk-second-page",
         "query($after: String) { regencies(orderBy: [{code: ASC}]) { nodes { code "
         "complaints(first: 3, orderBy: [{createdAt: DESC}], after: $after) { id createdAt } } } }",
         cursor_from=FIRST_COMPLAINT_PAGE),
    Case("many-to-many-forward",
         "{ agreements(orderBy: [{id: ASC}]) { nodes { number status "
         "apps(orderBy: [{name: ASC}]) { name slug launchedOn } } } }"),
    Case("many-to-many-backward",
         "{ apps(orderBy: [{name: ASC}]) { nodes { name "
         "agreements(orderBy: [{number: DESC}], first: 2) { number status regency { code } } } } }"),
    Case("many-to-many-with-filter",
         "{ apps(orderBy: [{id: ASC}]) { nodes { slug agreements(filter: {kind: {eq: PKS}}) { number kind } } } }"),
    Case("fk-chains-and-self-reference",
         "{ agreements(orderBy: [{number: ASC}]) { nodes { number provider { code isProvider } "
         "parent { number parent { number } } followups(orderBy: [{id: ASC}]) { number status } } } }"),
    Case("complaint-history",
         "{ complaints(orderBy: [{id: ASC}], first: 100) { nodes { trackingCode "
         "history(orderBy: [{at: ASC}]) { status at note publicNote actorName } } } }"),
    Case("app-to-complaints",
         "{ apps(orderBy: [{id: ASC}]) { nodes { name complaints(orderBy: [{id: ASC}]) { id title regency { code } } } } }"),
    Case("three-levels-regency-complaints-app",
         "{ regencies(orderBy: [{code: ASC}]) { nodes { code complaints(orderBy: [{createdAt: DESC}]) "
         "{ trackingCode app { name agreements(orderBy: [{id: ASC}]) { number } } } } } }"),
    # --- relation filters and conditions -----------------------------------------------------------
    Case("filter-through-fk", '{ complaints(filter: {app: {name: {eq: "LAKSA"}}}, orderBy: [{id: ASC}]) '
         "{ totalCount nodes { id app { name } } } }"),
    Case("filter-through-many-to-many",
         '{ agreements(filter: {apps: {slug: {eq: "sikda"}}}, orderBy: [{id: ASC}]) { totalCount nodes { number } } }'),
    Case("filter-through-two-relations",
         '{ complaintEvents(filter: {complaint: {regency: {code: {eq: "32.16"}}}}, orderBy: [{at: ASC}]) '
         "{ totalCount nodes { status complaint { trackingCode } } } }"),
    Case("filter-nested-list-through-relation",
         '{ regencies(orderBy: [{code: ASC}]) { nodes { code agreements(filter: {apps: {name: {icontains: "desa"}}}) '
         "{ number } } } }"),
    Case("condition-overdue",
         "{ late: complaints(filter: {overdue: true}, orderBy: [{id: ASC}]) { totalCount nodes { id dueAt } } "
         "onTime: complaints(filter: {overdue: false}, orderBy: [{id: ASC}]) { totalCount nodes { id dueAt } } "
         "notLate: complaints(filter: {not: {overdue: true}}) { totalCount } }"),
    # --- operators ----------------------------------------------------------------------------------
    Case("and-or-not",
         '{ complaints(filter: {or: [{status: {eq: IN_PROGRESS}}, {and: [{status: {eq: RECEIVED}}, {app: {slug: {eq: "laksa"}}}]}], '
         'not: {regency: {code: {eq: "32.14"}}}}, orderBy: [{id: ASC}]) { totalCount nodes { id status } } }'),
    Case("in-and-not-in",
         '{ regencies(filter: {code: {in: ["32.15", "36.71", "99.99"]}}) { totalCount nodes { code } } '
         "complaints(filter: {status: {notIn: [RECEIVED, CLOSED]}, category: {in: [COMPLAINT, ASPIRATION]}}, "
         "orderBy: [{id: ASC}]) { totalCount nodes { id status } } }"),
    Case("contains-icontains-starts-with",
         '{ percent: complaints(filter: {title: {contains: "100%"}}) { totalCount nodes { title } } '
         'underscore: complaints(filter: {title: {contains: "_"}}) { totalCount } '
         'apps(filter: {name: {icontains: "OFFICE"}}) { nodes { name } } '
         'regencies(filter: {name: {startsWith: "Kabupaten"}}, orderBy: [{name: DESC}]) { nodes { name } } }'),
    Case("is-null-and-ranges",
         "{ noDeadline: complaints(filter: {dueAt: {isNull: true}}, orderBy: [{id: ASC}]) { totalCount nodes { id } } "
         "resolved: complaints(filter: {resolvedAt: {isNull: false}}) { totalCount nodes { resolvedAt } } "
         "launched: apps(filter: {launchedOn: {gte: \"2019-01-02\", lt: \"2030-01-01\"}}) { nodes { name launchedOn } } "
         "noApp: complaints(filter: {app: {id: {isNull: true}}}) { totalCount } }"),
    Case("enums-dates-and-datetimes",
         'query { agreements(filter: {signedOn: {gte: "2018-01-01"}, kind: {ne: MOU}, status: {notIn: [DRAFT]}}) '
         "{ nodes { number kind status signedOn validUntil } } "
         'complaints(filter: {createdAt: {gte: "2026-01-07T15:00:00+07:00", lt: "2026-03-02T13:00:00Z"}}, '
         "orderBy: [{createdAt: ASC}]) { nodes { createdAt dueAt resolvedAt status category } } "
         "regencies(filter: {kind: {eq: KOTA}, isProvider: {eq: true}}) { nodes { code kind isProvider } } }"),
    # Found by tests/test_compiled_fuzz.py: text no row could hold (not a slug) matches nothing; it is not an error.
    Case("filter-value-the-column-would-refuse",
         '{ apps(filter: {slug: {eq: "LPT1"}}) { totalCount } blank: apps(filter: {slug: {in: ["", "Bukan Slug"]}}) '
         "{ totalCount nodes { id } } }"),
    # --- orders ---------------------------------------------------------------------------------------
    Case("order-text-ignoring-case",
         "{ up: apps(orderBy: [{name: ASC}]) { nodes { name } } down: apps(orderBy: [{name: DESC}]) { nodes { name } } "
         "agreements(orderBy: [{number: ASC}]) { nodes { number } } }"),
    Case("order-nullable-nulls-last",
         "{ soonest: complaints(orderBy: [{dueAt: ASC}], first: 100) { nodes { id dueAt } } "
         "latest: complaints(orderBy: [{dueAt: DESC}], first: 100) { nodes { id dueAt } } "
         "agreements(orderBy: [{signedOn: ASC}]) { nodes { number signedOn } } "
         "apps(orderBy: [{launchedOn: DESC}]) { nodes { name launchedOn } } }"),
    Case("order-several-keys-and-default",
         "{ complaints(orderBy: [{status: ASC}, {createdAt: DESC}]) { nodes { id status } } "
         "agreements { nodes { number signedOn } } regencies(orderBy: [{province: DESC}, {name: ASC}]) { nodes { name } } }"),
    # --- pages ------------------------------------------------------------------------------------------
    Case("edges-and-page-info",
         f"{{ apps(first: 2, orderBy: [{{name: ASC}}]) {{ totalCount edges {{ cursor node {{ id name }} }} {PAGE_INFO} }} "
         f"complaints(first: 2) {{ edges {{ cursor node {{ trackingCode }} }} {PAGE_INFO} }} "
         f"empty: regencies(filter: {{code: {{eq: \"00.00\"}}}}) {{ totalCount edges {{ cursor }} {PAGE_INFO} }} }}"),
    Case("second-page-top-level",
         f"query($after: String) {{ complaints(first: 3, orderBy: [{{createdAt: DESC}}], after: $after) "
         f"{{ totalCount nodes {{ id createdAt }} {PAGE_INFO} }} }}",
         cursor_from=FIRST_COMPLAINT_PAGE),
    Case("second-page-text-order",
         f"query($after: String) {{ apps(first: 2, orderBy: [{{name: ASC}}], after: $after) "
         f"{{ nodes {{ name }} {PAGE_INFO} }} }}",
         cursor_from=("{ apps(first: 2, orderBy: [{name: ASC}]) { pageInfo { endCursor } } }",
                      ("apps", "pageInfo", "endCursor"))),
    Case("second-page-nested-many-to-many",
         "query($after: String) { agreements(orderBy: [{id: ASC}]) { nodes { number "
         "apps(orderBy: [{name: ASC}], first: 1, after: $after) { name } } } }",
         cursor_from=("{ apps(first: 1, orderBy: [{name: ASC}]) { edges { cursor } } }",
                      ("apps", "edges", 0, "cursor"))),
    Case("search",
         '{ complaints(search: "KELUHAN", orderBy: [{id: ASC}]) { totalCount nodes { title } } '
         'apps(search: "daring") { nodes { name } } regencies(search: "jawa barat", orderBy: [{code: ASC}]) '
         '{ nodes { code } } agreements(search: "pks") { totalCount } }'),
    # --- the shape of the document -------------------------------------------------------------------
    Case("include-and-skip-true",
         "query($withApp: Boolean!, $noRegency: Boolean!) { complaints(first: 5, orderBy: [{id: ASC}]) "
         "{ totalCount @skip(if: $noRegency) nodes { id app @include(if: $withApp) { name } "
         "regency @skip(if: $noRegency) { code } } } }", _given(withApp=True, noRegency=False)),
    Case("include-and-skip-false",
         "query($withApp: Boolean!, $noRegency: Boolean!) { complaints(first: 5, orderBy: [{id: ASC}]) "
         "{ totalCount @skip(if: $noRegency) nodes { id app @include(if: $withApp) { name } "
         "regency @skip(if: $noRegency) { code } } } apps @include(if: $withApp) { totalCount } }",
         _given(withApp=False, noRegency=True)),
    Case("fragments-and-inline-fragments",
         "fragment Place on Regency { code name } "
         "fragment Report on Complaint { id title regency { ...Place } ... on Complaint { status } } "
         "query { complaints(first: 4, orderBy: [{id: DESC}]) { nodes { ...Report app { ... on App { name slug } } } } "
         "regencies(first: 2) { nodes { ...Place ... @include(if: true) { province } } } }"),
    Case("aliases-same-field-twice",
         '{ a: complaints(first: 1, orderBy: [{id: ASC}]) { nodes { id } } '
         "b: complaints(first: 2, orderBy: [{id: DESC}]) { count: totalCount nodes { key: id heading: title } } "
         'karawang: regencies(filter: {code: {eq: "32.15"}}) { nodes { name } } '
         "regencies(orderBy: [{code: ASC}]) { nodes { code open: complaints(filter: {status: {eq: RECEIVED}}) { id } "
         "done: complaints(filter: {status: {in: [RESOLVED, CLOSED]}}) { id } } } }"),
    Case("typename-everywhere",
         f"{{ __typename complaints(first: 2) {{ __typename totalCount nodes {{ __typename id regency {{ __typename code }} "
         f"app {{ __typename }} history {{ __typename status }} }} edges {{ __typename cursor node {{ __typename id }} }} "
         f"pageInfo {{ __typename hasNextPage }} }} app(id: 1) {{ __typename name }} }}"),
    Case("variables-for-filter-first-after-order",
         "query($f: ComplaintFilter, $n: Int, $after: String, $o: [ComplaintOrder!], $s: String) "
         "{ complaints(filter: $f, first: $n, after: $after, orderBy: $o, search: $s) { totalCount nodes { id status } "
         "pageInfo { hasNextPage } } }",
         _given(f={"status": {"in": ["IN_PROGRESS", "RECEIVED", "VERIFIED"]}, "overdue": False}, n=2,
                o=[{"createdAt": "DESC"}], s="a"),
         cursor_from=("{ complaints(first: 1, orderBy: [{createdAt: DESC}], search: \"a\", "
                      "filter: {status: {in: [IN_PROGRESS, RECEIVED, VERIFIED]}, overdue: false}) { pageInfo { endCursor } } }",
                      ("complaints", "pageInfo", "endCursor"))),
    Case("variables-with-defaults",
         "query($code: String = \"32.16\", $n: Int = 2) { regencies(filter: {code: {eq: $code}}) { nodes { code "
         "complaints(first: $n, orderBy: [{id: ASC}]) { id } } } }"),
    Case("several-top-level-fields",
         "query($id: ID!) { regency(id: $id) { code } apps(first: 2) { totalCount } complaints(first: 1) { totalCount } "
         "agreements(first: 100) { totalCount nodes { number } } kiosks { totalCount } complaintEvents { totalCount } }",
         _ids(id="bekasi")),
    Case("operation-name-picks-one",
         "query First { apps { totalCount } } query Second { regencies(orderBy: [{code: DESC}]) { nodes { code } } }",
         operation_name="Second"),
    Case("nested-list-on-a-model-the-caller-may-not-read",
         "{ regencies(orderBy: [{code: ASC}]) { nodes { code noticeboards { id title } } } }"),
    # --- left to Strawberry ---------------------------------------------------------------------------
    Case("fallback-first-zero", "{ complaints(first: 0) { totalCount } apps(first: 0) { totalCount } }", compiles=False),
    Case("fallback-first-too-large", "{ apps(first: 101) { nodes { name } } }", compiles=False),
    Case("fallback-nested-first-negative", "{ regencies { nodes { agreements(first: -1) { id } } } }", compiles=False),
    Case("fallback-foreign-cursor",
         "query($after: String) { complaints(first: 2, orderBy: [{createdAt: DESC}], after: $after) { nodes { id } } }",
         compiles=False,
         cursor_from=("{ regencies(first: 1) { pageInfo { endCursor } } }", ("regencies", "pageInfo", "endCursor"))),
    Case("fallback-cursor-of-another-order",
         "query($after: String) { apps(first: 2, orderBy: [{name: DESC}], after: $after) { nodes { id } } }",
         compiles=False,
         cursor_from=("{ apps(first: 1, orderBy: [{name: ASC}]) { pageInfo { endCursor } } }",
                      ("apps", "pageInfo", "endCursor"))),
    Case("fallback-garbage-cursor", '{ apps(after: "bm90IGEgY3Vyc29y") { nodes { id } } }', compiles=False),
    Case("fallback-unknown-enum", "{ complaints(filter: {status: {eq: NOPE}}) { totalCount } }", compiles=False),
    Case("fallback-search-too-long", '{ apps(search: "%s") { totalCount } }' % ("x" * 201), compiles=False),
    Case("fallback-mutation",
         'mutation($id: ID!) { updateApp(id: $id, input: {ownerUnit: "Diskominfo"}) { id name ownerUnit } }',
         _ids(id="laksa"), compiles=False),
    Case("fallback-me-beside-a-list", "{ me { username } complaints(first: 1) { totalCount } }", compiles=False),
    Case("fallback-domain-operations",
         '{ trackComplaint(trackingCode: "ADU-3215-2026-000100-K7QX9M") { status history { status } } '
         "policyRules { role } users { totalCount } }", compiles=False),
    Case("fallback-aggregate",
         "{ complaintsAggregate { count groups(by: [STATUS]) { key { status } count } } apps { totalCount } }",
         compiles=False),
    Case("fallback-introspection",
         '{ __schema { queryType { name } } __type(name: "Complaint") { name } apps { totalCount } }', compiles=False),
    Case("fallback-user-fields", "{ users(first: 5) { nodes { username role grants { role domain } } } }",
         compiles=False),
]


def _dig(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        if data is None:
            return None
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


async def variables_for(case: Case, rows: Rows, reference: GraphQLClient) -> dict:
    variables = case.variables(rows) if case.variables else {}
    if case.cursor_from:
        query, path = case.cursor_from
        # The first page as the same caller reads it (None when the caller gets an error: the first page again).
        variables["after"] = _dig((await reference(query)).get("data"), path)
    return variables


@pytest.mark.parametrize("caller", CALLER_NAMES)
@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
async def test_compiled_reads_answer_as_strawberry_does(rows, on, off, app_on, app_off, case, caller):
    # Given the query as this caller would send it
    variables = await variables_for(case, rows, off(caller))
    # When it goes to the app that compiles and to the one that does not
    got = await ask(app_on, on(caller), case.query, variables, case.operation_name)
    want = await ask(app_off, off(caller), case.query, variables, case.operation_name)
    if DUMP:
        print(f"\n### {case.name} as {caller} (compiled: {got.compiled})\n{json.dumps(want.body, ensure_ascii=False)}")
    # Then both answers are the same, once decoded
    assert not difference(got, want), f"{case.name} as {caller}: the answers differ\n" + difference(got, want)
    # and the compiled statement answered every query meant to compile (its errors excepted)
    if case.compiles and not want.errors:
        assert got.compiled, f"{case.name} as {caller}: {not_compiled(app_on)}"
    else:
        assert not got.compiled, f"{case.name} as {caller}: compiled, but must be left to Strawberry: {got.grew}"


def test_the_suite_runs_in_verify_mode(app):
    """conftest sets GRAPHQL_COMPILE=verify unless the environment chose a mode: every API test of the suite
    then checks the compiled answers against the interpreted ones."""
    from core.settings import get_settings

    assert app.state.settings.graphql_compile == get_settings().graphql_compile == os.environ["GRAPHQL_COMPILE"]
    assert os.environ["GRAPHQL_COMPILE"] in ("verify", "on", "off")


async def test_the_corpus_reads_real_rows(rows, on):
    """The corpus is only as good as its world: Kominfo's answers to its main queries are not empty."""
    client = on("kominfo")
    body = await client("{ complaints(first: 100) { totalCount } agreements { totalCount } apps { totalCount } "
                        "regencies { nodes { complaints { id } agreements { apps { id } } } } }")
    data = body["data"]
    assert data["complaints"]["totalCount"] >= 14 and data["agreements"]["totalCount"] >= 6, data
    assert data["apps"]["totalCount"] >= 4
    assert max(len(r["complaints"]) for r in data["regencies"]["nodes"]) >= 7
    assert max(len(a["apps"]) for r in data["regencies"]["nodes"] for a in r["agreements"]) >= 3
    staff = await on("staff.karawang")(
        "{ complaints(first: 100) { nodes { reporterName history { id } } } agreements { nodes { status } } }"
    )
    assert all(n["reporterName"] for n in staff["data"]["complaints"]["nodes"]), staff
    assert any(n["history"] for n in staff["data"]["complaints"]["nodes"]), staff
    assert "DRAFT" in {n["status"] for n in staff["data"]["agreements"]["nodes"]}, staff


# --- one statement, one plan ------------------------------------------------------------------------

THREE_LEVELS = {
    "regencies-agreements-apps":
        "{ regencies(first: 10, orderBy: [{code: ASC}]) { nodes { code name "
        "agreements(orderBy: [{id: ASC}]) { id number kind apps(orderBy: [{id: ASC}]) { name } } } } }",
    "regencies-complaints-app":
        "{ regencies(orderBy: [{code: ASC}]) { totalCount nodes { code complaints(first: 5, orderBy: [{createdAt: DESC}]) "
        "{ trackingCode reporterName app { name } } } } }",
}


@pytest.mark.parametrize("caller", ["staff.karawang", "kominfo", "anonymous"])
@pytest.mark.parametrize("name", list(THREE_LEVELS))
async def test_a_compiled_query_is_one_sql_statement(rows, on, off, app_on, app_off, name, caller):
    query = THREE_LEVELS[name]
    await ask(app_on, on(caller), query)  # the plan is compiled and the policy loaded: the next request is the steady state
    # When the caller sends a query three levels deep
    with count_statements() as statements:
        got = await ask(app_on, on(caller), query)
    # Then one SQL statement answered the whole request (the caller's account is checked inside it)
    assert got.compiled, not_compiled(app_on)
    assert len(statements) == 1, "\n".join(statements)
    want = await ask(app_off, off(caller), query)
    assert not difference(got, want), difference(got, want)


async def test_one_plan_serves_the_staff_of_every_regency(rows, on, off, app_on, app_off):
    query = ("query Desk($n: Int) { complaints(first: $n, orderBy: [{createdAt: DESC}]) "
             "{ totalCount nodes { trackingCode reporterName regency { code } } } }")
    # Given Karawang's staff ran the query (its plan is compiled and cached)
    karawang = await ask(app_on, on("staff.karawang"), query, {"n": 10})
    assert karawang.compiled, not_compiled(app_on)
    plans = compiler_stats(app_on).get("plans")
    # When Bekasi's staff runs it, with other variables
    bekasi = await ask(app_on, on("staff.bekasi"), query, {"n": 20})
    # Then no plan was compiled for it, and Bekasi's rows came back, not Karawang's
    assert bekasi.compiled and compiler_stats(app_on).get("plans") == plans, (bekasi.grew, compiler_stats(app_on))
    codes = lambda answer: {n["regency"]["code"] for n in answer.body["data"]["complaints"]["nodes"]}  # noqa: E731
    assert codes(karawang) == {"32.15"} and codes(bekasi) == {"32.16"}
    want = await ask(app_off, off("staff.bekasi"), query, {"n": 20})
    assert not difference(bekasi, want), difference(bekasi, want)


# --- a policy change ---------------------------------------------------------------------------------

AGREEMENT_READS = {
    "top-level": "{ agreements(orderBy: [{id: ASC}]) { totalCount nodes { number status } } }",
    "nested": "{ regencies(orderBy: [{code: ASC}]) { nodes { code agreements(orderBy: [{id: ASC}]) { number status } } } }",
    "m2m": "{ apps(orderBy: [{id: ASC}]) { nodes { slug agreements(orderBy: [{id: ASC}]) { number } } } }",
    "single": "query($id: ID!) { agreement(id: $id) { number status } }",
}


async def test_a_policy_change_shows_on_the_next_request_of_a_cached_plan(rows, on, off, app_on, app_off):
    from permissions.management import add_rule, remove_rule

    variables = {"id": rows.draft_karawang}

    async def read_all(caller: str) -> dict[str, Answer]:
        answers = {}
        for name, query in AGREEMENT_READS.items():
            got = await ask(app_on, on(caller), query, variables)
            want = await ask(app_off, off(caller), query, variables)
            assert not difference(got, want), f"{name} as {caller}\n" + difference(got, want)
            if not want.errors:
                assert got.compiled, f"{name} as {caller}: {not_compiled(app_on)}"
            answers[name] = want
        return answers

    # Given staff.karawang's plans are compiled and cached, and read Karawang's draft
    before = await read_all("staff.karawang")
    assert before["single"].body["data"]["agreement"]["status"] == "DRAFT"
    removed: list[tuple[str, str, str, str]] = []
    try:
        # When the staff's read on Agreement is removed, they read what the public reads
        rule = ("regency_staff", "*", "Agreement", "read")
        assert await remove_rule(*rule)
        removed.append(rule)
        staff_as_public = await read_all("staff.karawang")
        assert staff_as_public["single"].body["data"]["agreement"] is None
        assert "DRAFT" not in json.dumps(staff_as_public["nested"].body)
        assert staff_as_public["top-level"].body != before["top-level"].body
        # and when the public's read goes too, nobody but Kominfo reads agreements
        rule = ("public", "public", "Agreement", "read")
        assert await remove_rule(*rule)
        removed.append(rule)
        nobody = await read_all("staff.karawang")
        assert [e["extensions"]["code"] for e in nobody["top-level"].errors] == ["FORBIDDEN"], nobody["top-level"].body
        await read_all("anonymous")
        await read_all("kominfo")
    finally:
        for rule in removed:
            await add_rule(*rule, registry=registry_for_tests())
    # Then, the rules back, the same plans answer as before
    assert {name: a.body for name, a in (await read_all("staff.karawang")).items()} == {
        name: a.body for name, a in before.items()
    }
