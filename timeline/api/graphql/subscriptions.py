"""Subscriptions, over graphql-transport-ws only."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.inputs import TimelineFilter, fact_filter
from timeline.api.graphql.permissions import READ
from timeline.api.graphql.types.changes import FactChange
from timeline.application.errors import ProjectionBehind
from timeline.application.read_models import FactFilter

EVERY_CHANGE = FactFilter(include_retracted=True)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=READ,
        description=(
            "Every fact recorded, corroborated, revised or retracted from now on. With a "
            "filter, each change waits for the read models to reach it, which decide the "
            "filter as the timeline does."
        ),
    )
    async def fact_changed(
        self, info: Info[Context, None], filter: TimelineFilter | None = None
    ) -> AsyncGenerator[FactChange, None]:
        # A retraction is a change subscribers must hear of, whatever includeRetracted says.
        criteria = dataclasses.replace(fact_filter(filter), include_retracted=True)
        queries = info.context.queries
        async for record in info.context.services.feed.events():
            change = await queries.change_at(record)
            if change is None:
                continue
            if criteria != EVERY_CHANGE:
                await _projected(info.context, record.position)
                if not await queries.passes(criteria, change.after):
                    continue
            yield FactChange(change=change)


async def _projected(context: Context, position: int) -> None:
    """Wait for the read models to reach ``position``, however long the projector takes: a
    subscriber would rather hear late than miss a change its filter admits."""
    services = context.services
    while True:
        try:
            await services.positions.reach(position, services.min_position_wait_seconds)
            return
        except ProjectionBehind:
            continue
