"""Which readings of a measure count towards its total, and what the others are.

The rules, applied to the readings of one measure, each read in the measure's unit (its own
quantity, or the equivalent its source reported: ``Figure.in_unit``, never a conversion):

1. Readings of the same basis and period (same days: see ``readings.PeriodKey``) describe
   one amount. The one reported latest stands (ties: recorded latest, then log position);
   the others are SUPERSEDED. Two of them whose bounds cannot both hold are a CONFLICT:
   flagged, never averaged, and the standing reading still stands.
2. A standing FLOW reading whose period lies inside another standing FLOW period is NESTED:
   the enclosing amount already includes it, so only the enclosing one counts.
3. Standing FLOW readings whose periods overlap without nesting both count, with a warning
   naming them: the sum may count some days twice.
4. Standing CUMULATIVE readings are checkpoints, set beside the sum rather than added to it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from timeline.domain.dates import FuzzyDate
from timeline.domain.projections.readings import PeriodKey, Reading
from timeline.domain.quantities import Basis, Bounds, Quantity


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two readings of one amount whose bounds cannot both hold; ``standing`` counts."""

    period: FuzzyDate
    basis: Basis
    readings: tuple[Reading, Reading]
    standing: Reading

    def describe(self) -> str:
        first, second = self.readings
        return f"{first.describe()} and {second.describe()} cannot both hold"


@dataclass(frozen=True, slots=True)
class Selection:
    counted: tuple[Reading, ...]
    """Standing FLOW readings that are not nested, by period end."""
    checkpoints: tuple[Reading, ...]
    """Standing CUMULATIVE readings, by period end."""
    superseded: tuple[Reading, ...]
    nested: tuple[Reading, ...]
    conflicts: tuple[Conflict, ...]
    warnings: tuple[str, ...]


def quantity_in(reading: Reading, unit: str) -> Quantity | None:
    return reading.figure.in_unit(unit)


def standing(readings: Iterable[Reading]) -> Reading:
    """The reading reported latest (ties: recorded latest, then log position)."""
    return max(readings, key=Reading.recency)


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
    winners: list[Reading] = []
    superseded: list[Reading] = []
    conflicts: list[Conflict] = []
    for group in groups.values():
        winner = standing(group)
        winners.append(winner)
        superseded += sorted((r for r in group if r is not winner), key=Reading.recency)
        conflicts += _conflicts(group, winner, unit)
    flows = sorted(
        (r for r in winners if r.basis is Basis.FLOW),
        key=lambda r: (r.period.earliest, -r.period.latest.toordinal(), r.recency()),
    )
    counted, nested = _drop_nested(flows)
    warnings += _overlaps(counted)
    cumulative = (r for r in winners if r.basis is Basis.CUMULATIVE)
    return Selection(
        counted=tuple(sorted(counted, key=_by_end)),
        checkpoints=tuple(sorted(cumulative, key=_by_end)),
        superseded=tuple(sorted(superseded, key=Reading.recency)),
        nested=tuple(sorted(nested, key=_by_end)),
        conflicts=tuple(conflicts),
        warnings=tuple(warnings),
    )


def _by_end(reading: Reading) -> tuple[dt.date, dt.date, tuple[dt.date, dt.datetime, int, int]]:
    return (reading.period.latest, reading.period.earliest, reading.recency())


def _conflicts(group: list[Reading], winner: Reading, unit: str) -> list[Conflict]:
    # Every pair is compared (half of them conflict in a large group, so finding them by a
    # sweep would save little), so each reading's edges are worked out once and the pair
    # test is can_both_hold inlined: this loop was most of a running total's time.
    edged = [
        (reading, edges(quantity.bounds))
        for reading in sorted(group, key=Reading.recency)
        if (quantity := quantity_in(reading, unit)) is not None
    ]
    return [
        Conflict(winner.period, winner.basis, (first, second), winner)
        for (first, (first_lower, first_upper)), (second, (second_lower, second_upper)) in (
            itertools.combinations(edged, 2)
        )
        if first_upper < second_lower or second_upper < first_lower
    ]


def _drop_nested(flows: list[Reading]) -> tuple[list[Reading], list[Reading]]:
    # Sorted by start, longest first: a period is nested exactly when one sorted before it
    # reaches at least as far (equal spans were merged into one standing reading already).
    counted: list[Reading] = []
    nested: list[Reading] = []
    reach: dt.date | None = None
    for reading in flows:
        if reach is not None and reading.period.latest <= reach:
            nested.append(reading)
        else:
            counted.append(reading)
            reach = reading.period.latest
    return counted, nested


def _overlaps(counted: list[Reading]) -> list[str]:
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
