"""Which readings of a measure count towards its total, and what the others are.

The rules, applied to the readings of one measure, each read in the measure's unit (its own
quantity, or the equivalent its source reported: ``Figure.in_unit``, never a conversion):

1. Readings of the same basis and period (same days: see ``readings.PeriodKey``) describe
   one amount. The readings reported latest by publication (the last day their source can
   have appeared, the day the record learns them) say what the amount is; earlier ones are
   SUPERSEDED. When those latest readings agree, they are one reading reported by several
   sources, and the ``Amount`` names them all. When they differ, neither is later by
   publication, so neither stands alone: the amount is CONTESTED, its bounds cover every
   side (``cover``) and its nominal value is the least any side reported. Load order, and
   the time a reading was recorded, never decide what an amount is.
2. Two readings of one amount whose bounds cannot both hold are a CONFLICT: flagged, never
   averaged.
3. A standing FLOW amount whose days lie inside another standing FLOW amount's days is
   NESTED: the enclosing amount already includes it, so only the enclosing one counts. An
   amount over a span of known length somewhere in a window (``Figure.span_days``) covers
   only that span, so it never encloses anything: it may be nested in an amount over its
   whole window, and it overlaps whatever else its window overlaps.
4. Standing FLOW amounts whose days overlap without nesting both count, with a warning
   naming them: the sum may count some days twice.
5. Standing CUMULATIVE amounts are checkpoints, set beside the sum rather than added to it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.projections.readings import PeriodKey, Reading
from timeline.domain.quantities import Basis, Bounds, Quantity, cover


@dataclass(frozen=True, slots=True)
class Amount:
    """One period's amount as the record holds it, from the readings reported latest.

    ``readings`` are those readings, in reported order: one per source when they agree
    (a reading reported by several sources names them all), each side when ``contested``.
    ``value`` is the nominal amount (the least value a side reported, when contested) and
    ``bounds`` where the true amount lies (covering every side, when contested).
    """

    readings: tuple[Reading, ...]
    value: Decimal
    bounds: Bounds
    contested: bool

    @property
    def first(self) -> Reading:
        return self.readings[0]

    @property
    def period(self) -> FuzzyDate:
        return self.first.period

    @property
    def basis(self) -> Basis:
        return self.first.basis

    @property
    def fact_ids(self) -> tuple[UUID, ...]:
        return tuple(dict.fromkeys(reading.fact_id for reading in self.readings))

    def recency(self) -> tuple[dt.date, dt.datetime, int, int]:
        return max(reading.recency() for reading in self.readings)

    def describe(self) -> str:
        if not self.contested:
            return self.first.describe()
        sides = " / ".join(reading.describe() for reading in self.readings)
        return f"contested ({sides})"


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two readings of one amount whose bounds cannot both hold, and the amount the record
    holds (contested when neither reading is later by publication than the other)."""

    period: FuzzyDate
    basis: Basis
    readings: tuple[Reading, Reading]
    standing: Amount

    def describe(self) -> str:
        first, second = self.readings
        outcome = (
            "neither is later by publication, so the amount is contested"
            if self.standing.contested
            else f"{self.standing.first.describe()} is later by publication and stands"
        )
        return f"{first.describe()} and {second.describe()} cannot both hold; {outcome}"


@dataclass(frozen=True, slots=True)
class Selection:
    counted: tuple[Amount, ...]
    """Standing FLOW amounts that are not nested, by period end."""
    checkpoints: tuple[Amount, ...]
    """Standing CUMULATIVE amounts, by period end."""
    superseded: tuple[Reading, ...]
    nested: tuple[Amount, ...]
    conflicts: tuple[Conflict, ...]
    warnings: tuple[str, ...]

    @property
    def contested(self) -> tuple[Amount, ...]:
        """Every standing amount whose latest readings differ."""
        amounts = (*self.counted, *self.nested, *self.checkpoints)
        return tuple(amount for amount in amounts if amount.contested)


def quantity_in(reading: Reading, unit: str) -> Quantity | None:
    return reading.figure.in_unit(unit)


def standing(readings: Iterable[Reading], unit: str) -> Amount:
    """The amount ``readings`` of one period say, read in ``unit`` (rule 1)."""
    group = sorted(readings, key=Reading.recency)
    latest_day = max(reading.reported_on for reading in group)
    latest = [reading for reading in group if reading.reported_on == latest_day]
    quantities = [_in_unit(reading, unit) for reading in latest]
    if len(set(quantities)) == 1:
        return Amount(
            readings=tuple(latest),
            value=quantities[0].value,
            bounds=quantities[0].bounds,
            contested=False,
        )
    return Amount(
        readings=tuple(latest),
        value=min(quantity.value for quantity in quantities),
        bounds=cover(quantity.bounds for quantity in quantities),
        contested=True,
    )


def _in_unit(reading: Reading, unit: str) -> Quantity:
    quantity = quantity_in(reading, unit)
    if quantity is None:  # select keeps only readings with a value in the unit
        raise ValueError(f"{reading.describe()} has no value in {unit}")
    return quantity


Edge = tuple[Decimal, int]
"""One side of a ``Bounds`` as a point on the line, in tuple order (see ``edges``)."""
_BELOW_ALL: Edge = (Decimal("-Infinity"), 0)
_ABOVE_ALL: Edge = (Decimal("Infinity"), 0)


def edges(bounds: Bounds) -> tuple[Edge, Edge]:
    """``bounds`` as its lower and upper edge. An exclusive lower bound sits just above its
    value and an exclusive upper bound just below, so that plain tuple comparison says
    whether two bounds share an amount: exactly when neither ends before the other starts.
    Conflict detection compares every pair of a period's readings, hence the tuples."""
    lower = (
        _BELOW_ALL if bounds.lower is None else (bounds.lower, 0 if bounds.lower_inclusive else 1)
    )
    upper = (
        _ABOVE_ALL if bounds.upper is None else (bounds.upper, 0 if bounds.upper_inclusive else -1)
    )
    return lower, upper


def can_both_hold(first: Bounds, second: Bounds) -> bool:
    """Some amount lies within both bounds."""
    (first_lower, first_upper), (second_lower, second_upper) = edges(first), edges(second)
    return first_lower <= second_upper and second_lower <= first_upper


def select(readings: Iterable[Reading], unit: str) -> Selection:
    """Apply the module's rules to ``readings`` of one measure counted in ``unit``."""
    warnings: list[str] = []
    groups: defaultdict[PeriodKey, list[Reading]] = defaultdict(list)
    for reading in readings:
        if quantity_in(reading, unit) is None:
            warnings.append(f"{reading.describe()} has no reported value in {unit}; not counted")
        else:
            groups[reading.period_key].append(reading)
    amounts: list[Amount] = []
    superseded: list[Reading] = []
    conflicts: list[Conflict] = []
    for group in groups.values():
        amount = standing(group, unit)
        amounts.append(amount)
        superseded += sorted(
            (r for r in group if not any(r is kept for kept in amount.readings)),
            key=Reading.recency,
        )
        conflicts += _conflicts(group, amount, unit)
    flows = sorted(
        (a for a in amounts if a.basis is Basis.FLOW),
        # A span sorts after an amount over the same whole window, which encloses it.
        key=lambda a: (
            a.period.earliest,
            -a.period.latest.toordinal(),
            not a.first.figure.covers_period,
            a.recency(),
        ),
    )
    counted, nested = _drop_nested(flows)
    warnings += _overlaps(counted)
    cumulative = (a for a in amounts if a.basis is Basis.CUMULATIVE)
    return Selection(
        counted=tuple(sorted(counted, key=_by_end)),
        checkpoints=tuple(sorted(cumulative, key=_by_end)),
        superseded=tuple(sorted(superseded, key=Reading.recency)),
        nested=tuple(sorted(nested, key=_by_end)),
        conflicts=tuple(conflicts),
        warnings=tuple(warnings),
    )


def _by_end(amount: Amount) -> tuple[dt.date, dt.date, tuple[dt.date, dt.datetime, int, int]]:
    return (amount.period.latest, amount.period.earliest, amount.recency())


def _conflicts(group: list[Reading], amount: Amount, unit: str) -> list[Conflict]:
    # Every pair is compared (half of them conflict in a large group, so finding them by a
    # sweep would save little), so each reading's edges are worked out once and the pair
    # test is can_both_hold inlined: this loop was most of a running total's time.
    edged = [
        (reading, edges(quantity.bounds))
        for reading in sorted(group, key=Reading.recency)
        if (quantity := quantity_in(reading, unit)) is not None
    ]
    return [
        Conflict(amount.period, amount.basis, (first, second), amount)
        for (first, (first_lower, first_upper)), (second, (second_lower, second_upper)) in (
            itertools.combinations(edged, 2)
        )
        if first_upper < second_lower or second_upper < first_lower
    ]


def _drop_nested(flows: list[Amount]) -> tuple[list[Amount], list[Amount]]:
    # Sorted by start, longest first: a period is nested exactly when one sorted before it
    # reaches at least as far (equal spans were merged into one standing amount already).
    counted: list[Amount] = []
    nested: list[Amount] = []
    reach: dt.date | None = None
    for amount in flows:
        if reach is not None and amount.period.latest <= reach:
            nested.append(amount)
        else:
            counted.append(amount)
            if amount.first.figure.covers_period:  # a span covers only part of its window
                reach = amount.period.latest
    return counted, nested


def _overlaps(counted: list[Amount]) -> list[str]:
    warnings = []
    for index, first in enumerate(counted):
        for second in counted[index + 1 :]:
            if second.period.earliest > first.period.latest:
                break
            warnings.append(
                f"{first.describe()} and {second.describe()} overlap without nesting; "
                "both count, so the overlap may be counted twice"
            )
    return warnings
