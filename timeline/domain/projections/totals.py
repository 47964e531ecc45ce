"""Running totals of a measure: the sum of the FLOW readings that count, day by day, month by
month or year by year, with the CUMULATIVE readings beside it as checkpoints.

Which readings count is ``selection``'s business. Here:

* The total at a day D sums the counted readings whose period ends on or before D. A point
  of the series sits on the LAST day of its day, month or year, so the point for October
  2025 is the total at 31 October and includes every amount whose period ended in October.
  Points run from the bucket of ``start`` to the bucket of ``end`` (by default the earliest
  and the latest end of a counted period), one per bucket.
* Each point carries the nominal total (the sum of the reported values), the bounds (the sum
  of the readings' bounds, ``Bounds.__add__``) and the facts it sums. One "more than" term
  keeps the sum's lower bound exclusive and its upper bound None; "about" adds 10% either
  way; "almost" keeps 90% below and makes the upper bound exclusive.
* A checkpoint ("more than GBP 650m since 2018") is compared with the total computed over
  its own period: the counted readings whose periods lie within it. ``difference`` is its
  nominal value less the computed nominal total; ``consistent`` says whether both bounds can
  hold. A counted reading that straddles the checkpoint's start is left out, with a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from timeline.domain.errors import DomainError, NotAdditive
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.selection import Conflict, can_both_hold, quantity_in, select
from timeline.domain.quantities import Bounds, Quantity, UnitKind, unit_kind

_DAY = dt.timedelta(days=1)
MAX_POINTS = 10_000
"""Points in one series at most: 27 years by day, all of time by year."""


class InvalidSeries(DomainError):
    """A series that cannot be drawn: it ends before it starts, or has too many points."""


class Granularity(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"

    def bucket_end(self, day: dt.date) -> dt.date:
        """The last day of the day, month or year ``day`` falls in: where its point sits."""
        if self is Granularity.DAY:
            return day
        if self is Granularity.MONTH:
            return day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return dt.date(day.year, 12, 31)


@dataclass(frozen=True, slots=True)
class TotalPoint:
    date: dt.date
    total: Decimal
    bounds: Bounds
    fact_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    date: dt.date
    fact_id: UUID
    reading: Reading
    quantity: Quantity
    computed: TotalPoint
    difference: Decimal
    consistent: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningTotal:
    measure: str
    unit: str
    granularity: Granularity
    points: tuple[TotalPoint, ...]
    checkpoints: tuple[Checkpoint, ...]
    warnings: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    counted: tuple[Reading, ...]
    superseded: tuple[Reading, ...]
    nested: tuple[Reading, ...] = ()
    """Readings whose period lies inside a counted one; the enclosing amount includes them."""

    def at(self, day: dt.date) -> TotalPoint:
        """The total at ``day`` exactly, whatever the granularity."""
        return total_of(self.counted, self.unit, day)


def running_total(
    measure: Measure,
    readings: Iterable[Reading],
    *,
    granularity: Granularity = Granularity.MONTH,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RunningTotal:
    """The running total of ``measure`` from ``readings`` (those of other measures are
    ignored), as the module docstring describes."""
    if unit_kind(measure.unit) is UnitKind.RATIO:
        raise NotAdditive("measure.unit", f"{measure.unit} values never add up")
    unit = measure.unit
    selection = select((r for r in readings if r.measure == measure.key), unit)
    counted = selection.counted
    ends = [r.period.latest for r in counted]
    first = start if start is not None else (ends[0] if ends else end)
    last = end if end is not None else (ends[-1] if ends else start)
    if first is not None and last is not None and first > last:
        raise InvalidSeries("end", f"{last} is before the start {first}")
    points: tuple[TotalPoint, ...] = ()
    if first is not None and last is not None:
        points = tuple(_series(counted, unit, _boundaries(first, last, granularity)))
    warnings = list(selection.warnings)
    checkpoints = []
    for reading in selection.checkpoints:
        checkpoint, straddling = _checkpoint(reading, counted, unit)
        checkpoints.append(checkpoint)
        warnings += [
            f"{other.describe()} straddles the start of checkpoint {reading.describe()}; "
            "left out of its computed total"
            for other in straddling
        ]
    return RunningTotal(
        measure=measure.key,
        unit=unit,
        granularity=granularity,
        points=points,
        checkpoints=tuple(checkpoints),
        warnings=tuple(warnings),
        conflicts=selection.conflicts,
        counted=counted,
        superseded=selection.superseded,
        nested=selection.nested,
    )


def total_of(readings: Iterable[Reading], unit: str, day: dt.date) -> TotalPoint:
    """The sum at ``day`` of ``readings`` whose period ends on or before it."""
    terms = [r for r in readings if r.period.latest <= day]
    return _point(day, terms, unit)


def _point(day: dt.date, terms: list[Reading], unit: str) -> TotalPoint:
    total, bounds = Decimal(0), Bounds.zero()
    for reading in terms:
        quantity = _quantity(reading, unit)
        total += quantity.value
        bounds = bounds + quantity.bounds
    return TotalPoint(day, total, bounds, tuple(dict.fromkeys(r.fact_id for r in terms)))


def _series(counted: tuple[Reading, ...], unit: str, days: list[dt.date]) -> Iterable[TotalPoint]:
    # One pass: counted is sorted by period end, the days ascend.
    total, bounds, index = Decimal(0), Bounds.zero(), 0
    fact_ids: dict[UUID, None] = {}
    for day in days:
        while index < len(counted) and counted[index].period.latest <= day:
            quantity = _quantity(counted[index], unit)
            total, bounds = total + quantity.value, bounds + quantity.bounds
            fact_ids[counted[index].fact_id] = None
            index += 1
        yield TotalPoint(day, total, bounds, tuple(fact_ids))


def _boundaries(first: dt.date, last: dt.date, granularity: Granularity) -> list[dt.date]:
    days = [granularity.bucket_end(first)]
    while days[-1] < last:
        # Refused before it is built: days from year 1 to 9999 (or to an open end, which
        # clamps there) would be millions of points, minutes of work for one request.
        if len(days) == MAX_POINTS:
            raise InvalidSeries(
                "granularity",
                f"from {first} to {last} by {granularity.name.lower()} is more than "
                f"{MAX_POINTS} points: choose a coarser granularity or a shorter span",
            )
        days.append(granularity.bucket_end(days[-1] + _DAY))
    return days


def _checkpoint(
    reading: Reading, counted: tuple[Reading, ...], unit: str
) -> tuple[Checkpoint, list[Reading]]:
    period = reading.period
    within = [r for r in counted if period.contains(r.period)]
    straddling = [
        r for r in counted if r.period.overlaps(period) and r.period.earliest < period.earliest
    ]
    computed = _point(period.latest, within, unit)
    quantity = _quantity(reading, unit)
    checkpoint = Checkpoint(
        date=period.latest,
        fact_id=reading.fact_id,
        reading=reading,
        quantity=quantity,
        computed=computed,
        difference=quantity.value - computed.total,
        consistent=can_both_hold(quantity.bounds, computed.bounds),
    )
    return checkpoint, straddling


def _quantity(reading: Reading, unit: str) -> Quantity:
    quantity = quantity_in(reading, unit)
    if quantity is None:  # selection only keeps readings with a value in the unit
        raise NotAdditive("figure.quantity.unit", f"{reading.describe()} has no value in {unit}")
    return quantity
