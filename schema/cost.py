"""Refuse queries that could return too many rows, before any SQL runs.

Depth alone does not bound a query: ``complaints(first: 100) { regency {
complaints(first: 100) { app { complaints(first: 100) ... } } } }`` is shallow
and could return a million rows. Like GitHub's node limit, each query's worst
case is estimated from the document: every list multiplies the rows below it
by its ``first`` (20 when omitted), every object field counts one row per
parent, and the sum over all fields must stay under the limit (settings
``max_query_rows``).

``first`` given as a variable counts as the largest page (100): the estimate
is made while validating, before variables are read, so it must hold for any
value the variable could take. ``after`` changes nothing here: a page after a
cursor, top-level or nested (per parent), still holds at most ``first`` rows.
"""
from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
)

from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


def query_cost_rule(max_rows: int) -> type[ValidationRule]:
    """A validation rule refusing operations whose worst case exceeds ``max_rows`` rows."""

    class QueryCost(ValidationRule):
        def enter_operation_definition(self, operation: OperationDefinitionNode, *_args) -> None:
            root = self.context.schema.get_root_type(operation.operation)
            if root is None:
                return
            estimate = _Estimate(self.context, max_rows)
            rows = estimate.selection(operation.selection_set, root, parent_rows=1)
            if rows > max_rows:
                self.report_error(GraphQLError(
                    f"This query could return up to {rows:,} rows; the limit is {max_rows:,}. "
                    "Ask for fewer rows with `first`, or nest fewer lists.",
                    operation,
                ))

    return QueryCost


class _Estimate:
    def __init__(self, context, ceiling: int):
        self.context = context
        # Past the ceiling the exact figure no longer matters: stop multiplying.
        self.ceiling = ceiling

    def selection(self, selection_set: SelectionSetNode | None, parent_type, parent_rows: int, seen=frozenset()) -> int:
        if selection_set is None or not isinstance(parent_type, GraphQLObjectType):
            return 0
        total = 0
        for node in selection_set.selections:
            if total > self.ceiling:
                break
            if isinstance(node, FieldNode):
                total += self.field(node, parent_type, parent_rows, seen)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                fragment_type = self.context.schema.get_type(condition.name.value) if condition else parent_type
                total += self.selection(node.selection_set, fragment_type, parent_rows, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                fragment = self.context.get_fragment(node.name.value)
                if fragment is not None:
                    fragment_type = self.context.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection(fragment.selection_set, fragment_type, parent_rows, seen | {node.name.value})
        return total

    def field(self, node: FieldNode, parent_type: GraphQLObjectType, parent_rows: int, seen) -> int:
        definition = parent_type.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 0  # scalars cost nothing beyond their row; unknown fields are reported elsewhere
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        # Lists that take `first` multiply (every generated list relation, `Complaint.history`
        # included); the rest (a connection's nodes and edges, the tracker's history) hold
        # rows already counted or a handful per parent.
        is_page = "first" in definition.args
        rows = parent_rows * (self.page_size(node) if is_page else 1)
        below = get_named_type(definition.type)
        if is_page and not is_list:
            # A connection: its nodes/edges carry the page's rows, not the connection object itself.
            return self.selection(node.selection_set, below, rows, seen)
        return rows + self.selection(node.selection_set, below, rows, seen)

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), MAX_PAGE_SIZE))
            return MAX_PAGE_SIZE  # a variable: whatever it will hold, at most a full page
        return DEFAULT_PAGE_SIZE
