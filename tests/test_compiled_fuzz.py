"""Property-based: any read query of the generated fields gets the same answer compiled or not.

hypothesis-graphql builds queries from the SDL the app serves, restricted to
the read fields the registry generates on ``Query`` (every model's list and
single read; not ``me``, the policy, tracking or the aggregates, and no
mutation or subscription). Each goes, as Kominfo, Karawang's staff or staff
of two regencies (drawn per example), to the app that compiles (``app_on``) and to the one that does not
(``app_off``): the decoded bodies must be identical, errors included. Which
path answered is counted as a Hypothesis event
(``--hypothesis-show-statistics`` shows the share that compiled).

``COMPILED_FUZZ_EXAMPLES`` sets the number of examples: 40 by default, more
for a longer hunt (``COMPILED_FUZZ_EXAMPLES=500 pytest tests/test_compiled_fuzz.py``).
Values come from tests/test_fuzz.py's strategies (ids the world has, dates,
text the API knows); no example database, no deadline.
"""
from __future__ import annotations

import os

import graphql
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st

from tests.test_compiled_reads import ask, difference
from tests.test_fuzz import CUSTOM_SCALARS

#: Every row, one regency's rows, two regencies' rows (the public's reads are mostly refusals: nothing to compile).
CALLERS = ("kominfo", "staff.karawang", "officer")
EXAMPLES = int(os.environ.get("COMPILED_FUZZ_EXAMPLES", "40"))

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    # One world per test function serves all of its examples (nothing here writes).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_fields(app) -> list[str]:
    """The registry's generated read fields of Query: each model's list and single read."""
    query_fields = set(app.state.schema._schema.query_type.fields)
    names = []
    for spec in app.state.registry:
        names += [field for field in (spec.plural, spec.singular) if field in query_fields]
    return names


#: Small page sizes: almost every generated query stays under the cost limit and within `first`'s range, so
#: it reaches the compiler (test_compiled_reads checks the refusals, and that they fall back).
SCALARS = CUSTOM_SCALARS | {"Int": st.integers(1, 4).map(nodes.Int)}


class _Tamed(graphql.Visitor):
    """Arguments the API would refuse whatever the path, made acceptable so the query reaches the compiler:
    `after` goes (a random string is never a cursor the server issued), and each `orderBy` entry keeps its
    first field with a direction (an entry must set exactly one)."""

    def enter_argument(self, node: graphql.ArgumentNode, *_):
        if node.name.value == "after":
            return graphql.REMOVE
        if node.name.value == "orderBy" and isinstance(node.value, graphql.ListValueNode):
            entries = []
            for entry in node.value.values:
                if isinstance(entry, graphql.ObjectValueNode):
                    kept = [f for f in entry.fields if not isinstance(f.value, graphql.NullValueNode)][:1]
                    if kept:
                        entries.append(graphql.ObjectValueNode(fields=tuple(kept)))
            return graphql.ArgumentNode(name=node.name, value=graphql.ListValueNode(values=tuple(entries)))
        return None


def _printed(document: graphql.DocumentNode) -> str:
    return graphql.print_ast(graphql.visit(document, _Tamed()))


_strategies: dict[int, st.SearchStrategy[str]] = {}


def read_queries(app) -> st.SearchStrategy[str]:
    """Queries over the read fields only (built once per app)."""
    if id(app) not in _strategies:
        sdl, fields = app.state.schema.as_str(), read_fields(app)
        _strategies[id(app)] = gql_st.queries(
            sdl, fields=fields, custom_scalars=SCALARS, allow_x00=False, print_ast=_printed
        )
    return _strategies[id(app)]


def test_the_fuzzed_fields_are_the_generated_reads(app_on):
    fields = read_fields(app_on)
    assert {"complaints", "complaint", "agreements", "apps", "regencies", "regency", "kiosks"} <= set(fields)
    assert not {"me", "policyRules", "trackComplaint", "complaintsAggregate"} & set(fields)


@fuzz
@given(data=st.data())
async def test_generated_reads_answer_the_same_compiled_or_not(app_on, app_off, on, off, full_world, callers, data):
    query = data.draw(read_queries(app_on), label="query")
    caller = data.draw(st.sampled_from(CALLERS), label="caller")
    got = await ask(app_on, on(caller), query)
    want = await ask(app_off, off(caller), query)
    event("compiled" if got.compiled else "answered by Strawberry")
    assert not difference(got, want), f"as {caller}:\n{query}\n" + difference(got, want)
