"""Readings: every figure reading of a fact revision, one row each, as the read side keeps them.

A reading is a pure function of a ``FactRevision``: a retracted revision has none, and an
active one has one per ``FigureReading`` of its fact, in the fact's order. ``reported_on`` is
the day its source is known from; ``position`` and ``recorded_at`` say when the reading
itself came into the log (a corroboration, or a correction of how a figure was read), so a
reading keeps them through later revisions that leave it unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import FactStatus
from timeline.domain.figures import Figure
from timeline.domain.projections.revisions import FactRevision, TimelineModel, facts_at
from timeline.domain.projections.visibility import NOW, AsOf
from timeline.domain.quantities import Basis
from timeline.domain.sources import Source


@dataclass(frozen=True, slots=True)
class Reading:
    """``figure`` as ``source`` gave it for fact ``fact_id``."""

    fact_id: UUID
    reading_index: int
    figure: Figure
    source: Source
    reported_on: dt.date
    position: int
    recorded_at: dt.datetime

    @property
    def measure(self) -> str:
        return self.figure.measure

    @property
    def period(self) -> FuzzyDate:
        return self.figure.period

    @property
    def basis(self) -> Basis:
        return self.figure.basis

    @property
    def period_key(self) -> PeriodKey:
        return period_key(self.figure.period, self.figure.basis, self.figure.span_days)

    def recency(self) -> tuple[dt.date, dt.datetime, int, int]:
        """Order of "reported latest": publication day, then recorded time, then position."""
        return (self.reported_on, self.recorded_at, self.position, self.reading_index)

    def describe(self) -> str:
        """How a warning names the reading: its figure, period and fact."""
        return f"{self.figure.quantity} for {self.figure.describe_period()} (fact {self.fact_id})"


PeriodKey = tuple[Basis, dt.date, dt.date, int | None]
"""What makes two readings readings of the same thing: basis, the days the period spans and
the span inside it (None: all of it). ``2025-10``, ``2025-10~`` and ``2025-10-01/2025-10-31``
span the same days, so are one period; the ``~`` says how sure the source was of it, not
which days it covers. Seven days within October are another amount than all of October."""


def period_key(period: FuzzyDate, basis: Basis, span_days: int | None = None) -> PeriodKey:
    return (basis, period.earliest, period.latest, span_days)


def readings_of(revision: FactRevision) -> tuple[Reading, ...]:
    """The readings ``revision`` holds: none when the fact is retracted."""
    fact = revision.fact
    if fact.status is not FactStatus.ACTIVE:
        return ()
    origins = revision.reading_origins
    readings = []
    for index, reading in enumerate(fact.readings):
        position, recorded_at = (
            origins[index] if index < len(origins) else (revision.position, revision.recorded_from)
        )
        readings.append(
            Reading(
                fact_id=fact.fact_id,
                reading_index=index,
                figure=reading.figure,
                source=reading.source,
                reported_on=reading.source.known_from,
                position=position,
                recorded_at=recorded_at,
            )
        )
    return tuple(readings)


def readings_at(
    model: TimelineModel, as_of: AsOf = NOW, measure: str | None = None
) -> tuple[Reading, ...]:
    """Every reading of the facts current at ``as_of`` (of ``measure`` only, if given), in
    log order."""
    found = [
        reading
        for revision in facts_at(model, as_of).values()
        for reading in readings_of(revision)
        if measure is None or reading.figure.measure == measure
    ]
    return tuple(sorted(found, key=lambda r: (r.position, str(r.fact_id), r.reading_index)))
