"""The schema: the root types, the scalars, the limits and the error layer."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from timeline.api.graphql.errors import describe
from timeline.api.graphql.limits import limit_extensions
from timeline.api.graphql.mutations import Mutation
from timeline.api.graphql.queries import Query
from timeline.api.graphql.scalars import SCALARS
from timeline.api.graphql.subscriptions import Subscription
from timeline.api.settings import ApiSettings


class TimelineSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every error its code before any transport serialises it (see ``errors``)."""
        document = None if execution_context is None else execution_context.graphql_document
        for error in errors:
            describe(error, document)


def build_schema(settings: ApiSettings | None = None) -> TimelineSchema:
    return TimelineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=limit_extensions(settings or ApiSettings()),
    )


def schema_sdl() -> str:
    """The schema in SDL, as ``schema.graphql`` holds it."""
    return build_schema().as_str() + "\n"
