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
   averaged. Conflicts are summarised per period (``ConflictSummary``): how many readings
   disagree with another, how many pairs cannot both hold, the two furthest apart and the
   amount that stands, never every pair (half the pairs of a much-reported period conflict).
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

import bisect
import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.projections.readings import PeriodKey, Reading
from timeline.domain.quantities import Basis, Bounds, Quantity, cover

Recency = tuple[dt.date, dt.datetime, int, int]
"""``Reading.recency``: publication day, recorded time, position, reading index."""
Edge = tuple[Decimal, int]
"""One side of a ``Bounds`` as a point on the line, in tuple order (see ``edges``)."""


@dataclass(frozen=True, slots=True)
class Amount:
    """One period's amount as the record holds it, from the readings reported latest.

    ``readings`` are those readings, in recency order (``Reading.recency``): one per source
    when they agree (a reading reported by several sources names them all), each side when
    ``contested``. What is built here reads only the first and the last of them, so a stored
    state's may be a sequence that decodes the others only when asked (``total_rows``).
    ``value`` is the nominal amount (the least value a side reported, when contested) and
    ``bounds`` where the true amount lies (covering every side, when contested). What the
    rules across periods sort and compare by (the period, its basis, whether the amount
    covers it all, the greatest recency) is taken from the readings once, when built.
    """

    readings: Sequence[Reading]
    value: Decimal
    bounds: Bounds
    contested: bool
    period: FuzzyDate = field(init=False, compare=False, repr=False)
    basis: Basis = field(init=False, compare=False, repr=False)
    covers_period: bool = field(init=False, compare=False, repr=False)
    """Over all of ``period``, not a shorter span somewhere inside it (``Figure``)."""
    _recency: Recency = field(init=False, compare=False, repr=False)
    _by_start: tuple[dt.date, int, bool, Recency] = field(init=False, compare=False, repr=False)
    """How rule 3 orders flows: by start, longest first, a span after its whole window."""
    _by_end: tuple[dt.date, dt.date, Recency] = field(init=False, compare=False, repr=False)
    """How an answer orders amounts: by period end."""
    _described: str | None = field(init=False, compare=False, repr=False)
    """``describe()``, once asked (a kept state's amount is in many answers)."""

    def __post_init__(self) -> None:
        figure = self.readings[0].figure
        period = figure.period
        _set_period(self, period)
        _set_basis(self, figure.basis)
        covers = figure.span_days is None
        _set_covers_period(self, covers)
        recency = self.readings[-1].recency()  # the greatest: they are in recency order
        _set_recency(self, recency)
        earliest, latest = period.earliest, period.latest
        _set_by_start(self, (earliest, -latest.toordinal(), not covers, recency))
        _set_by_end(self, (latest, earliest, recency))
        _set_described(self, None)

    @property
    def first(self) -> Reading:
        return self.readings[0]

    @property
    def fact_ids(self) -> tuple[UUID, ...]:
        return tuple(dict.fromkeys(reading.fact_id for reading in self.readings))

    def recency(self) -> Recency:
        return self._recency

    def describe(self) -> str:
        described = self._described
        if described is None:
            if not self.contested:
                described = self.first.describe()
            else:
                sides = " / ".join(reading.describe() for reading in self.readings)
                described = f"contested ({sides})"
            _set_described(self, described)
        return described


_set_period = Amount.__dict__["period"].__set__
_set_basis = Amount.__dict__["basis"].__set__
_set_covers_period = Amount.__dict__["covers_period"].__set__
_set_recency = Amount.__dict__["_recency"].__set__
_set_by_start = Amount.__dict__["_by_start"].__set__
_set_by_end = Amount.__dict__["_by_end"].__set__
_set_described = Amount.__dict__["_described"].__set__
_BY_START = operator.attrgetter("_by_start")
_BY_END = operator.attrgetter("_by_end")


@dataclass(frozen=True, slots=True)
class Side:
    """One reading of a disagreement, as a summary names it: its fact, what it said in the
    measure's unit, and who published it."""

    fact_id: UUID
    quantity: Quantity
    publisher: str

    @classmethod
    def of(cls, reading: Reading, unit: str) -> Side:
        return cls(reading.fact_id, _in_unit(reading, unit), reading.source.publisher)

    def describe(self) -> str:
        return f"{self.quantity} (fact {self.fact_id})"


@dataclass(frozen=True, slots=True)
class ConflictSummary:
    """The readings of one period whose bounds cannot all hold (rule 2), summarised.

    ``readings`` is how many of the period's readings cannot hold together with some other
    one, ``pairs`` how many pairs cannot both hold; ``low`` is the reading whose upper bound
    is least and ``high`` the one whose lower bound is greatest (the pair furthest apart:
    they always conflict, ties going to the one reported first); ``standing`` is the amount
    the record holds (contested when no reading is later by publication than the others).
    Every reading of the period is one ``figureHistory`` away; the answer stays the size of
    its periods, not of the pairs."""

    period: FuzzyDate
    basis: Basis
    readings: int
    pairs: int
    low: Side
    high: Side
    standing: Amount

    def describe(self) -> str:
        outcome = (
            "none is later by publication, so the amount is contested"
            if self.standing.contested
            else f"{self.standing.first.describe()} is later by publication and stands"
        )
        pairs = "1 pair" if self.pairs == 1 else f"{self.pairs} pairs"
        return (
            f"{self.readings} readings for {self.standing.first.figure.describe_period()} "
            f"disagree ({pairs} cannot both hold), from {self.low.describe()} to "
            f"{self.high.describe()}; {outcome}"
        )


@dataclass(frozen=True, slots=True)
class PeriodState:
    """What the readings of one period (one ``PeriodKey``) say at one point of view, in one
    unit: the amount that stands, how many readings it supersedes, and their conflicts.
    A function of the period's readings alone: the read side keeps one per period and
    stretch of knowledge days, and the rules across periods (3 to 5) run on these."""

    key: PeriodKey
    amount: Amount
    superseded: int
    conflict: ConflictSummary | None
    edges: tuple[Edge, Edge]
    """The greatest lower edge and the least upper edge of all its readings (``edges``), the
    superseded ones too: whether a reading added later conflicts with one of them (rule 2),
    without them (``folded``)."""


@dataclass(frozen=True, slots=True)
class Selection:
    counted: tuple[Amount, ...]
    """Standing FLOW amounts that are not nested, by period end."""
    checkpoints: tuple[Amount, ...]
    """Standing CUMULATIVE amounts, by period end."""
    superseded: int
    """Readings that do not stand: an earlier publication of their period."""
    nested: tuple[Amount, ...]
    conflicts: tuple[ConflictSummary, ...]
    """One per period whose readings disagree, by period end."""
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


_BELOW_ALL: Edge = (Decimal("-Infinity"), 0)
_ABOVE_ALL: Edge = (Decimal("Infinity"), 0)


def edges(bounds: Bounds) -> tuple[Edge, Edge]:
    """``bounds`` as its lower and upper edge. An exclusive lower bound sits just above its
    value and an exclusive upper bound just below, so that plain tuple comparison says
    whether two bounds share an amount: exactly when neither ends before the other starts."""
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


def period_state(key: PeriodKey, readings: Iterable[Reading], unit: str) -> PeriodState:
    """The state of period ``key`` from its ``readings`` (each with a value in ``unit``)."""
    group = sorted(readings, key=Reading.recency)
    amount = standing(group, unit)
    edged = [(reading, *edges(_in_unit(reading, unit).bounds)) for reading in group]
    # min and max keep the first of equals: the one reported first.
    low = min(edged, key=lambda item: item[2])
    high = max(edged, key=lambda item: item[1])
    return PeriodState(
        key=key,
        amount=amount,
        superseded=len(group) - len(amount.readings),
        conflict=summarise_conflicts(edged, low, high, amount, unit),
        edges=(high[1], low[2]),
    )


_Edged = tuple[Reading, Edge, Edge]


def summarise_conflicts(
    edged: list[_Edged], low: _Edged, high: _Edged, amount: Amount, unit: str
) -> ConflictSummary | None:
    """Rule 2 for one period's readings with their edges (``edged``, in recency order; ``low``
    the first with the least upper edge, ``high`` the first with the greatest lower edge),
    without visiting every pair.

    Bounds are intervals, so a reading conflicts with another exactly when its lower edge is
    above the least upper edge, or its upper edge below the greatest lower edge (its own
    edges can do neither); and a pair conflicts in exactly one order (one's upper edge below
    the other's lower edge), so the pairs are counted by one sorted pass."""
    least_upper, greatest_lower = low[2], high[1]
    if len(edged) < 2 or not least_upper < greatest_lower:
        return None
    uppers = sorted(upper for _, _, upper in edged)
    pairs = sum(bisect.bisect_left(uppers, lower) for _, lower, _ in edged)
    disagreeing = sum(
        1 for _, lower, upper in edged if least_upper < lower or upper < greatest_lower
    )
    return ConflictSummary(
        period=amount.period,
        basis=amount.basis,
        readings=disagreeing,
        pairs=pairs,
        low=Side.of(low[0], unit),
        high=Side.of(high[0], unit),
        standing=amount,
    )


@runtime_checkable
class Extensible(Protocol):
    """Readings that know how to be followed by more (a stored state's, kept as their texts:
    ``total_rows.StoredReadings``), without being read one by one."""

    def extended(self, later: tuple[Reading, ...]) -> Sequence[Reading]: ...


def folded(state: PeriodState, added: Iterable[Reading], unit: str) -> PeriodState | None:
    """``period_state`` of the readings of ``state`` and ``added`` (each with a value in
    ``unit``), from ``state`` alone, not its superseded readings; None when that cannot be
    told without them: a conflict, stored or new, or a reading added that sorts before one
    standing (``Reading.recency``) on the day they were reported.

    Rule 1: readings reported after the standing ones replace them; reported the same day,
    they join them (later in recency, so after them: the order stays, and a stored state's
    texts are followed by theirs, unread); reported before, they are superseded. Rule 2:
    with no conflict, the readings hold together exactly while the greatest lower edge
    stays at or below the least upper edge, so the two edges are all a fold needs of them.
    """
    group = sorted(added, key=Reading.recency)
    if state.conflict is not None or not group:
        return None if state.conflict is not None else state
    greatest_lower, least_upper = state.edges
    for reading in group:
        lower, upper = edges(_in_unit(reading, unit).bounds)
        greatest_lower, least_upper = max(greatest_lower, lower), min(least_upper, upper)
    if least_upper < greatest_lower:
        return None  # a new conflict: its summary names readings the state does not hold
    amount = state.amount
    day = amount.first.reported_on
    latest_day = group[-1].reported_on
    superseded = state.superseded + sum(1 for reading in group if reading.reported_on < day)
    if latest_day > day:
        amount = standing(group, unit)
        superseded = state.superseded + len(state.amount.readings) + len(group)
        superseded -= len(amount.readings)
    elif latest_day == day:
        joining = tuple(reading for reading in group if reading.reported_on == day)
        if joining[0].recency() <= amount.readings[-1].recency():
            return None
        amount = _joined(amount, joining, unit)
    return PeriodState(
        key=state.key,
        amount=amount,
        superseded=superseded,
        conflict=None,
        edges=(greatest_lower, least_upper),
    )


def _joined(amount: Amount, joining: tuple[Reading, ...], unit: str) -> Amount:
    """``standing`` of ``amount``'s readings followed by ``joining`` (reported the same day)."""
    readings = amount.readings
    later = (
        readings.extended(joining) if isinstance(readings, Extensible) else (*readings, *joining)
    )
    quantities = [_in_unit(reading, unit) for reading in joining]
    if not amount.contested:
        first = _in_unit(amount.first, unit)
        if all(quantity == first for quantity in quantities):
            return Amount(readings=later, value=amount.value, bounds=amount.bounds, contested=False)
    return Amount(
        readings=later,
        value=min(amount.value, *(quantity.value for quantity in quantities)),
        bounds=cover([amount.bounds, *(quantity.bounds for quantity in quantities)]),
        contested=True,
    )


def select(readings: Iterable[Reading], unit: str) -> Selection:
    """Apply the module's rules to ``readings`` of one measure counted in ``unit``."""
    warnings: list[str] = []
    groups: defaultdict[PeriodKey, list[Reading]] = defaultdict(list)
    for reading in readings:
        if quantity_in(reading, unit) is None:
            warnings.append(f"{reading.describe()} has no reported value in {unit}; not counted")
        else:
            groups[reading.period_key].append(reading)
    states = [period_state(key, group, unit) for key, group in groups.items()]
    return selection_of(states, warnings)


def selection_of(states: Iterable[PeriodState], warnings: Iterable[str] = ()) -> Selection:
    """Rules 3 to 5 across the periods' ``states`` (in any order), after ``warnings``."""
    states = list(states)
    amounts = [state.amount for state in states]
    found = list(warnings)
    # A span sorts after an amount over the same whole window, which encloses it.
    flows = sorted((a for a in amounts if a.basis is Basis.FLOW), key=_BY_START)
    counted, nested = _drop_nested(flows)
    found += _overlaps(counted)
    cumulative = (a for a in amounts if a.basis is Basis.CUMULATIVE)
    conflicts = [state.conflict for state in states if state.conflict is not None]
    return Selection(
        counted=tuple(sorted(counted, key=_BY_END)),
        checkpoints=tuple(sorted(cumulative, key=_BY_END)),
        superseded=sum(state.superseded for state in states),
        nested=tuple(sorted(nested, key=_BY_END)),
        conflicts=tuple(sorted(conflicts, key=lambda c: c.standing._by_end)),
        warnings=tuple(found),
    )


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
            if amount.covers_period:  # a span covers only part of its window
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
