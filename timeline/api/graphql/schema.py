"""The schema: the root types, the scalars, the limits, the error layer and the compiled
queries (``compiled``) that answer a hot document without the general executor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from timeline.api.graphql.compiled import CompiledExecution, CompiledQueries
from timeline.api.graphql.context import Context
from timeline.api.graphql.errors import BadHeader, describe
from timeline.api.graphql.limits import limit_extensions
from timeline.api.graphql.mutations import Mutation
from timeline.api.graphql.queries import Query
from timeline.api.graphql.scalars import SCALARS
from timeline.api.graphql.subscriptions import Subscription
from timeline.api.settings import ApiSettings
from timeline.application.errors import ProjectionBehind


class TimelineSchema(Schema):
    compiled: CompiledQueries | None = None
    """Set by ``build_schema``; None runs every operation through the executor."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Strawberry's answer (a compiled plan's, when ``CompiledExecution`` has one).

        A request with a ``Timeline-Min-Position`` header first waits for the read models
        to reach it (UNAVAILABLE past the bound); every answer says in
        ``extensions.position`` how much of the log its read models reflect at least."""
        if isinstance(context_value, Context):
            try:
                await context_value.at_least(None)
            except (BadHeader, ProjectionBehind) as error:
                errors = [GraphQLError(str(error), original_error=error)]
                self.process_errors(errors)
                return self._positioned(ExecutionResult(data=None, errors=errors), context_value)
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        return self._positioned(result, context_value)

    def _positioned(self, result: ExecutionResult, context: object) -> ExecutionResult:
        if isinstance(context, Context):
            position = context.services.positions.current
            result.extensions = {**(result.extensions or {}), "position": position}
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every error its code before any transport serialises it (see ``errors``)."""
        document = None if execution_context is None else execution_context.graphql_document
        for error in errors:
            describe(error, document)


def build_schema(settings: ApiSettings | None = None) -> TimelineSchema:
    """The schema; its last extension answers compiled queries (``compiled``), which
    ``schema.compiled = None`` turns off."""
    extensions: list[Callable[[], SchemaExtension]] = limit_extensions(settings or ApiSettings())
    schema = TimelineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[*extensions, lambda: CompiledExecution(schema.compiled)],
    )
    if not any(_wraps_resolvers(extension()) for extension in extensions):
        schema.compiled = CompiledQueries(
            schema._schema, schema.config, schema.schema_converter.scalar_registry
        )
    return schema


def _wraps_resolvers(extension: SchemaExtension) -> bool:
    """Whether ``extension`` runs around each resolver, which a compiled plan would skip."""
    return type(extension).resolve is not SchemaExtension.resolve


def schema_sdl() -> str:
    """The schema in SDL, as ``schema.graphql`` holds it."""
    return build_schema().as_str() + "\n"
