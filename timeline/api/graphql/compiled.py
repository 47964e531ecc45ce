"""Compiled queries: a hot document answered without graphql-core's executor.

A timeline page of 50 facts with their figures and sources is about 1,500 fields. graphql-core
resolves each one through Strawberry's resolver wrapper (an ``Info``, argument conversion,
the extension chain) and completes it through its own executor, and that cost many times
what the read model's query and the JSON cost. A document that has once run without an error
is compiled here into one plain function per field: a getter (the attribute, or the field's
own resolver method) and a completer (the GraphQL type's own ``serialize`` for leaves), so
that the answer is the executor's, value for value and in the same order.

A compiled field is a function of its object alone, and a fact from the read model is a
function of its row: (fact id, revision) never changes but for the row's interval
(``timeline.store.read_models.decoded_rows``). So a fact node, once completed for a selection, is
kept (``Nodes``) under the row's identity, its times and its interval, and the next page that
lists the fact under the same selection takes the completed node: a page of 50 facts is some
1,500 fields, the largest part of what a compiled page still cost.

Only what can be proved equal is compiled: a query operation whose root fields are in
``ROOTS`` (the timeline, the log, the measures and a running total), selecting fields of
object types with no arguments, permissions or field extensions, resolved by an attribute or
a synchronous method of ``self`` alone (or a ``SHORTCUTS`` entry), through fragments on the
same types and with no directives. A root field's own ``permission_classes`` are applied,
each deciding from the context alone (``ContextPermission``); a root guarded by any other
permission is not compiled. Anything else, and any request whose variables do not coerce,
whose root refuses it (a token, a bad cursor) or whose answer would hold an error, goes to
the executor as before, which answers it with its typed errors: reads have no side effects,
so running a root again is safe.

A plan runs inside Strawberry's own execution, as a schema extension (``CompiledExecution``)
that gives its answer in place of graphql-core's executor at ``on_execute``: every other
extension (the limits, parse and validation caching, any added later) runs around it as it
does around the executor, and a schema with an extension that wraps resolvers compiles
nothing. Strawberry's field definitions and resolvers are read through their public
attributes only; the versions this was tested with are pinned in ``pyproject.toml``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from types import FunctionType
from typing import Any, Final

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import ExecutionResult
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.field import StrawberryField

from timeline.api.graphql.context import Context
from timeline.api.graphql.permissions import ContextPermission
from timeline.api.graphql.queries import (
    events_page,
    measure_list,
    running_total_of,
    timeline_page,
)
from timeline.api.graphql.types.facts import Fact

Complete = Callable[[Any], Any]
Getter = Callable[[Any], Any]
Root = Callable[[Context, dict[str, Any], frozenset[str]], Awaitable[object]]
Check = Callable[[Context], Awaitable[None]]
"""A root field's resolver: the context, the converted arguments and the names of the fields
selected under it (what ``selected_names`` gives the executor's resolver)."""

PLANS = 256
"""Compiled documents remembered, least recently used out (unique texts cannot grow it)."""
NODES = 4_096
"""Completed fact nodes remembered, of every plan: about 80 pages of 50, a few KB each."""

Nodes = LRUCache[Hashable, Any]
"""Completed nodes by (the completer's token, the value's row key)."""


class NotCompiled(Exception):
    """The document, or this request's values, need graphql-core's executor."""


async def _timeline(
    context: Context, arguments: dict[str, Any], selected: frozenset[str]
) -> object:
    return await timeline_page(context, selected=selected, **arguments)


async def _events(context: Context, arguments: dict[str, Any], selected: frozenset[str]) -> object:
    return await events_page(context, **arguments)


async def _measures(
    context: Context, arguments: dict[str, Any], selected: frozenset[str]
) -> object:
    return await measure_list(context)


async def _running_total(
    context: Context, arguments: dict[str, Any], selected: frozenset[str]
) -> object:
    return await running_total_of(context, selected=selected, **arguments)


ROOTS: Final[Mapping[str, Root]] = {
    "timeline": _timeline,
    "events": _events,
    "measures": _measures,
    "runningTotal": _running_total,
}
"""Root fields a compiled query may select: each does what the field's resolver does, once
the field's permission classes allowed it."""


def _recorded_at(fact: Fact) -> dt.datetime:
    if fact.current is None:  # a fact not from the read model: its history has the time
        raise NotCompiled
    return fact.current.recorded_from


SHORTCUTS: Final[Mapping[tuple[str, str], Getter]] = {("Fact", "recordedAt"): _recorded_at}
"""Fields whose resolver needs ``info`` only in a case a compiled query never meets."""


def _fact_row(fact: Fact) -> Hashable | None:
    current = fact.current
    if current is None or fact.fact is not current.fact:  # not the read model's row as it is
        return None
    return (
        current.fact_id,
        current.revision,
        current.position,
        current.recorded_from,
        current.known_until,
        current.recorded_until,
    )


ROW_KEYS: Final[Mapping[str, Callable[[Any], Hashable | None]]] = {"Fact": _fact_row}
"""Object types whose completed nodes are kept, and the key that pins a value's fields: the
row it was read from, with everything about the row that can differ (None: not kept)."""


@dataclass(frozen=True, slots=True)
class _RootField:
    key: str
    node: FieldNode | None
    field: GraphQLField | None
    arguments: list[StrawberryArgument]
    permissions: tuple[Check, ...]
    resolve: Root | None
    complete: Complete
    selected: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Plan:
    """One compiled operation of one document."""

    operation: OperationDefinitionNode
    fields: tuple[_RootField, ...]

    async def run(
        self,
        schema: GraphQLSchema,
        config: StrawberryConfig,
        scalars: Mapping[object, Any],
        variables: dict[str, Any],
        context: Context,
    ) -> dict[str, Any]:
        definitions = self.operation.variable_definitions or ()
        coerced = get_variable_values(schema, definitions, variables)
        if isinstance(coerced, list):
            raise NotCompiled
        data: dict[str, Any] = {}
        for root in self.fields:
            if root.resolve is None or root.field is None or root.node is None:
                data[root.key] = root.complete(None)  # __typename
                continue
            raw = get_argument_values(root.field, root.node, coerced)
            arguments = convert_arguments(
                raw, root.arguments, scalar_registry=scalars, config=config
            )
            for check in root.permissions:
                await check(context)
            data[root.key] = root.complete(await root.resolve(context, arguments, root.selected))
        return data


def compile_plan(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    nodes: Nodes | None = None,
) -> Plan:
    """The plan of ``operation_name`` in ``document`` (a validated one); NotCompiled if any
    of it is beyond what is compiled. ``nodes`` keeps completed nodes (``ROW_KEYS``); it
    must belong to one database, where a row key means one row."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            raise NotCompiled
        operation = operations[0]
    else:
        named = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if len(named) != 1:
            raise NotCompiled
        operation = named[0]
    query = schema.query_type
    if operation.operation != OperationType.QUERY or operation.directives or query is None:
        raise NotCompiled
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    compiler = _Compiler(fragments, nodes)
    grouped: dict[str, list[FieldNode]] = {}
    compiler.collect(query, operation.selection_set, grouped)
    fields = []
    for key, group in grouped.items():
        name = group[0].name.value
        if name == "__typename":
            fields.append(_RootField(key, None, None, [], (), None, _constant(query.name)))
            continue
        resolve = ROOTS.get(name)
        field = query.fields.get(name)
        if resolve is None or field is None:
            raise NotCompiled
        definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryField):
            raise NotCompiled
        complete = compiler.complete(field.type, group)
        selected = compiler.selected(field.type, group)
        permissions = _permissions(definition)
        arguments = definition.arguments
        fields.append(
            _RootField(key, group[0], field, arguments, permissions, resolve, complete, selected)
        )
    return Plan(operation, tuple(fields))


def _permissions(definition: StrawberryField) -> tuple[Check, ...]:
    """The checks of the field's permission classes; NotCompiled if one needs more than the
    context (``ContextPermission``)."""
    checks = []
    for permission in definition.permission_classes:
        if not issubclass(permission, ContextPermission):
            raise NotCompiled
        checks.append(permission.check)
    return tuple(checks)


class _Compiler:
    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], nodes: Nodes | None
    ) -> None:
        self._fragments = fragments
        self._nodes = nodes

    def collect(
        self,
        parent: GraphQLObjectType,
        selections: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
    ) -> None:
        """The fields under ``selections`` by response key, in the executor's order."""
        for selection in selections.selections:
            if selection.directives:
                raise NotCompiled
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != parent.name:
                    raise NotCompiled
                self.collect(parent, selection.selection_set, grouped)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if (
                    fragment is None
                    or fragment.directives
                    or getattr(selection, "arguments", None)
                    or getattr(fragment, "variable_definitions", None)
                    or fragment.type_condition.name.value != parent.name
                ):
                    raise NotCompiled
                self.collect(parent, fragment.selection_set, grouped)
            else:  # pragma: no cover - graphql-core has no other selection
                raise NotCompiled

    def selected(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> frozenset[str]:
        """The names of the fields selected directly under ``nodes`` (of ``type_``)."""
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if not isinstance(type_, GraphQLObjectType):
            return frozenset()
        return frozenset(group[0].name.value for group in self._grouped(type_, nodes).values())

    def _grouped(
        self, type_: GraphQLObjectType, nodes: list[FieldNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields selected under ``nodes`` merged by response key."""
        grouped: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self.collect(type_, node.selection_set, grouped)
        return grouped

    def complete(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> Complete:
        """How a value of ``type_`` becomes its JSON value, as the executor completes it."""
        if isinstance(type_, GraphQLNonNull):
            inner = self.complete(type_.of_type, nodes)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise NotCompiled  # the executor answers it with an error
                return inner(value)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self.complete(type_.of_type, nodes)
            return lambda value: None if value is None else [item(v) for v in value]
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return _leaf(type_.serialize)
        if isinstance(type_, GraphQLObjectType):
            return self._object(type_, nodes)
        raise NotCompiled  # interfaces and unions

    def _object(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> Complete:
        grouped = self._grouped(type_, nodes)
        entries = [(key, *self._field(type_, group)) for key, group in grouped.items()]

        def complete(value: Any) -> Any:
            if value is None:
                return None
            return {key: finish(get(value)) for key, get, finish in entries}

        row_key = ROW_KEYS.get(type_.name)
        if row_key is None or self._nodes is None:
            return complete
        return _kept(complete, row_key, self._nodes)

    def _field(self, parent: GraphQLObjectType, group: list[FieldNode]) -> tuple[Getter, Complete]:
        name = group[0].name.value
        if name == "__typename":
            return _constant(parent.name), _same
        field = parent.fields.get(name)
        if field is None or field.args or any(node.arguments for node in group):
            raise NotCompiled
        getter = SHORTCUTS.get((parent.name, name)) or _getter(field)
        return getter, self.complete(field.type, group)


def _getter(field: GraphQLField) -> Getter:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or definition.permission_classes
        or definition.extensions
    ):
        raise NotCompiled
    resolver = definition.base_resolver
    if resolver is None:
        return operator.attrgetter(definition.python_name)
    if (
        resolver.is_async
        or resolver.arguments
        or resolver.self_parameter is None
        or resolver.info_parameter is not None
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
    ):
        raise NotCompiled
    method = resolver.wrapped_func
    if not isinstance(method, FunctionType):  # a staticmethod or classmethod
        raise NotCompiled
    return method


def _kept(complete: Complete, row_key: Callable[[Any], Hashable | None], nodes: Nodes) -> Complete:
    token = object()  # this completer's selection; dies with the plan, its nodes age out

    def kept(value: Any) -> Any:
        row = None if value is None else row_key(value)
        if row is None:
            return complete(value)
        key = (token, row)
        found = nodes.get(key)
        if found is None:
            found = nodes[key] = complete(value)  # not kept when it raises NotCompiled
        return found

    return kept


def _leaf(serialize: Callable[[Any], Any]) -> Complete:
    def leaf(value: Any) -> Any:
        if value is None:
            return None
        serialized = serialize(value)
        if serialized is None:
            raise NotCompiled  # the executor answers it with an error
        return serialized

    return leaf


def _constant(value: str) -> Getter:
    return lambda _: value


def _same(value: Any) -> Any:
    return value


class CompiledQueries:
    """The plans of documents that ran cleanly, and running them."""

    def __init__(
        self,
        schema: GraphQLSchema,
        config: StrawberryConfig,
        scalars: Mapping[object, Any],
    ) -> None:
        self._schema = schema
        self._config = config
        self._scalars = scalars
        # A document that cannot be compiled is remembered too, as None.
        self._plans: LRUCache[tuple[str, str | None], Plan | None] = LRUCache(PLANS)
        self._nodes: Nodes = LRUCache(NODES)  # one schema serves one database

    async def execute(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: object,
    ) -> ExecutionResult | None:
        """The answer, when a plan can give it; None for the executor to answer (and to
        refuse whatever is not a string, a name or an object where one belongs)."""
        if not _well_formed(query, operation_name, variables) or not isinstance(context, Context):
            return None
        plan = self._plans.get((query, operation_name))
        if plan is None:
            return None
        try:
            data = await plan.run(
                self._schema, self._config, self._scalars, variables or {}, context
            )
        except Exception:  # the executor runs it again and answers with the typed error
            return None
        return ExecutionResult(data=data, errors=None)

    def learn(self, query: str, operation_name: str | None, document: DocumentNode) -> None:
        """Compile ``query`` (parsed as ``document``) once it has run without an error."""
        key = (query, operation_name)
        if not _well_formed(query, operation_name, None) or key in self._plans:
            return
        try:
            plan: Plan | None = compile_plan(self._schema, document, operation_name, self._nodes)
        except NotCompiled:
            plan = None
        self._plans[key] = plan


def _well_formed(query: object, operation_name: object, variables: object) -> bool:
    return (
        isinstance(query, str)
        and (operation_name is None or isinstance(operation_name, str))
        and (variables is None or isinstance(variables, dict))
    )


class CompiledExecution(SchemaExtension):
    """Answers an operation from its plan, when there is one, in place of the executor; a
    document that the executor ran without an error is compiled for the next time."""

    def __init__(self, compiled: CompiledQueries | None) -> None:
        self._compiled = compiled  # None: every operation goes to the executor

    async def on_execute(self) -> AsyncIterator[None]:
        context, compiled = self.execution_context, self._compiled
        query, name = context.query, context.operation_name
        if compiled is None or not query or context.result is not None:
            yield
            return
        answer = await compiled.execute(query, name, context.variables, context.context)
        if answer is not None:
            context.result = answer  # Strawberry then skips graphql-core's executor
            yield
            return
        yield
        result, document = context.result, context.graphql_document
        if document is not None and result is not None and not result.errors and result.data:
            compiled.learn(query, name, document)
