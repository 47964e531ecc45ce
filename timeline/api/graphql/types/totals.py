"""RunningTotal: a measure summed over time, with its checkpoints and warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.types.facts import Fact, of_revision
from timeline.api.graphql.types.figures import Basis
from timeline.api.graphql.types.readings import FigureReading
from timeline.domain.dates import FuzzyDate
from timeline.domain.projections import totals
from timeline.domain.projections.selection import Amount
from timeline.domain.projections.visibility import AsOf


@strawberry.enum
class Granularity(Enum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"


@strawberry.type(name="TotalPoint", description="The total as at the last day of a bucket.")
class TotalPoint:
    point: strawberry.Private[totals.TotalPoint]
    as_of: strawberry.Private[AsOf]

    @strawberry.field
    def date(self) -> dt.date:
        return self.point.date

    @strawberry.field(description="The sum of the reported values.")
    def total(self) -> Decimal:
        return self.point.total

    @strawberry.field(description="The least the true total can be (null: no bound).")
    def lower(self) -> Decimal | None:
        return self.point.bounds.lower

    @strawberry.field(description="The most the true total can be (null: unbounded).")
    def upper(self) -> Decimal | None:
        return self.point.bounds.upper

    @strawberry.field(
        description="Whether an amount summed is contested: readings of its period differ "
        "and none is later by publication, so the bounds cover every side."
    )
    def contested(self) -> bool:
        return self.point.contested

    @strawberry.field(description="The facts whose figures the total sums.")
    async def facts(self, info: Info[Context, None]) -> list[Fact]:
        keys = [(fact_id, self.as_of) for fact_id in self.point.fact_ids]
        current = await info.context.loaders.facts.load_many(keys)
        return [of_revision(revision) for revision in current if revision is not None]


@strawberry.type(
    name="Checkpoint",
    description="A cumulative reading beside the total computed over its own period.",
)
class Checkpoint:
    checkpoint: strawberry.Private[totals.Checkpoint]
    as_of: strawberry.Private[AsOf]

    @strawberry.field
    def date(self) -> dt.date:
        return self.checkpoint.date

    @strawberry.field(description="The first of the readings: see readings for them all.")
    def reading(self) -> FigureReading:
        return FigureReading(reading=self.checkpoint.reading)

    @strawberry.field(
        description="Every reading behind the reported value: one per source that reported "
        "it, or each side when contested."
    )
    def readings(self) -> list[FigureReading]:
        return [FigureReading(reading=reading) for reading in self.checkpoint.readings]

    @strawberry.field(
        description="Whether the readings of the period differ with none later by "
        "publication: then no single reading stands and the bounds cover every side."
    )
    def contested(self) -> bool:
        return self.checkpoint.amount.contested

    @strawberry.field(
        description="The reported cumulative value, in the series' unit (when contested, "
        "the least value a side reported)."
    )
    def value(self) -> Decimal:
        return self.checkpoint.amount.value

    @strawberry.field(description="The least the reported amount can be (null: no bound).")
    def lower(self) -> Decimal | None:
        return self.checkpoint.amount.bounds.lower

    @strawberry.field(description="The most the reported amount can be (null: unbounded).")
    def upper(self) -> Decimal | None:
        return self.checkpoint.amount.bounds.upper

    @strawberry.field
    def lower_inclusive(self) -> bool:
        return self.checkpoint.amount.bounds.lower_inclusive

    @strawberry.field
    def upper_inclusive(self) -> bool:
        return self.checkpoint.amount.bounds.upper_inclusive

    @strawberry.field(description="The total computed over the checkpoint's period.")
    def computed(self) -> TotalPoint:
        return TotalPoint(point=self.checkpoint.computed, as_of=self.as_of)

    @strawberry.field(description="The reported value less the computed total.")
    def discrepancy(self) -> Decimal:
        return self.checkpoint.difference

    @strawberry.field(description="Whether the reading's and the total's bounds can both hold.")
    def consistent(self) -> bool:
        return self.checkpoint.consistent


@strawberry.type(
    name="ContestedAmount",
    description="An amount the record cannot settle: readings of one period that differ, "
    "none later by publication. No side stands alone; the bounds cover them all.",
)
class ContestedAmount:
    amount: strawberry.Private[Amount]

    @strawberry.field
    def period(self) -> FuzzyDate:
        return self.amount.period

    @strawberry.field
    def basis(self) -> Basis:
        return Basis[self.amount.basis.name]

    @strawberry.field(description="The least value a side reported.")
    def value(self) -> Decimal:
        return self.amount.value

    @strawberry.field(description="The least the true amount can be on any side.")
    def lower(self) -> Decimal | None:
        return self.amount.bounds.lower

    @strawberry.field(description="The most the true amount can be on any side (null: none).")
    def upper(self) -> Decimal | None:
        return self.amount.bounds.upper

    @strawberry.field
    def lower_inclusive(self) -> bool:
        return self.amount.bounds.lower_inclusive

    @strawberry.field
    def upper_inclusive(self) -> bool:
        return self.amount.bounds.upper_inclusive

    @strawberry.field(description="Each side, with its source.")
    def readings(self) -> list[FigureReading]:
        return [FigureReading(reading=reading) for reading in self.amount.readings]


@strawberry.type(name="RunningTotal")
class RunningTotal:
    total: strawberry.Private[totals.RunningTotal]
    as_of: strawberry.Private[AsOf]

    @strawberry.field
    def measure(self) -> str:
        return self.total.measure

    @strawberry.field
    def unit(self) -> str:
        return self.total.unit

    @strawberry.field
    def granularity(self) -> Granularity:
        return Granularity(self.total.granularity.value)

    @strawberry.field
    def points(self) -> list[TotalPoint]:
        return [TotalPoint(point=point, as_of=self.as_of) for point in self.total.points]

    @strawberry.field
    def checkpoints(self) -> list[Checkpoint]:
        return [
            Checkpoint(checkpoint=checkpoint, as_of=self.as_of)
            for checkpoint in self.total.checkpoints
        ]

    @strawberry.field(description="Every contested amount, FLOW or CUMULATIVE, with its sides.")
    def contested(self) -> list[ContestedAmount]:
        return [ContestedAmount(amount=amount) for amount in self.total.contested]

    @strawberry.field
    def warnings(self) -> list[str]:
        return [*self.total.warnings, *(c.describe() for c in self.total.conflicts)]


def domain_granularity(value: Granularity) -> totals.Granularity:
    return totals.Granularity(value.value)
