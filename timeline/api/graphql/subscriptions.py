"""Subscriptions, over graphql-transport-ws only."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.filters import matches
from timeline.api.graphql.inputs import TimelineFilter, fact_filter
from timeline.api.graphql.permissions import READ
from timeline.api.graphql.types.changes import FactChange


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=READ,
        description="Every fact recorded, corroborated, revised or retracted from now on.",
    )
    async def fact_changed(
        self, info: Info[Context, None], filter: TimelineFilter | None = None
    ) -> AsyncGenerator[FactChange, None]:
        # A retraction is a change subscribers must hear of, whatever includeRetracted says.
        criteria = dataclasses.replace(fact_filter(filter), include_retracted=True)
        async for record in info.context.services.feed.events():
            change = await info.context.queries.change_at(record)
            if change is not None and matches(criteria, change.after.fact):
                yield FactChange(change=change)
