"""Figure: a quantity of a measure over a period, with the bounds its qualifier implies."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from timeline.api.graphql.types.sources import Source
from timeline.domain import quantities
from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import FigureReading as DomainReading
from timeline.domain.figures import Figure as DomainFigure


@strawberry.enum(description="How the source put the value: the bounds follow from it.")
class Qualifier(Enum):
    EXACT = "EXACT"
    ABOUT = "ABOUT"
    AT_LEAST = "AT_LEAST"
    MORE_THAN = "MORE_THAN"
    AT_MOST = "AT_MOST"
    LESS_THAN = "LESS_THAN"
    ALMOST = "ALMOST"


@strawberry.enum
class Basis(Enum):
    FLOW = strawberry.enum_value("FLOW", description="An amount within its period.")
    CUMULATIVE = strawberry.enum_value(
        "CUMULATIVE", description="A running total over its period, as at its end."
    )


@strawberry.type(name="Figure")
class Figure:
    figure: strawberry.Private[DomainFigure]

    @strawberry.field
    def measure(self) -> str:
        return self.figure.measure

    @strawberry.field
    def value(self) -> Decimal:
        return self.figure.quantity.value

    @strawberry.field
    def unit(self) -> str:
        return self.figure.quantity.unit

    @strawberry.field
    def qualifier(self) -> Qualifier:
        return Qualifier[self.figure.quantity.qualifier.name]

    @strawberry.field
    def basis(self) -> Basis:
        return Basis[self.figure.basis.name]

    @strawberry.field
    def period(self) -> FuzzyDate:
        return self.figure.period

    @strawberry.field(
        description="The amount covers this many days somewhere inside period, which is then "
        "only the window they lie in (null: all of period). Its bounds hold for those days, "
        "never for the whole window."
    )
    def span_days(self) -> int | None:
        return self.figure.span_days

    @strawberry.field(description="The least the true amount can be (null: no bound).")
    def lower(self) -> Decimal | None:
        return self.figure.quantity.bounds.lower

    @strawberry.field(description="The most the true amount can be (null: unbounded).")
    def upper(self) -> Decimal | None:
        return self.figure.quantity.bounds.upper

    @strawberry.field
    def lower_inclusive(self) -> bool:
        return self.figure.quantity.bounds.lower_inclusive

    @strawberry.field
    def upper_inclusive(self) -> bool:
        return self.figure.quantity.bounds.upper_inclusive


@strawberry.type(name="Reading", description="The figure as one source gave it.")
class Reading:
    reading: strawberry.Private[DomainReading]

    @strawberry.field
    def figure(self) -> Figure:
        return Figure(figure=self.reading.figure)

    @strawberry.field
    def source(self) -> Source:
        return Source(source=self.reading.source)


def figure_or_none(figure: DomainFigure | None) -> Figure | None:
    return None if figure is None else Figure(figure=figure)


def domain_qualifier(value: Qualifier) -> quantities.Qualifier:
    return quantities.Qualifier[value.name]


def domain_basis(value: Basis) -> quantities.Basis:
    return quantities.Basis[value.name]
