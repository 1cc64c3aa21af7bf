"""Checks on the parsed document that must run before validation, and a choice of operation that follows the spec.

Validation itself would crash on some of these (an integer literal of 100,000
digits overflows Python's int conversion inside graphql-core's value rules), and
some depend on the request rather than the schema (which operation to run, and
over which transport). Each refusal is ``BAD_USER_INPUT`` with a clear message,
and nothing after it runs: no validation, no SQL.
"""
from __future__ import annotations

import asyncio

from graphql import (
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    Visitor,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension

from core.settings import get_settings
from schema.document_cache import is_checked
from schema.request_body import RequestRefused, check_text


class _LiteralCheck(Visitor):
    def __init__(self, max_int_digits: int, max_depth: int):
        super().__init__()
        self.max_int_digits = max_int_digits
        self.max_depth = max_depth
        self.depth = 0
        self.problem: GraphQLError | None = None

    def enter_object_value(self, node, *_args):
        return self._deeper(node)

    def enter_list_value(self, node, *_args):
        return self._deeper(node)

    def leave_object_value(self, *_args):
        self.depth -= 1

    def leave_list_value(self, *_args):
        self.depth -= 1

    def _deeper(self, node):
        # Input literals nested without end (`not: {not: {not: …}}`) would exhaust the recursion of value coercion.
        self.depth += 1
        if self.depth > self.max_depth:
            self.problem = GraphQLError(f"Input values may nest at most {self.max_depth} levels.", nodes=[node])
            return self.BREAK
        return None

    def enter_int_value(self, node: IntValueNode, *_args):
        if len(node.value.lstrip("-")) > self.max_int_digits:
            self.problem = GraphQLError(
                f"Integer literals may have at most {self.max_int_digits} digits.", nodes=[node]
            )
            return self.BREAK
        return None

    def enter_string_value(self, node: StringValueNode, *_args):
        try:
            check_text(node.value)
        except RequestRefused as refused:
            self.problem = GraphQLError(refused.message, nodes=[node])
            return self.BREAK
        return None


#: Documents longer than this are parsed in a worker thread. graphql-core's lexer walks comments, strings and
#: whitespace one character at a time in Python (a 1 MB comment takes about half a second); on the event loop
#: that would stall every other request of the worker, /health included. Shorter documents parse in well under
#: a millisecond, less than the hop to a thread costs.
PARSE_IN_THREAD_CHARS = 20_000
#: Stands in for a long document that did not parse, so Strawberry does not parse it again on the event loop;
#: its syntax error is reported instead, and nothing runs.
_UNPARSABLE = parse("query { __typename }")


#: Where ``DocumentRules`` records, in an HTTP request's ASGI scope, the kind of operation the request
#: runs ("query", "mutation") once it is parsed and chosen; server/pinned_connection.py pins a database
#: connection for queries only.
OPERATION_TYPE = "simpul.operation_type"


class DocumentRules(SchemaExtension):
    """Parsing of long documents off the event loop; after parsing: literal limits, one operation or an
    ``operationName``, subscriptions over WebSocket only."""

    _operation: OperationDefinitionNode | None = None

    async def on_parse(self):
        context = self.execution_context
        syntax_error = None
        if context.graphql_document is None and context.query and len(context.query) > PARSE_IN_THREAD_CHARS:
            try:
                context.graphql_document = await asyncio.to_thread(parse, context.query, **context.parse_options)
            except GraphQLError as error:
                syntax_error = error
                context.graphql_document = _UNPARSABLE
        yield
        if syntax_error is not None:
            # Set before validation: Strawberry then skips validation and answers with this error.
            context.pre_execution_errors = [syntax_error]
            return
        document = context.graphql_document
        if document is None or context.pre_execution_errors:
            return
        problem = self._problem(document)
        if problem is not None:
            # Set before validation: Strawberry then skips validation and answers with this error.
            self.execution_context.pre_execution_errors = [problem]
            return
        self._tell_transport()

    def _tell_transport(self) -> None:
        """Record in the HTTP request's scope which kind of operation it runs (``OPERATION_TYPE``)."""
        context = self.execution_context.context
        scope = getattr(getattr(context, "request", None), "scope", None)
        if self._operation is not None and isinstance(scope, dict) and scope.get("type") == "http":
            scope[OPERATION_TYPE] = self._operation.operation.value

    def _problem(self, document) -> GraphQLError | None:
        # A document handed out by the document cache passed the literal limits when it was first seen
        # (they depend on its text alone); the checks below depend on the request and run every time.
        if not is_checked(document):
            settings = get_settings()
            literals = _LiteralCheck(settings.max_int_digits, settings.max_json_depth)
            visit(document, literals)
            if literals.problem is not None:
                return literals.problem
        context = self.execution_context.context
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1 and getattr(context, "operation_name_given", None) is False:
            names = ", ".join(o.name.value for o in operations if o.name) or "anonymous operations"
            return GraphQLError(
                f"The document holds {len(operations)} operations ({names}); say which to run with operationName."
            )
        chosen = self._operation = self._chosen(operations)
        if (
            chosen is not None
            and chosen.operation == OperationType.SUBSCRIPTION
            and getattr(context, "transport", "http") == "http"
        ):
            return GraphQLError(
                "Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql, not over HTTP POST.",
                nodes=[chosen],
            )
        return None

    def _chosen(self, operations: list[OperationDefinitionNode]) -> OperationDefinitionNode | None:
        name = self.execution_context.operation_name
        if name is None:
            return operations[0] if len(operations) == 1 else None
        return next((o for o in operations if o.name and o.name.value == name), None)
