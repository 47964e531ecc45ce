"""FigureReading: one source's figure for a fact, placed in the log, and (in a figure's
history) how the reading ended and how it differs from the one it superseded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.types.facts import Fact, of_revision
from timeline.api.graphql.types.figures import Figure
from timeline.api.graphql.types.sources import Source
from timeline.domain.projections.history import HistoryEntry
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.visibility import NOW


@strawberry.enum
class ReadingStatus(Enum):
    CURRENT = "CURRENT"
    REVISED = "REVISED"
    RETRACTED = "RETRACTED"


@strawberry.type(name="FigureReading")
class FigureReading:
    reading: strawberry.Private[Reading]
    entry: strawberry.Private[HistoryEntry | None] = None

    @strawberry.field
    def fact_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.reading.fact_id))

    @strawberry.field
    def figure(self) -> Figure:
        return Figure(figure=self.reading.figure)

    @strawberry.field
    def source(self) -> Source:
        return Source(source=self.reading.source)

    @strawberry.field(description="The last day its source can have been published.")
    def reported(self) -> dt.date:
        return self.reading.reported_on

    @strawberry.field(description="When the store recorded the event that brought it in.")
    def recorded_at(self) -> dt.datetime:
        return self.reading.recorded_at

    @strawberry.field(description="The log position of the event that brought it in.")
    def position(self) -> int:
        return self.reading.position

    @strawberry.field(description="In a figure history: whether the reading still stands.")
    def status(self) -> ReadingStatus | None:
        return None if self.entry is None else ReadingStatus[self.entry.status.name]

    @strawberry.field(
        description="In a figure history: this value less the reading it superseded, when "
        "both were reported in one unit."
    )
    def change(self) -> Decimal | None:
        return None if self.entry is None else self.entry.change

    @strawberry.field(description="In a figure history: the reading it superseded.")
    def superseded(self) -> FigureReading | None:
        if self.entry is None or self.entry.superseded is None:
            return None
        return FigureReading(reading=self.entry.superseded)

    @strawberry.field(description="In a figure history: why the reading stopped standing.")
    def ended_reason(self) -> str | None:
        return None if self.entry is None else self.entry.ended_reason

    @strawberry.field(description="The fact as it stands now.")
    async def fact(self, info: Info[Context, None]) -> Fact | None:
        current = await info.context.loaders.facts.load((self.reading.fact_id, NOW))
        return None if current is None else of_revision(current)


def history_reading(entry: HistoryEntry) -> FigureReading:
    return FigureReading(reading=entry.reading, entry=entry)
