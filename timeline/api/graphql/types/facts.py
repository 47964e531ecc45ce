"""Fact: what happened, when, with its figure, sources, status and full history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.types.figures import Figure, Reading, figure_or_none
from timeline.api.graphql.types.pages import InvalidPage, PageInfo, decode_cursor, encode_cursor
from timeline.api.graphql.types.sources import Source, sources
from timeline.application.queries import TimelinePage
from timeline.application.read_models import PageKey
from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import Fact as DomainFact
from timeline.domain.projections.revisions import FactRevision

_EVENT_TYPES = {
    "FactRecorded": "RECORDED",
    "FactCorroborated": "CORROBORATED",
    "FactRevised": "REVISED",
    "FactRetracted": "RETRACTED",
}


@strawberry.enum
class FactStatus(Enum):
    ACTIVE = "ACTIVE"
    RETRACTED = "RETRACTED"


@strawberry.enum(description="What an event of a fact's stream did.")
class FactEventType(Enum):
    RECORDED = "RECORDED"
    CORROBORATED = "CORROBORATED"
    REVISED = "REVISED"
    RETRACTED = "RETRACTED"


def event_type(name: str) -> FactEventType:
    return FactEventType(_EVENT_TYPES[name])


@strawberry.type(description="One event of a fact's stream and the revision it made.")
class FactHistoryEntry:
    entry: strawberry.Private[FactRevision]

    @strawberry.field
    def revision(self) -> int:
        return self.entry.revision

    @strawberry.field(description="The event's position in the log.")
    def position(self) -> int:
        return self.entry.position

    @strawberry.field
    def type(self) -> FactEventType:
        return event_type(self.entry.event_type)

    @strawberry.field(description="Fields the event changed (none for the first event).")
    def changed_fields(self) -> list[str]:
        return list(self.entry.changed_fields)

    @strawberry.field
    def reason(self) -> str | None:
        return self.entry.reason

    @strawberry.field(description="The source the event rests on, if any.")
    def source(self) -> Source | None:
        return None if self.entry.source is None else Source(source=self.entry.source)

    @strawberry.field(description="When the event's source was published.")
    def reported(self) -> FuzzyDate | None:
        return None if self.entry.source is None else self.entry.source.published

    @strawberry.field(description="The day from which the event counts as known.")
    def known_from(self) -> dt.date:
        return self.entry.known_from

    @strawberry.field(description="When the store recorded the event.")
    def recorded_at(self) -> dt.datetime:
        return self.entry.recorded_from

    @strawberry.field(description="The fact as it stood after this event.")
    def fact(self) -> Fact:
        return of_revision(self.entry)


@strawberry.type(name="Fact")
class Fact:
    fact: strawberry.Private[DomainFact]
    current: strawberry.Private[FactRevision | None] = None
    """The read model's revision this state is, when the fact came from the read model."""
    written: strawberry.Private[int] = 0
    """The log position a mutation wrote this state at: the fields read from the read
    models (times, history) wait for them to reach it, so a payload shows its own write."""

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.fact.fact_id))

    @strawberry.field
    def kind(self) -> str:
        return self.fact.content.kind

    @strawberry.field
    def title(self) -> str:
        return self.fact.content.title

    @strawberry.field
    def summary(self) -> str:
        return self.fact.content.summary

    @strawberry.field
    def occurred(self) -> FuzzyDate:
        return self.fact.content.occurred

    @strawberry.field(description="The first day it can have happened (null: open start).")
    def occurred_earliest(self) -> dt.date | None:
        occurred = self.fact.content.occurred
        return None if occurred.open_start else occurred.earliest

    @strawberry.field(description="The last day it can have happened (null: open end).")
    def occurred_latest(self) -> dt.date | None:
        occurred = self.fact.content.occurred
        return None if occurred.open_end else occurred.latest

    @strawberry.field(description="The source's own words for the date, when resolved.")
    def occurred_phrase(self) -> str | None:
        return self.fact.content.occurred_phrase

    @strawberry.field
    def date_note(self) -> str | None:
        return self.fact.content.date_note

    @strawberry.field
    def topics(self) -> list[str]:
        return list(self.fact.content.topics)

    @strawberry.field
    def actors(self) -> list[str]:
        return list(self.fact.content.actors)

    @strawberry.field
    def places(self) -> list[str]:
        return list(self.fact.content.places)

    @strawberry.field
    def figure(self) -> Figure | None:
        return figure_or_none(self.fact.content.figure)

    @strawberry.field(description="Each source's own reading of the figure.")
    def readings(self) -> list[Reading]:
        return [Reading(reading=reading) for reading in self.fact.readings]

    @strawberry.field
    def sources(self) -> list[Source]:
        return sources(self.fact.sources)

    @strawberry.field
    def status(self) -> FactStatus:
        return FactStatus(self.fact.status.value)

    @strawberry.field(description="How many events of the fact's stream this state folds.")
    def revision(self) -> int:
        return self.fact.revision

    @strawberry.field(description="The last day its earliest source can have been published.")
    def first_reported(self) -> dt.date:
        return self.fact.known_from

    @strawberry.field(description="When the store recorded this revision of the fact.")
    async def recorded_at(self, info: Info[Context, None]) -> dt.datetime:
        if self.current is not None:
            return self.current.recorded_from
        await info.context.at_least(self.written)
        history = await info.context.loaders.histories.load(self.fact.fact_id)
        return next(r for r in history if r.revision == self.fact.revision).recorded_from

    @strawberry.field(description="When the store recorded the fact's first event.")
    async def first_recorded_at(self, info: Info[Context, None]) -> dt.datetime:
        await info.context.at_least(self.written)
        history = await info.context.loaders.histories.load(self.fact.fact_id)
        return history[0].recorded_from

    @strawberry.field(description="Every event of the fact's stream up to this state.")
    async def history(self, info: Info[Context, None]) -> list[FactHistoryEntry]:
        await info.context.at_least(self.written)
        history = await info.context.loaders.histories.load(self.fact.fact_id)
        return [
            FactHistoryEntry(entry=entry)
            for entry in history
            if entry.revision <= self.fact.revision
        ]


@strawberry.type
class FactEdge:
    cursor: str
    node: Fact


@strawberry.type
class FactPayload:
    fact: Fact
    revision: int
    position: int = strawberry.field(description="The log position of the event written.")
    replayed: bool = strawberry.field(
        description="True when an idempotency key matched an earlier write: nothing new."
    )


@strawberry.type
class FactConnection:
    edges: list[FactEdge]
    page_info: PageInfo
    counted: strawberry.Private[int | None]
    """None when the query did not select ``totalCount``, so nothing was counted."""

    @strawberry.field(description="Facts matching the filter, all pages.")
    def total_count(self) -> int:
        if self.counted is None:  # the resolver counts whenever the field is selected
            raise RuntimeError("totalCount was not selected, so it was not counted")
        return self.counted


def of_revision(revision: FactRevision) -> Fact:
    return Fact(fact=revision.fact, current=revision)


@dataclass(frozen=True, slots=True)
class TimelineCursor:
    """Where a timeline page ends and the instant its first page was pinned to."""

    key: PageKey
    recorded_before: dt.datetime

    KIND: ClassVar[str] = "timeline"

    def encode(self) -> str:
        return self.encode_all([self.key], self.recorded_before)[0]

    @classmethod
    def encode_all(cls, keys: Iterable[PageKey], recorded_before: dt.datetime) -> list[str]:
        """The cursors of a page's ``keys``, all pinned to ``recorded_before``, whose text is
        written once for the page rather than once for each of its 50 cursors."""
        pinned = recorded_before.isoformat()
        return [encode_cursor(cls.KIND, [key.encode(), pinned]) for key in keys]

    @classmethod
    def decode(cls, cursor: str, *, field: str = "after") -> TimelineCursor:
        key, pinned = (str(part) for part in decode_cursor(cls.KIND, cursor, field=field))
        try:
            return cls(PageKey.decode(key), dt.datetime.fromisoformat(pinned))
        except ValueError:
            raise InvalidPage(field, "is not a cursor this list handed out") from None


def fact_connection(result: TimelinePage, *, has_previous: bool) -> FactConnection:
    pinned = result.as_of.recorded_before
    if pinned is None:  # pragma: no cover - TimelineQueries.timeline always pins
        raise ValueError("a timeline page must be pinned to an instant")
    revisions = result.page.revisions
    cursors = TimelineCursor.encode_all(map(PageKey.of, revisions), pinned)
    edges = [
        FactEdge(cursor=cursor, node=of_revision(revision))
        for cursor, revision in zip(cursors, revisions, strict=True)
    ]
    return FactConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=result.page.has_more,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        counted=result.page.total,
    )
