"""Answers a GraphQL HTTP request with one compiled statement, or says None and lets Strawberry answer it.

Per request, all from caches but the statement itself:

1. the document, parsed and validated once by the schema's own rules and limits (keyed by its text);
2. the operation's analysis (keyed by document, operation and the variables that shape it);
3. the caller's access (the token's user is looked up once per session epoch, and the statement
   re-checks the account: a deactivated user, a new password or a renamed account makes it yield NULL,
   and Strawberry answers instead, as it would have);
4. the plan, keyed by the analysis and the *shape* of the caller's decisions ("every regency", "these
   regencies", "published rows"), so staff of every regency share one; their regency codes, the
   variables and the cursors' values are bind parameters;
5. one statement whose single value is the response's ``data``, passed to the client as it comes.

Anything else (a mutation, a domain operation, introspection, a field with its own resolver, any
request that will end in an error) returns None: the interpreted path answers it, with the same result.
"""
from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from tortoise import connections

from core.errors import BadUserInput, Unauthenticated
from core.settings import Settings, get_settings
from models.registry import Registry
from permissions.access import Access
from permissions.enforcer import policy_engine
from schema.compiled.dialect import Unsupported, dialect_named
from schema.compiled.fragments import Run
from schema.compiled.plan import Builder, Plan, cursor_slots, sign_cursors, valid_page_size, value_of
from schema.compiled.selection import Analyser, Analysis, parameter_variables
from schema.cursors import Keyset
from schema.document_rules import PARSE_IN_THREAD_CHARS, _LiteralCheck
from services.tokens import active_user

log = logging.getLogger("simpul.compiled")
statements = logging.getLogger("tortoise.db_client")

#: Stands for "the interpreted path answers this" in the caches.
_INTERPRETED = object()


class Lru:
    """A bounded mapping that forgets the least recently used entry."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def pop(self, key: Any) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _Document:
    operations: dict[str | None, OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]
    parameters: dict[str | None, frozenset[str]]


@dataclass
class _Analysed:
    analysis: Analysis
    key: tuple


class ReadCompiler:
    def __init__(self, schema, registry: Registry, settings: Settings | None = None):
        settings = settings or get_settings()
        self.mode = settings.graphql_compile
        self.graphql = schema._schema
        self.registry = registry
        self.rules, self.max_tokens = _validation_of(schema)
        self.documents = Lru(512)
        self.analyses = Lru(1024)
        self.plans = Lru(1024)
        self.users = Lru(10_000)
        self.stats = {"plans": 0, "executed": 0, "fallbacks": 0}
        user = registry["User"].model._meta if "User" in registry else None
        self._user_table = None if user is None else (
            user.db_table, user.db_pk_column,
            *(user.fields_db_projection[name] for name in ("is_active", "session_epoch", "username")),
        )

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    async def answer(self, body: dict[str, Any], caller: Any) -> bytes | None:
        """The response body (``{"data": ...}``), or None when Strawberry must answer."""
        try:
            answered = await self._answer(body, caller)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, the interpreted path answers (and reports) it
            # E.g. SQLite's parser refusing a statement nested past its stack: not a fault, a limit of the engine.
            log.warning("compiled read not run (%s: %s); the interpreted path answers", type(error).__name__, error)
            log.debug("compiled read not run", exc_info=True)
            answered = None
        self.stats["executed" if answered is not None else "fallbacks"] += 1
        return answered

    async def _answer(self, body: dict[str, Any], caller: Any) -> bytes | None:
        query = body.get("query")
        if not isinstance(query, str) or len(query) > PARSE_IN_THREAD_CHARS:
            return None
        document = self._document(query)
        if document is None:
            return None
        name = body.get("operationName")
        operation = document.operations.get(name) if name is not None else (
            next(iter(document.operations.values())) if len(document.operations) == 1 else None
        )
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        raw = body.get("variables") or {}
        coerced = get_variable_values(self.graphql, operation.variable_definitions or [], raw)
        if isinstance(coerced, list):
            return None
        parameters = document.parameters[name if name is not None else _name_of(operation)]
        analysed = self._analysed(query, operation, document, coerced, raw, parameters)
        if analysed is None:
            return None
        access = await self._access(caller)
        if access is None:
            return None
        # graphql-core 3.3 gives the coerced values with their sources (VariableValues); the analysis reads both.
        run = Run(getattr(coerced, "coerced", coerced), access[0], guard=access[1])
        if not self._valid_bindings(analysed.analysis, run):
            return None
        slots = cursor_slots(analysed.analysis, run)
        for slot in slots:
            try:
                run.cursors[slot.key] = Keyset(slot.spec, slot.ordering).values_of(value_of(slot.value, run))
            except BadUserInput:
                return None
        plan = self._plan(analysed, run, slots, parameters)
        if plan is None:
            return None
        try:
            text = await self._execute(plan, run)
        except Exception as error:
            if "parser stack overflow" in str(error):
                # SQLite's parser has a fixed stack: this shape is too deeply nested for it, every time.
                self.plans.put(plan.key, _INTERPRETED)
            raise
        if text is None:
            if caller is not None:
                self.users.pop((caller.user_id, caller.session_epoch))
            return None
        if plan.keysets:
            return json.dumps({"data": sign_cursors(text, plan.keysets)}, ensure_ascii=False).encode()
        return b'{"data":' + text.encode() + b"}"

    # --- caches -----------------------------------------------------------------------------------

    def _document(self, query: str) -> _Document | None:
        found = self.documents.get(query)
        if found is None:
            found = self._read_document(query)
            self.documents.put(query, found)
        return None if found is _INTERPRETED else found

    def _read_document(self, query: str) -> Any:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return _INTERPRETED
        settings = get_settings()
        literals = _LiteralCheck(settings.max_int_digits, settings.max_json_depth)
        visit(document, literals)
        if literals.problem is not None or validate(self.graphql, document, self.rules):
            return _INTERPRETED
        operations = {_name_of(d): d for d in document.definitions if isinstance(d, OperationDefinitionNode)}
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        parameters = {name: parameter_variables(op, fragments) for name, op in operations.items()}
        return _Document(operations, fragments, parameters)

    def _analysed(self, query, operation, document, coerced, raw, parameters) -> _Analysed | None:
        shaping = {k: v for k, v in raw.items() if k not in parameters}
        key = (query, _name_of(operation), json.dumps(shaping, sort_keys=True, default=str))
        found = self.analyses.get(key)
        if found is None:
            try:
                analysis = Analyser(self.graphql, self.registry, document.fragments, coerced, parameters).analyse(operation)
                found = _Analysed(analysis, key)
            except Unsupported as reason:
                log.debug("not compiled: %s", reason)
                found = _INTERPRETED
            self.analyses.put(key, found)
        return None if found is _INTERPRETED else found

    def _plan(self, analysed: _Analysed, run: Run, slots, parameters) -> Plan | None:
        decisions = tuple(_shape(run.access.decide(model, action)) for model, action in analysed.analysis.decisions)
        nulls = tuple(tuple(v is None for v in run.cursors[slot.key]) for slot in slots)
        given = tuple((name, run.variables.get(name) is None, run.variables.get(name) == "") for name in sorted(parameters))
        key = (analysed.key, decisions, nulls, given, run.guard is not None)
        found = self.plans.get(key)
        if found is None:
            dialect = dialect_named(connections.get("default").capabilities.dialect)
            try:
                found = Builder(dialect, run.access.decide, run, self._user_table if run.guard else None).build(analysed.analysis)
                found.key = key
                self.stats["plans"] += 1
            except Unsupported as reason:
                log.debug("not compiled: %s", reason)
                found = _INTERPRETED
            self.plans.put(key, found)
        return None if found is _INTERPRETED else found

    # --- the caller and the statement -------------------------------------------------------------

    async def _access(self, caller) -> tuple[Access, tuple | None] | None:
        engine = policy_engine()
        await engine.ensure_fresh()
        if caller is None:
            return Access(None, engine), None
        if time.time() >= caller.expires_at:
            return None
        key = (caller.user_id, caller.session_epoch)
        user = self.users.get(key)
        if user is None:
            try:
                user = await active_user(caller)
            except Unauthenticated:
                return None
            self.users.put(key, user)
        return Access(user, engine), (user.pk, user.session_epoch, user.username)

    def _valid_bindings(self, analysis: Analysis, run: Run) -> bool:
        """Values the interpreted path would refuse with an error (it answers those, with that error)."""
        limit = get_settings().max_search_length
        for argument, variable in analysis.bound:
            value = run.variables.get(variable)
            if argument == "first" and not valid_page_size(value):
                return False
            if argument == "search" and isinstance(value, str) and len(value) > limit:
                return False
        return True

    async def _execute(self, plan: Plan, run: Run) -> str | None:
        client = connections.get("default")
        parameters = plan.parameters(run)
        if statements.isEnabledFor(logging.DEBUG):
            statements.debug("%s: %s", plan.sql, parameters)
        async with client.acquire_connection() as connection:
            if client.capabilities.dialect == "postgres":
                return await connection.fetchval(plan.sql, *parameters)
            async with connection.execute(plan.sql, parameters) as cursor:
                row = await cursor.fetchone()
                return None if row is None else row[0]


def _name_of(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


def _shape(decision) -> tuple[bool, bool, bool, bool]:
    # None, one or several regencies: one is compared as a value, several as a list (schema/compiled/conditions.py).
    return decision.allowed, decision.everywhere, decision.published, min(len(decision.regencies), 2)


def _validation_of(schema) -> tuple[list, int | None]:
    """The schema's validation rules and token limit, read from its own extensions (one source of limits)."""
    rules = list(specified_rules)
    max_tokens = None
    for factory in schema.extensions:
        # Every entry is a factory (a class or a lambda taking no argument): the schema builds one per request.
        extension = factory()
        if isinstance(extension, AddValidationRules):
            rules.extend(extension.validation_rules)
        elif isinstance(extension, MaxTokensLimiter):
            max_tokens = extension.max_token_count
    return rules, max_tokens

