"""FigureReading: one source's figure for a fact, placed in the log (for figureHistory)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.types.facts import Fact
from timeline.api.graphql.types.figures import Figure
from timeline.api.graphql.types.sources import Source
from timeline.domain.projections.readings import Reading


@strawberry.type(name="FigureReading")
class FigureReading:
    reading: strawberry.Private[Reading]

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

    @strawberry.field
    def position(self) -> int:
        return self.reading.position

    @strawberry.field(description="The fact as it stands now.")
    async def fact(self, info: Info[Context, None]) -> Fact | None:
        history = await info.context.loaders.histories.load(self.reading.fact_id)
        return Fact(fact=history[-1].fact) if history else None
