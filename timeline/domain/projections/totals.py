"""Running totals of a measure: the sum of the FLOW readings that count, day by day, month by
month or year by year, with the CUMULATIVE readings beside it as checkpoints.

Which readings count is ``selection``'s business. Here:

* The total at a day D sums the counted readings whose period ends on or before D. A point
  of the series sits on the LAST day of its day, month or year, so the point for October
  2025 is the total at 31 October and includes every amount whose period ended in October.
  Points run from the bucket of ``start`` to the bucket of ``end`` (by default the earliest
  and the latest end of a counted period), one per bucket.
* Each point carries the nominal total (the sum of the reported values), the bounds (the sum
  of the amounts' bounds, ``Bounds.__add__``) and the facts it sums. One "more than" term
  keeps the sum's lower bound exclusive and its upper bound None; "about" adds 10% either
  way; "almost" keeps 90% below and makes the upper bound exclusive. A contested amount
  (``selection``, rule 1) adds the bounds covering all its sides, and marks the point
  ``contested``.
* A checkpoint ("more than GBP 650m since 2018") is compared with the total computed over
  its own period: the counted readings whose periods lie within it. ``difference`` is its
  nominal value less the computed nominal total; ``consistent`` says whether both bounds can
  hold. A counted reading that straddles the checkpoint's start is left out, with a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from timeline.domain.errors import DomainError, NotAdditive
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.selection import (
    Amount,
    ConflictSummary,
    PeriodState,
    Selection,
    can_both_hold,
    select,
    selection_of,
)
from timeline.domain.quantities import Bounds, UnitKind, unit_kind
from timeline.domain.trusted import trusted

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
        if self is Granularity.MONTH and day.month != 12:
            return dt.date(day.year, day.month + 1, 1) - _DAY
        return dt.date(day.year, 12, 31)


@dataclass(frozen=True, slots=True)
class TotalPoint:
    date: dt.date
    total: Decimal
    bounds: Bounds
    fact_ids: tuple[UUID, ...]
    contested: bool = False
    """Some amount summed is contested: its bounds cover every side."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    date: dt.date
    amount: Amount
    computed: TotalPoint
    difference: Decimal
    consistent: bool

    @property
    def readings(self) -> Sequence[Reading]:
        """Every reading of the amount: each source that reported it, or each side."""
        return self.amount.readings

    @property
    def reading(self) -> Reading:
        return self.amount.first

    @property
    def fact_id(self) -> UUID:
        return self.amount.first.fact_id


# A total builds a point per bucket and per checkpoint from values it has just summed; the
# frozen dataclasses' own __init__ sets each field through object.__setattr__, and has no
# checks to skip.
_new_point = trusted(TotalPoint)
_new_checkpoint = trusted(Checkpoint)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningTotal:
    measure: str
    unit: str
    granularity: Granularity
    points: tuple[TotalPoint, ...]
    checkpoints: tuple[Checkpoint, ...]
    warnings: tuple[str, ...]
    conflicts: tuple[ConflictSummary, ...]
    """One per period whose readings disagree (``selection``, rule 2)."""
    counted: tuple[Amount, ...]
    superseded: int
    """How many readings an amount reported later stands in place of."""
    nested: tuple[Amount, ...] = ()
    """Amounts whose period lies inside a counted one; the enclosing amount includes them."""
    contested: tuple[Amount, ...] = ()
    """Amounts whose latest readings differ, none later by publication (``selection``)."""

    def at(self, day: dt.date) -> TotalPoint:
        """The total at ``day`` exactly, whatever the granularity."""
        return total_of(self.counted, day)


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
    unit = _additive_unit(measure)
    selection = select((r for r in readings if r.measure == measure.key), unit)
    return _running_total(measure, selection, granularity, start, end)


def running_total_of(
    measure: Measure,
    states: Iterable[PeriodState],
    *,
    granularity: Granularity = Granularity.MONTH,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RunningTotal:
    """``running_total`` from the state of each of the measure's periods, read in its unit
    (``selection.period_state``) instead of from its readings: what the read side keeps."""
    _additive_unit(measure)
    return _running_total(measure, selection_of(states), granularity, start, end)


def _additive_unit(measure: Measure) -> str:
    if unit_kind(measure.unit) is UnitKind.RATIO:
        raise NotAdditive("measure.unit", f"{measure.unit} values never add up")
    return measure.unit


def _running_total(
    measure: Measure,
    selection: Selection,
    granularity: Granularity,
    start: dt.date | None,
    end: dt.date | None,
) -> RunningTotal:
    counted = selection.counted
    ends = [r.period.latest for r in counted]
    first = start if start is not None else (ends[0] if ends else end)
    last = end if end is not None else (ends[-1] if ends else start)
    if first is not None and last is not None and first > last:
        raise InvalidSeries("end", f"{last} is before the start {first}")
    points: tuple[TotalPoint, ...] = ()
    if first is not None and last is not None:
        points = tuple(_series(counted, _boundaries(first, last, granularity)))
    warnings = list(selection.warnings)
    checkpoints = []
    # Each checkpoint is set against every counted amount: their days once, not per pair,
    # and each amount described once, however many checkpoints it straddles.
    spans = [(a.period.earliest, a.period.latest, a) for a in counted]
    described: dict[int, str] = {}
    for amount in selection.checkpoints:
        checkpoint, straddling = _checkpoint(amount, spans)
        checkpoints.append(checkpoint)
        if straddling:
            this = amount.describe()
            for other in straddling:
                text = described.get(id(other))
                if text is None:
                    text = described[id(other)] = other.describe()
                warnings.append(
                    f"{text} straddles the start of checkpoint {this}; "
                    "left out of its computed total"
                )
    return RunningTotal(
        measure=measure.key,
        unit=measure.unit,
        granularity=granularity,
        points=points,
        checkpoints=tuple(checkpoints),
        warnings=tuple(warnings),
        conflicts=selection.conflicts,
        counted=counted,
        superseded=selection.superseded,
        nested=selection.nested,
        contested=selection.contested,
    )


def total_of(amounts: Iterable[Amount], day: dt.date) -> TotalPoint:
    """The sum at ``day`` of ``amounts`` whose period ends on or before it."""
    terms = [a for a in amounts if a.period.latest <= day]
    return _point(day, terms)


_NOTHING, _NO_BOUNDS = Decimal(0), Bounds.zero()
"""The sum of no amounts (both immutable)."""


def _point(day: dt.date, terms: list[Amount]) -> TotalPoint:
    if not terms:
        return _new_point(date=day, total=_NOTHING, bounds=_NO_BOUNDS, fact_ids=(), contested=False)
    total, bounds = _NOTHING, _NO_BOUNDS
    for amount in terms:
        total += amount.value
        bounds = bounds + amount.bounds
    fact_ids = tuple(dict.fromkeys(fact_id for a in terms for fact_id in a.fact_ids))
    return _new_point(
        date=day,
        total=total,
        bounds=bounds,
        fact_ids=fact_ids,
        contested=any(a.contested for a in terms),
    )


def _series(counted: tuple[Amount, ...], days: list[dt.date]) -> Iterable[TotalPoint]:
    # One pass: counted is sorted by period end, the days ascend.
    total, bounds, index, contested = _NOTHING, _NO_BOUNDS, 0, False
    fact_ids: dict[UUID, None] = {}
    summed: tuple[UUID, ...] = ()
    for day in days:
        start = index
        while index < len(counted) and counted[index].period.latest <= day:
            amount = counted[index]
            total, bounds = total + amount.value, bounds + amount.bounds
            fact_ids.update(dict.fromkeys(amount.fact_ids))
            contested = contested or amount.contested
            index += 1
        if index != start:
            summed = tuple(fact_ids)  # one tuple for every point until the next term
        yield _new_point(date=day, total=total, bounds=bounds, fact_ids=summed, contested=contested)


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
    amount: Amount, counted: list[tuple[dt.date, dt.date, Amount]]
) -> tuple[Checkpoint, list[Amount]]:
    period = amount.period
    earliest, latest = period.earliest, period.latest
    # Within its period (``FuzzyDate.contains``), or overlapping it from before its start.
    within, straddling = [], []
    for first, last, other in counted:
        if earliest <= first:
            if last <= latest:
                within.append(other)
        elif earliest <= last:  # and first < earliest <= latest
            straddling.append(other)
    computed = _point(period.latest, within)
    checkpoint = _new_checkpoint(
        date=period.latest,
        amount=amount,
        computed=computed,
        difference=amount.value - computed.total,
        consistent=can_both_hold(amount.bounds, computed.bounds),
    )
    return checkpoint, straddling
