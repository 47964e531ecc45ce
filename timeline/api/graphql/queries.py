"""Queries: each converts its arguments, makes one read-service call and maps the result."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.errors import NotReady
from timeline.api.graphql.inputs import TimelineFilter, fact_id
from timeline.api.graphql.permissions import READ
from timeline.api.graphql.types.changes import ChangeSet
from timeline.api.graphql.types.events import (
    CURSOR_KIND,
    Event,
    EventConnection,
    EventEdge,
    event_cursor,
)
from timeline.api.graphql.types.facts import Fact, FactConnection
from timeline.api.graphql.types.measures import Measure
from timeline.api.graphql.types.pages import PageInfo, decode_cursor, page_size
from timeline.api.graphql.types.readings import FigureReading
from timeline.api.graphql.types.totals import Granularity, RunningTotal
from timeline.domain.dates import FuzzyDate
from timeline.domain.projections.revisions import revision_at
from timeline.domain.projections.visibility import AsOf

_READ_SIDE = "the read models are not wired into the API yet"


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=READ,
        description="Facts in time order, as known at knownAt and recorded before recordedBefore.",
    )
    async def timeline(
        self,
        info: Info[Context, None],
        filter: TimelineFilter | None = None,
        known_at: dt.date | None = None,
        recorded_before: dt.datetime | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> FactConnection:
        raise NotReady(_READ_SIDE)

    @strawberry.field(
        permission_classes=READ,
        description="One fact as known at knownAt and recorded before recordedBefore.",
    )
    async def fact(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        known_at: dt.date | None = None,
        recorded_before: dt.datetime | None = None,
    ) -> Fact | None:
        as_of = AsOf(known_at, recorded_before)
        history = await info.context.loaders.histories.load(fact_id(id))
        revision = revision_at(history, as_of)
        return None if revision is None else Fact(fact=revision.fact)

    @strawberry.field(permission_classes=READ, description="Every registered measure.")
    async def measures(self, info: Info[Context, None]) -> list[Measure]:
        raise NotReady(_READ_SIDE)

    @strawberry.field(permission_classes=READ, description="A measure summed over time.")
    async def running_total(
        self,
        info: Info[Context, None],
        measure: str,
        known_at: dt.date | None = None,
        recorded_before: dt.datetime | None = None,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
        granularity: Granularity | None = Granularity.YEAR,
    ) -> RunningTotal:
        raise NotReady(_READ_SIDE)

    @strawberry.field(
        permission_classes=READ,
        description="Every reading of a measure (for a period), as each source gave it.",
    )
    async def figure_history(
        self, info: Info[Context, None], measure: str, period: FuzzyDate | None = None
    ) -> list[FigureReading]:
        raise NotReady(_READ_SIDE)

    @strawberry.field(
        permission_classes=READ,
        description="What became known between two days: added, revised and retracted facts.",
    )
    async def changes(
        self, info: Info[Context, None], from_known_at: dt.date, to_known_at: dt.date
    ) -> ChangeSet:
        raise NotReady(_READ_SIDE)

    @strawberry.field(
        permission_classes=READ,
        description="The raw log in position order, for integrations that follow it.",
    )
    async def events(
        self,
        info: Info[Context, None],
        after_position: int | None = 0,
        first: int | None = 100,
        after: str | None = None,
    ) -> EventConnection:
        start = (
            int(decode_cursor(CURSOR_KIND, after)[0]) if after is not None else after_position or 0
        )
        page = await info.context.queries.events(
            after_position=start, first=page_size(100 if first is None else first)
        )
        edges = [
            EventEdge(cursor=event_cursor(record.position), node=Event(record=record))
            for record in page.events
        ]
        return EventConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_more,
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.head,
        )
