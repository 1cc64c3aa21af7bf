"""Build the one GraphQL schema: generated CRUD for every declared model, plus the domain operations."""
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import strawberry
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

from core.settings import get_settings
from models.registry import Registry
from schema.aggregates import build_aggregate_fields
from schema.caller import ResolveCaller
from schema.cost import query_cost_rule
from schema.document_cache import DocumentCache
from schema.document_rules import DocumentRules
from schema.errors import ErrorCodes, log_errors
from schema.filters import build_filter_input
from schema.namespace import Namespace
from schema.operations import build_inputs, build_mutation_fields, build_query_fields
from schema.ordering import SortDirection, build_order_input
from schema.pagination import PageInfo, build_connection
from schema.types import build_object_type

#: Hand-written domain operations; each module offers query_fields / mutation_fields /
#: subscription_fields(ns, registry) returning Strawberry fields keyed by name, each declaring
#: what it requires (schema/requires.py), and may offer type_fields(ns, registry) returning
#: extra fields of generated types ({"User": {"role": field}}).
DOMAIN_MODULES: tuple[str, ...] = (
    "schema.domain.accounts",
    "schema.domain.policies",
    "schema.domain.complaints",
)


def extend_type(ns: Namespace, name: str, fields: dict[str, Any]) -> Any:
    """Replace the generated type ``name`` by one with ``fields`` added (under the same name).

    Generated types refer to each other by name in ``ns``, so every reference
    (connections, relations, payloads) reaches the extended type.
    """
    generated = ns.get(name)
    body = {"__module__": ns.module.__name__, "__annotations__": {}, **fields}
    extended = type(name, (generated,), body)
    return ns.add(name, strawberry.type(extended, description=generated.__strawberry_definition__.description))


class SimpulSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        context = getattr(execution_context, "context", None)
        log_errors(errors, getattr(context, "request_id", "unknown"))


def build_schema(registry: Registry, domain_modules: Sequence[str] = DOMAIN_MODULES) -> SimpulSchema:
    ns = Namespace()
    ns.add("PageInfo", PageInfo)
    ns.add("SortDirection", SortDirection)
    for spec in registry:
        build_filter_input(spec, ns)
        build_order_input(spec, ns)
    for spec in registry:
        build_object_type(spec, ns)
        build_connection(spec, ns)
        if spec.declaration.allows("create") or spec.declaration.allows("update"):
            build_inputs(spec, ns)
    modules = [import_module(name) for name in domain_modules]
    for module in modules:
        if hasattr(module, "type_fields"):
            for type_name, fields in module.type_fields(ns, registry).items():
                extend_type(ns, type_name, fields)

    query: dict[str, Any] = {}
    mutation: dict[str, Any] = {}
    subscription: dict[str, Any] = {}
    for spec in registry:
        query.update(build_query_fields(spec, ns))
        query.update(build_aggregate_fields(spec, ns))  # <plural>Aggregate, for models with Simpul.groupable
        mutation.update(build_mutation_fields(spec, ns))
    for module in modules:
        for collected, hook in ((query, "query_fields"), (mutation, "mutation_fields"), (subscription, "subscription_fields")):
            if hasattr(module, hook):
                collected.update(getattr(module, hook)(ns, registry))

    settings = get_settings()
    return SimpulSchema(
        query=ns.make("Query", {}, query),
        mutation=ns.make("Mutation", {}, mutation) if mutation else None,
        subscription=ns.make("Subscription", {}, subscription) if subscription else None,
        # Factories, not instances: an extension keeps per-request state, so each request gets its own.
        extensions=[
            ErrorCodes,
            # Before DocumentRules: a document seen before is neither parsed nor validated again.
            DocumentCache,
            DocumentRules,
            ResolveCaller,
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            # graphql-js's rule: an introspection query nesting __type/fields/ofType over and over is refused.
            lambda: AddValidationRules([query_cost_rule(settings.max_query_rows), MaxIntrospectionDepthRule]),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=2000),
            *([] if settings.introspection else [DisableIntrospection]),
        ],
    )
