"""The schema: the root types, the scalars, the limits, the error layer and the compiled
queries (``compiled``) that answer a hot document without the general executor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from timeline.api.graphql.compiled import CompiledQueries
from timeline.api.graphql.context import Context
from timeline.api.graphql.errors import BadHeader, describe
from timeline.api.graphql.limits import CHECKED_DOCUMENTS, DocumentCache, limit_extensions
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
        """A compiled plan's answer when there is one, else Strawberry's; a document that
        ran without an error is compiled for the next time.

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
        result = await self._execute(
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

    async def _execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        root_value: Any | None,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        compiled = self.compiled
        if compiled is not None and query:
            found = await compiled.execute(query, operation_name, variable_values, context_value)
            if found is not None:
                return found
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        if compiled is not None and query and not result.errors and result.data is not None:
            compiled.learn(query, operation_name)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every error its code before any transport serialises it (see ``errors``)."""
        document = None if execution_context is None else execution_context.graphql_document
        for error in errors:
            describe(error, document)


def build_schema(settings: ApiSettings | None = None) -> TimelineSchema:
    documents = DocumentCache(CHECKED_DOCUMENTS)
    schema = TimelineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=limit_extensions(settings or ApiSettings(), documents),
    )
    schema.compiled = CompiledQueries(
        schema._schema, schema.config, schema.schema_converter.scalar_registry, documents
    )
    return schema


def schema_sdl() -> str:
    """The schema in SDL, as ``schema.graphql`` holds it."""
    return build_schema().as_str() + "\n"
