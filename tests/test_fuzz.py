"""Property-based fuzzing of the whole API: whatever a client sends, the answer keeps the contract.

Operations are generated from the schema the app serves (hypothesis-graphql
reads its SDL), sent through the real ASGI app as anonymous, regency staff and
Kominfo, next to malformed requests (random bytes, JSON values, content types,
variables of the wrong shape). Every answer must be JSON, never an HTTP 500,
never a traceback or SQL text, and every error must carry one of the
contract's five ``extensions.code`` values.

``FUZZ_EXAMPLES`` sets the examples per test: about 30 in ``make test``,
500 in ``make fuzz``. Hypothesis keeps no example database (nothing is
written into the repository) and has no deadline (shared, noisy machines).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import string
import tempfile
from pathlib import Path

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    # Hypothesis caches what it learns about the code (even without an example database) in .hypothesis/
    # of the working directory: keep that out of the repository.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "simpul-hypothesis")

CODES = {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "INTERNAL_SERVER_ERROR"}
#: Text that only an internal failure would put in a response.
LEAKS = ("Traceback", "SELECT ", "INSERT ", "UPDATE \"", "sqlite3", "asyncpg", "tortoise.", 'File "/')
CALLERS = ("anonymous", "staff.karawang", "kominfo")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    # One world per test function serves all of its examples (the rows they write stay: that is fine).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- what to send --------------------------------------------------------------------------------

#: Ids: mostly ones the world has (so reads and writes reach real rows), sometimes any digits at all,
#: given as a string or an integer literal as GraphQL allows for ID.
_ID_DIGITS = st.one_of(st.integers(1, 12).map(str), st.from_regex(r"\A[0-9]{1,30}\Z"))
ID_NODES = st.one_of(_ID_DIGITS.map(nodes.String), st.integers(0, 2**31 - 1).map(nodes.Int))
#: Dates and times: valid ISO text mostly, one in twenty any text (the scalar must refuse it cleanly).
_DATES = st.dates().map(dt.date.isoformat)
_DATETIMES = st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=7))])).map(
    dt.datetime.isoformat
)
DATE_NODES = st.integers(0, 19).flatmap(lambda n: st.text(max_size=12) if n == 0 else _DATES).map(nodes.String)
DATETIME_NODES = st.integers(0, 19).flatmap(lambda n: st.text(max_size=20) if n == 0 else _DATETIMES).map(nodes.String)
#: Text: short and any, names the API knows (codes, users, roles, models, actions), and text longer than
#: any column (a value the database cannot hold must be refused or match nothing, never crash).
_CHARACTERS = st.characters(blacklist_categories=("Cs",), min_codepoint=1)
KNOWN_TEXT = st.sampled_from([
    "32.15", "32.16", "36.71", "*", "public", "kominfo", "staff.karawang", "staff.bekasi", "regency_staff",
    "kominfo_admin", "Complaint", "App", "Agreement", "Regency", "User", "Policy", "read", "update", "transition",
    "manage", "ADU-3215-2026-000001", "laksa", "demo-password", "", " ", "%", "_", "\\", "'", '"', "\u200b", "😀",
])
#: Built by repeating a short text: long text drawn character by character would use up Hypothesis's budget
#: for one example, and examples holding it would be dropped.
LONG_TEXT = st.tuples(st.text(_CHARACTERS, min_size=1, max_size=6) | st.just("9"), st.integers(6, 400)).map(
    lambda parts: (parts[0] * parts[1])[: parts[1]]
)
STRING_NODES = st.one_of(st.text(_CHARACTERS, max_size=20), KNOWN_TEXT, KNOWN_TEXT, LONG_TEXT).map(nodes.String)
CUSTOM_SCALARS = {"ID": ID_NODES, "Date": DATE_NODES, "DateTime": DATETIME_NODES, "String": STRING_NODES}


def json_values(finite: bool = True) -> st.SearchStrategy:
    """Any JSON value; ``finite=False`` adds NaN and the infinities, which Python's JSON writes and reads."""
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=not finite, allow_infinity=not finite)
        | st.text() | KNOWN_TEXT | LONG_TEXT,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20,
    )


JSON_VALUES = json_values()

_strategies: dict[tuple, st.SearchStrategy[str]] = {}


def operations(app, kind: str, mode=gql_st.Mode.POSITIVE) -> st.SearchStrategy[str]:
    """Queries or mutations generated from the SDL the app serves (built once per kind and mode)."""
    key = (id(app), kind, mode)
    if key not in _strategies:
        sdl = app.state.schema.as_str()
        # Subscriptions run over WebSocket only; fuzz the HTTP API's queries and mutations.
        factory = gql_st.queries if kind == "query" else gql_st.mutations
        # NUL in a string literal refuses the whole operation before it runs: allow it only in a few.
        _strategies[key] = st.one_of(
            factory(sdl, custom_scalars=CUSTOM_SCALARS, mode=mode, allow_x00=False),
            factory(sdl, custom_scalars=CUSTOM_SCALARS, mode=mode, allow_x00=False),
            factory(sdl, custom_scalars=CUSTOM_SCALARS, mode=mode),
        )
    return _strategies[key]


# --- what every answer must be -------------------------------------------------------------------


def assert_keeps_the_contract(response, sent: object) -> dict:
    """No 500, JSON, nothing internal in the text, a contract code on every error."""
    context = f"\nsent: {sent!r:.2000}\nstatus: {response.status_code}\nbody: {response.text[:2000]}"
    assert response.status_code < 500, "an HTTP 500" + context
    for leak in LEAKS:
        assert leak not in response.text, f"{leak!r} in the response" + context
    assert response.headers.get("content-type", "").startswith("application/json"), "not JSON" + context
    body = response.json()
    assert isinstance(body, dict), "not a JSON object" + context
    errors = body.get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, f"error without a contract code: {error!r}" + context
        if code == "INTERNAL_SERVER_ERROR":
            pytest.fail("an internal error (a bug to fix, not an answer to give)" + context)
    return body


def headers_for(tokens: dict, caller: str) -> dict:
    token = tokens[caller]
    return {"Authorization": f"Bearer {token}"} if token else {}


# --- generated operations ------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@fuzz
@given(data=st.data())
async def test_generated_queries_keep_the_contract(app, http, world, tokens, caller, data):
    query = data.draw(operations(app, "query"), label="query")
    response = await http.post("/graphql", json={"query": query}, headers=headers_for(tokens, caller))
    assert_keeps_the_contract(response, query)


@pytest.mark.parametrize("caller", CALLERS)
@fuzz
@given(data=st.data())
async def test_generated_mutations_keep_the_contract(app, http, world, tokens, caller, data):
    mutation = data.draw(operations(app, "mutation"), label="mutation")
    response = await http.post("/graphql", json={"query": mutation}, headers=headers_for(tokens, caller))
    assert_keeps_the_contract(response, mutation)


@pytest.mark.parametrize("kind", ["query", "mutation"])
@fuzz
@given(data=st.data())
async def test_operations_with_one_schema_violation_are_bad_user_input(app, http, world, tokens, kind, data):
    # Given an operation that breaks the schema in one place (a wrong type, a missing argument, an unknown value)
    document = data.draw(operations(app, kind, gql_st.Mode.NEGATIVE), label="operation")
    # When Kominfo sends it
    response = await http.post("/graphql", json={"query": document}, headers=headers_for(tokens, "kominfo"))
    # Then it is refused as the caller's mistake, before anything runs
    body = assert_keeps_the_contract(response, document)
    assert body.get("errors"), f"an invalid operation ran: {document!r}"
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
    assert body.get("data") is None, body


# --- variables of any shape ----------------------------------------------------------------------

#: Operations whose variables carry the API's input types; the fuzzer fills the variables with any JSON.
VARIABLE_OPERATIONS = (
    "query($f: ComplaintFilter, $o: [ComplaintOrder!], $n: Int, $a: String, $s: String) "
    "{ complaints(filter: $f, orderBy: $o, first: $n, after: $a, search: $s) { totalCount nodes { id title } } }",
    "query($f: AgreementFilter, $o: [AgreementOrder!]) { agreements(filter: $f, orderBy: $o) "
    "{ nodes { id apps(first: 2) { nodes { name } } } pageInfo { endCursor } } }",
    "query($id: ID!) { complaint(id: $id) { id trackingCode regency { code } } }",
    "query($code: String!) { trackComplaint(trackingCode: $code) { status history { status at } } }",
    "mutation($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingCode dueAt } }",
    "mutation($id: ID!, $to: ComplaintStatus!, $note: String) { transitionComplaint(id: $id, to: $to, note: $note) "
    "{ id status } }",
    "mutation($id: ID!, $i: AgreementUpdateInput!) { updateAgreement(id: $id, input: $i) { id status } }",
    "mutation($i: AppCreateInput!) { createApp(input: $i) { id slug } }",
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
)


@fuzz
@given(data=st.data())
async def test_variables_of_any_shape_keep_the_contract(http, world, tokens, data):
    query = data.draw(st.sampled_from(VARIABLE_OPERATIONS), label="operation")
    names = [v.variable.name.value for v in graphql.parse(query).definitions[0].variable_definitions]
    variables = data.draw(
        st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in names}) | JSON_VALUES, label="variables"
    )
    caller = data.draw(st.sampled_from(CALLERS), label="caller")
    payload = {"query": query, "variables": variables}
    response = await http.post("/graphql", json=payload, headers=headers_for(tokens, caller))
    assert_keeps_the_contract(response, payload)


# --- malformed requests --------------------------------------------------------------------------

CONTENT_TYPES = st.one_of(
    st.sampled_from([
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/graphql",
        "application/graphql-response+json", "text/plain", "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded", "", "application/json; charset=latin-1",
    ]),
    st.text(string.printable.strip() + " ", max_size=40),
)


@fuzz
@given(body=st.binary(max_size=300), content_type=CONTENT_TYPES)
async def test_random_bytes_keep_the_contract(http, body, content_type):
    response = await http.post("/graphql", content=body, headers={"content-type": content_type})
    assert_keeps_the_contract(response, (content_type, body))


@fuzz
@given(value=json_values(finite=False), content_type=CONTENT_TYPES)
async def test_random_json_values_keep_the_contract(http, world, value, content_type):
    body = json.dumps(value).encode()
    response = await http.post("/graphql", content=body, headers={"content-type": content_type})
    assert_keeps_the_contract(response, (content_type, value))
    if content_type.split(";")[0].strip().lower() == "application/json" and not (
        isinstance(value, dict) and isinstance(value.get("query"), str)
    ):
        assert response.status_code == 400, response.text


@fuzz
@given(
    payload=st.fixed_dictionaries(
        {"query": st.one_of(st.text(max_size=80), st.sampled_from(["{ me { id } }", "{ __typename }", "query Q { apps { totalCount } }"]))},
        optional={"variables": JSON_VALUES, "operationName": JSON_VALUES, "extensions": JSON_VALUES},
    ),
)
async def test_random_request_objects_keep_the_contract(http, world, payload):
    response = await http.post("/graphql", json=payload)
    assert_keeps_the_contract(response, payload)


@fuzz
@given(params=st.dictionaries(st.sampled_from(["query", "variables", "operationName", "extensions", "x"]),
                              st.text(max_size=60), max_size=4))
async def test_random_get_requests_keep_the_contract(http, world, params):
    response = await http.get("/graphql", params=params, headers={"accept": "application/json"})
    assert_keeps_the_contract(response, params)


_PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@fuzz
@given(data=st.data())
async def test_random_authorization_headers_keep_the_contract(http, world, tokens, data):
    token = tokens["staff.karawang"]
    header = data.draw(st.one_of(
        _PRINTABLE,
        _PRINTABLE.map("Bearer ".__add__),
        st.integers(0, len(token) - 1).flatmap(
            lambda at: _PRINTABLE.map(lambda junk: "Bearer " + token[:at] + junk + token[at + 1:])),
        st.sampled_from(["Bearer", "Bearer ", "bearer " + token, "Basic a29taW5mbzpkZW1v", "Bearer " + token + " x"]),
    ), label="authorization")
    query = "{ me { username } complaints(first: 1) { totalCount } }"
    response = await http.post("/graphql", json={"query": query}, headers={"Authorization": header})
    body = assert_keeps_the_contract(response, header)
    if response.status_code == 401:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], body


# --- what the fuzzing found, kept as fixed cases -------------------------------------------------

LONG = "9" * 300


@pytest.mark.parametrize(
    ("caller", "document", "expected"),
    [
        # A tracking code longer than the column: no complaint has it (it was an internal error).
        ("anonymous", '{ trackComplaint(trackingCode: "%s") { status } }' % LONG, {"trackComplaint": None}),
        # The same for other text compared with a column it cannot fit.
        ("anonymous", 'mutation { submitComplaint(input: {regencyCode: "%s", title: "a", body: "b", reporterName: "c", '
         'reporterContact: "d"}) { trackingCode } }' % LONG, ("BAD_USER_INPUT", "regencyCode")),
        ("kominfo", 'mutation { assignRole(username: "%s", role: "regency_staff", domain: "32.15") }' % LONG,
         ("BAD_USER_INPUT", "username")),
        ("kominfo", 'mutation { assignRole(username: "staff.bekasi", role: "regency_staff", domain: "%s") }' % LONG,
         ("BAD_USER_INPUT", "domain")),
        ("kominfo", 'mutation { addPolicyRule(role: "auditor", domain: "%s", object: "App", action: "read") }' % LONG,
         ("BAD_USER_INPUT", "domain")),
        ("kominfo", 'mutation { revokeRole(username: "%s", role: "%s", domain: "%s") }' % (LONG, LONG, LONG),
         {"revokeRole": False}),
        ("kominfo", 'mutation { removePolicyRule(role: "%s", domain: "*", object: "*", action: "*") }' % LONG,
         {"removePolicyRule": False}),
        # Ranges with text longer than the column compare as the text would (they were internal errors).
        ("anonymous", '{ regencies(filter: {code: {lt: "%s"}}) { totalCount } }' % LONG, {"regencies": {"totalCount": 3}}),
        ("anonymous", '{ regencies(filter: {code: {gte: "%s"}}) { totalCount } }' % ("0" * 300),
         {"regencies": {"totalCount": 3}}),
        ("anonymous", '{ regencies(filter: {code: {lte: "%s"}}) { totalCount } }' % ("32.15" + "x" * 300),
         {"regencies": {"totalCount": 1}}),
        ("anonymous", '{ regencies(filter: {code: {gt: "%s"}}) { totalCount } }' % ("32.15" + "x" * 300),
         {"regencies": {"totalCount": 2}}),
    ],
    ids=["track-long-code", "submit-long-regency", "assign-long-user", "assign-long-domain", "add-rule-long-domain",
         "revoke-long", "remove-rule-long", "lt-long", "gte-long", "lte-long-prefix", "gt-long-prefix"],
)
async def test_what_the_fuzzing_found(http, world, tokens, caller, document, expected):
    response = await http.post("/graphql", json={"query": document}, headers=headers_for(tokens, caller))
    body = assert_keeps_the_contract(response, document)
    if isinstance(expected, tuple):
        code, field = expected
        assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]] == [(code, field)], body
    else:
        assert body == {"data": expected}, body
