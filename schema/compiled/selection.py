"""From a validated query document to a tree the SQL builder reads: which generated fields, with which arguments.

Only fields the registry generated are understood (lists, single rows, their
connections, scalar fields, relations, ``__typename``); anything else (a domain
operation, a field with its own resolver, introspection) makes the whole
operation :class:`Unsupported`, and the interpreted path answers it. Fields are
collected as GraphQL's CollectFields does: fragments and inline fragments in
place, ``@skip``/``@include`` applied, fields of one response key merged, in
the order the response lists them.

Argument values are resolved here, except the few that change per request
without changing the SQL (``id``, ``first``, ``after``, ``search`` given as a
variable): those stay :class:`VarRef` and become bind parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import get_argument_values, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from models.registry import ModelSpec, Registry, RelationField, ScalarField
from schema.compiled.dialect import Unsupported

#: Arguments whose variable changes only a bind parameter, never the shape of the SQL.
PARAMETER_ARGUMENTS = ("id", "first", "after", "search")


@dataclass(frozen=True)
class VarRef:
    """An argument given as a variable whose value is bound per request."""

    name: str


@dataclass
class Scalar:
    key: str
    field: ScalarField


@dataclass
class Typename:
    key: str
    name: str


@dataclass
class Relation:
    """A relation field: ``fk`` gives one object (or null), the others a list."""

    key: str
    relation: RelationField
    target: ModelSpec
    selection: list
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConnectionPart:
    """``totalCount``, ``nodes``, ``edges`` (with ``cursor``/``node``), ``pageInfo`` or ``__typename``."""

    key: str
    name: str
    selection: list = field(default_factory=list)


@dataclass
class RootField:
    key: str
    spec: ModelSpec | None
    #: "list" (a connection), "single" (one row by id) or "typename" (``__typename`` of Query).
    kind: str
    arguments: dict[str, Any]
    selection: list


@dataclass
class Analysis:
    roots: list[RootField]
    #: (model, action) pairs whose decisions shape the SQL, in a fixed order.
    decisions: list[tuple[str, str]]
    #: (argument name, variable name) of every argument bound per request.
    bound: list[tuple[str, str]] = field(default_factory=list)


def parameter_variables(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> frozenset[str]:
    """Variables used only as the whole value of ``id``/``first``/``after``/``search``: bound, not compiled in."""
    as_parameter: set[str] = set()
    elsewhere: set[str] = set()

    def visit_value(node, into: set[str]) -> None:
        if isinstance(node, VariableNode):
            into.add(node.name.value)
            return
        for attribute in ("fields", "values"):
            for child in getattr(node, attribute, None) or ():
                visit_value(getattr(child, "value", child), into)

    def visit(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> None:
        for node in selection_set.selections if selection_set else ():
            for directive in node.directives or ():
                for argument in directive.arguments or ():
                    visit_value(argument.value, elsewhere)
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    if argument.name.value in PARAMETER_ARGUMENTS and isinstance(argument.value, VariableNode):
                        as_parameter.add(argument.value.name.value)
                    else:
                        visit_value(argument.value, elsewhere)
                visit(node.selection_set, seen)
            elif isinstance(node, InlineFragmentNode):
                visit(node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    visit(fragment.selection_set, seen | {node.name.value})

    visit(operation.selection_set, frozenset())
    return frozenset(as_parameter - elsewhere)


class Analyser:
    """Walks one operation with one set of variable values (see the module docstring)."""

    def __init__(self, schema: GraphQLSchema, registry: Registry, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any], parameters: frozenset[str]):
        self.schema = schema
        self.registry = registry
        self.fragments = fragments
        self.variables = variables
        self.parameters = parameters
        self.decisions: dict[tuple[str, str], None] = {}
        self.bound: list[tuple[str, str]] = []
        self._lists = {spec.plural: spec for spec in registry if spec.declaration.allows("list")}
        self._singles = {spec.singular: spec for spec in registry if spec.declaration.allows("get")}

    def analyse(self, operation: OperationDefinitionNode) -> Analysis:
        query = self.schema.query_type
        roots = []
        for key, nodes in self._collect(operation.selection_set, query.name).items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append(RootField(key, None, "typename", {}, []))
                continue
            spec, kind = (self._lists.get(name), "list") if name in self._lists else (self._singles.get(name), "single")
            if spec is None:
                raise Unsupported(f"Query.{name} is not a generated read")
            self._need(spec.name, "read")
            arguments = self._arguments(query.fields[name], nodes[0], spec)
            if kind == "list":
                selection = self._connection(spec, nodes)
            else:
                selection = self._object(spec, self._merged(nodes, spec.name))
            roots.append(RootField(key, spec, kind, arguments, selection))
        return Analysis(roots, list(self.decisions), self.bound)

    # --- selections ---------------------------------------------------------------------------

    def _connection(self, spec: ModelSpec, nodes: list[FieldNode]) -> list:
        type_name = f"{spec.name}Connection"
        parts = []
        for key, fields in self._merged(nodes, type_name).items():
            name = fields[0].name.value
            if name in ("totalCount", "__typename"):
                parts.append(ConnectionPart(key, name))
            elif name == "nodes":
                parts.append(ConnectionPart(key, name, self._object(spec, self._merged(fields, spec.name))))
            elif name == "edges":
                edge_parts = []
                for edge_key, edge_fields in self._merged(fields, f"{spec.name}Edge").items():
                    edge_name = edge_fields[0].name.value
                    if edge_name == "node":
                        edge_parts.append(ConnectionPart(edge_key, "node", self._object(spec, self._merged(edge_fields, spec.name))))
                    else:
                        edge_parts.append(ConnectionPart(edge_key, edge_name))
                parts.append(ConnectionPart(key, name, edge_parts))
            elif name == "pageInfo":
                info = [ConnectionPart(k, f[0].name.value) for k, f in self._merged(fields, "PageInfo").items()]
                parts.append(ConnectionPart(key, name, info))
            else:
                raise Unsupported(f"{type_name}.{name}")
        return parts

    def _object(self, spec: ModelSpec, collected: dict[str, list[FieldNode]]) -> list:
        graphql_type = self.schema.get_type(spec.name)
        scalars = {f.graphql_name: f for f in spec.visible_scalars()}
        relations = {r.graphql_name: r for r in spec.relations.values()}
        items: list = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                items.append(Typename(key, spec.name))
            elif name in scalars:
                items.append(Scalar(key, scalars[name]))
                if scalars[name].name in spec.declaration.personal:
                    self._need(spec.name, "read_personal")
            elif name in relations:
                relation = relations[name]
                target = spec.related(relation.name)
                self._need(target.name, "read")
                arguments = self._arguments(graphql_type.fields[name], nodes[0], target) if relation.many else {}
                selection = self._object(target, self._merged(nodes, target.name))
                items.append(Relation(key, relation, target, selection, arguments))
            else:
                raise Unsupported(f"{spec.name}.{name} has its own resolver")
        return items

    def _need(self, model: str, action: str) -> None:
        self.decisions.setdefault((model, action), None)

    def _arguments(self, definition, node: FieldNode, spec: ModelSpec) -> dict[str, Any]:
        values = get_argument_values(definition, node, self.variables)
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode) and argument.value.name.value in self.parameters:
                values[argument.name.value] = VarRef(argument.value.name.value)
                self.bound.append((argument.name.value, argument.value.name.value))
        if values.get("filter") is not None:
            self._filter_needs(spec, values["filter"])
        return values

    def _filter_needs(self, spec: ModelSpec, where: dict[str, Any]) -> None:
        """A relation entry of a filter reads the related model within the caller's scope: its decision shapes the SQL."""
        for relation in spec.relations.values():
            sub = where.get(relation.graphql_name)
            if relation.name in spec.declaration.filterable and isinstance(sub, dict):
                target = spec.related(relation.name)
                self._need(target.name, "read")
                self._filter_needs(target, sub)
        for combined in (*(where.get("and") or ()), *(where.get("or") or ()), where.get("not")):
            if isinstance(combined, dict):
                self._filter_needs(spec, combined)

    # --- CollectFields ------------------------------------------------------------------------

    def _merged(self, nodes: list[FieldNode], type_name: str) -> dict[str, list[FieldNode]]:
        collected: dict[str, list[FieldNode]] = {}
        for node in nodes:
            for key, fields in self._collect(node.selection_set, type_name).items():
                collected.setdefault(key, []).extend(fields)
        return collected

    def _collect(self, selection_set: SelectionSetNode | None, type_name: str,
                 into: dict[str, list[FieldNode]] | None = None, seen: frozenset[str] = frozenset()) -> dict[str, list[FieldNode]]:
        into = {} if into is None else into
        for node in selection_set.selections if selection_set else ():
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                into.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or node.type_condition.name.value == type_name:
                    self._collect(node.selection_set, type_name, into, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if name in seen or fragment is None or fragment.type_condition.name.value != type_name:
                    continue
                self._collect(fragment.selection_set, type_name, into, seen | {name})
        return into

    def _included(self, node) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)
