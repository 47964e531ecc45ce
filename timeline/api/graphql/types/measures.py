"""Measure: a key under which figures from different sources add up, in one unit."""

from __future__ import annotations

import strawberry

from timeline.domain.measures import Measure as DomainMeasure


@strawberry.type(name="Measure")
class Measure:
    measure: strawberry.Private[DomainMeasure]

    @strawberry.field
    def key(self) -> str:
        return self.measure.key

    @strawberry.field
    def label(self) -> str:
        return self.measure.label

    @strawberry.field(description="The unit its figures are added up in.")
    def unit(self) -> str:
        return self.measure.unit
