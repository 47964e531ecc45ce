"""Measure: a key under which figures from different sources add up, in one unit."""

from __future__ import annotations

import strawberry

from timeline.domain.measures import Measure as DomainMeasure

MEASURE_KEY_FORMAT = (
    "A measure key is lowercase letters and digits in words joined by single hyphens, "
    "e.g. uk-payments-to-france (not uk_payments_to_france)."
)


@strawberry.type(name="Measure")
class Measure:
    measure: strawberry.Private[DomainMeasure]

    @strawberry.field(description=MEASURE_KEY_FORMAT)
    def key(self) -> str:
        return self.measure.key

    @strawberry.field
    def label(self) -> str:
        return self.measure.label

    @strawberry.field(description="The unit its figures are added up in.")
    def unit(self) -> str:
        return self.measure.unit
