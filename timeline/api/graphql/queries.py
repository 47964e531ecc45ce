"""Queries: each converts its arguments, makes one read-service call and maps the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from timeline.api.graphql.context import Context
from timeline.api.graphql.inputs import TimelineFilter, fact_filter, fact_id
from timeline.api.graphql.permissions import READ, WRITE
from timeline.api.graphql.types.changes import ChangeSet
from timeline.api.graphql.types.events import (
    CURSOR_KIND,
    Event,
    EventConnection,
    EventEdge,
    event_cursor,
)
from timeline.api.graphql.types.facts import (
    Fact,
    FactConnection,
    TimelineCursor,
    fact_connection,
    of_revision,
)
from timeline.api.graphql.types.measures import MEASURE_KEY_FORMAT, Measure
from timeline.api.graphql.types.pages import PageInfo, decode_cursor, page_size
from timeline.api.graphql.types.proposals import FactProposals
from timeline.api.graphql.types.readings import FigureReading, history_reading
from timeline.api.graphql.types.totals import Granularity, RunningTotal, domain_granularity
from timeline.application.proposing import propose_facts
from timeline.domain.dates import FuzzyDate
from timeline.domain.projections.visibility import AsOf
from timeline.domain.proposals.articles import pasted_article

MinPosition = int | None
"""Answer from read models that reflect the log at least up to this position (a mutation's
``position``): waits for them up to a bound, then answers UNAVAILABLE. The
``Timeline-Min-Position`` header does the same for a whole request. (No argument
description: the published SDL keeps every read query's arguments on one line.)"""


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=READ,
        description="Facts in time order, as known at knownAt and recorded before "
        "recordedBefore. Without recordedBefore the first page pins the time it was read, "
        "and its cursors carry it: paging sees one snapshot, each fact exactly once.",
    )
    async def timeline(
        self,
        info: Info[Context, None],
        filter: TimelineFilter | None = None,
        known_at: dt.date | None = None,
        recorded_before: dt.datetime | None = None,
        first: int | None = 50,
        after: str | None = None,
        min_position: MinPosition = None,
    ) -> FactConnection:
        return await timeline_page(
            info.context,
            selected=selected_names(info.selected_fields),
            filter=filter,
            known_at=known_at,
            recorded_before=recorded_before,
            first=first,
            after=after,
            min_position=min_position,
        )

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
        min_position: MinPosition = None,
    ) -> Fact | None:
        await info.context.at_least(min_position)
        current = await info.context.loaders.facts.load(
            (fact_id(id), AsOf(known_at, recorded_before))
        )
        return None if current is None else of_revision(current)

    @strawberry.field(permission_classes=READ, description="Every registered measure, by key.")
    async def measures(self, info: Info[Context, None]) -> list[Measure]:
        return await measure_list(info.context)

    @strawberry.field(
        permission_classes=READ,
        description="A measure summed over time from the readings that count, as known at "
        "knownAt, with its cumulative checkpoints and warnings. NOT_FOUND when no measure "
        "has the key. " + MEASURE_KEY_FORMAT,
    )
    async def running_total(
        self,
        info: Info[Context, None],
        measure: str,
        known_at: dt.date | None = None,
        recorded_before: dt.datetime | None = None,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
        granularity: Granularity | None = Granularity.YEAR,
        min_position: MinPosition = None,
    ) -> RunningTotal:
        return await running_total_of(
            info.context,
            selected=selected_names(info.selected_fields),
            measure=measure,
            known_at=known_at,
            recorded_before=recorded_before,
            from_=from_,
            to=to,
            granularity=granularity,
            min_position=min_position,
        )

    @strawberry.field(
        permission_classes=READ,
        description="Every reading a measure has had (of the period's days, if given), in "
        "the order reported, including readings later revised or retracted. NOT_FOUND when "
        "no measure has the key. " + MEASURE_KEY_FORMAT,
    )
    async def figure_history(
        self,
        info: Info[Context, None],
        measure: str,
        period: FuzzyDate | None = None,
        min_position: MinPosition = None,
    ) -> list[FigureReading]:
        await info.context.at_least(min_position)
        entries = await info.context.queries.figure_history(measure, period)
        return [history_reading(entry) for entry in entries]

    @strawberry.field(
        permission_classes=READ,
        description="What became known between two days: added, revised and retracted facts.",
    )
    async def changes(
        self,
        info: Info[Context, None],
        from_known_at: dt.date,
        to_known_at: dt.date,
        min_position: MinPosition = None,
    ) -> ChangeSet:
        await info.context.at_least(min_position)
        found = await info.context.queries.changes(from_known_at, to_known_at, None)
        return ChangeSet(changes=found, from_known_at=from_known_at, to_known_at=to_known_at)

    @strawberry.field(
        permission_classes=WRITE,
        description="Facts proposed from a news text (verbatim quotes, dates resolved "
        "against publishedOn, figures, kinds, and matches with the record) for a writer to "
        "review and record. Writes nothing. Without publishedOn the text is taken as "
        "published today (UTC).",
    )
    async def propose_facts(
        self,
        info: Info[Context, None],
        text: str,
        published_on: FuzzyDate | None = None,
        publisher: str | None = None,
        url: str | None = None,
    ) -> FactProposals:
        published = published_on or FuzzyDate.of_day(dt.datetime.now(dt.UTC).date())
        article = pasted_article(text, published, publisher=publisher, url=url)
        return FactProposals(draft=await propose_facts(info.context.queries, article))

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
        return await events_page(
            info.context, after_position=after_position, first=first, after=after
        )


def selected_names(fields: Iterable[Selection]) -> frozenset[str]:
    """The names of the fields selected directly under ``fields`` (through fragments): what
    a resolver may leave uncomputed when it is not among them."""
    names: set[str] = set()
    for field in fields:
        for selection in field.selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            else:
                names |= selected_names([selection])
    return frozenset(names)


async def timeline_page(
    context: Context,
    *,
    selected: Collection[str],
    filter: TimelineFilter | None = None,
    known_at: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    first: int | None = 50,
    after: str | None = None,
    min_position: int | None = None,
) -> FactConnection:
    """``Query.timeline`` once its reader is allowed: also what a compiled query calls."""
    await context.at_least(min_position)
    cursor = None if after is None else TimelineCursor.decode(after)
    result = await context.queries.timeline(
        known_at,
        cursor.recorded_before if cursor is not None else recorded_before,
        fact_filter(filter),
        first=page_size(50 if first is None else first),
        after=None if cursor is None else cursor.key,
        count="totalCount" in selected,
    )
    return fact_connection(result, has_previous=cursor is not None)


async def events_page(
    context: Context,
    *,
    after_position: int | None = 0,
    first: int | None = 100,
    after: str | None = None,
) -> EventConnection:
    """``Query.events`` once its reader is allowed: also what a compiled query calls."""
    start = int(decode_cursor(CURSOR_KIND, after)[0]) if after is not None else after_position or 0
    page = await context.queries.events(
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


async def measure_list(context: Context) -> list[Measure]:
    """``Query.measures`` once its reader is allowed: also what a compiled query calls."""
    return [Measure(measure=measure) for measure in await context.queries.measures()]


async def running_total_of(
    context: Context,
    *,
    selected: Collection[str],
    measure: str,
    known_at: dt.date | None = None,
    recorded_before: dt.datetime | None = None,
    from_: dt.date | None = None,
    to: dt.date | None = None,
    granularity: Granularity | None = Granularity.YEAR,
    min_position: int | None = None,
) -> RunningTotal:
    """``Query.runningTotal`` once its reader is allowed: also what a compiled query calls.
    A checkpoint's readings past its first and last are read only if ``checkpoints`` is
    among the ``selected`` fields (``TimelineQueries.running_total``)."""
    await context.at_least(min_position)
    as_of = AsOf(known_at, recorded_before)
    total = await context.queries.running_total(
        measure,
        as_of,
        granularity=domain_granularity(granularity or Granularity.YEAR),
        start=from_,
        end=to,
        checkpoint_readings="checkpoints" in selected,
    )
    return RunningTotal(total=total, as_of=as_of)
