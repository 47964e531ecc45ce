from __future__ import annotations

import datetime as dt
import functools
import itertools
from decimal import Decimal
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain_strategies import quantities
from tests.unit.projections.builders import T0, reading
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.selection import (
    Amount,
    can_both_hold,
    folded,
    period_state,
    select,
)
from timeline.domain.quantities import Basis, Bounds, Qualifier, Quantity

EXACT, MORE_THAN, ALMOST, AT_LEAST = (
    Qualifier.EXACT,
    Qualifier.MORE_THAN,
    Qualifier.ALMOST,
    Qualifier.AT_LEAST,
)


def sides(amounts: tuple[Amount, ...]) -> list[tuple[Reading, ...]]:
    return [tuple(amount.readings) for amount in amounts]


def test_the_reading_reported_latest_stands_whatever_the_input_order() -> None:
    later = reading(1200, "2025-10", number=1, reported="2025-12-01")
    earlier = reading(1000, "2025-10", number=2, reported="2025-11-01")
    chosen = select([later, earlier], "GBP")
    assert sides(chosen.counted) == [(later,)]
    assert not chosen.counted[0].contested
    assert chosen.superseded == 1


def test_differing_readings_published_the_same_day_are_contested_whatever_the_load_order() -> None:
    # Neither is later by publication, so neither stands alone: not the one recorded
    # later, nor the one at the later position.
    for recorded_first, recorded_second in ((T0, T0.replace(hour=9)), (T0.replace(hour=9), T0)):
        almost = reading(22000, "2024", number=1, qualifier=ALMOST, recorded=recorded_first)
        at_least = reading(22000, "2024", number=2, qualifier=AT_LEAST, recorded=recorded_second)
        for order in ([almost, at_least], [at_least, almost]):
            (amount,) = select(order, "GBP").counted
            assert amount.contested
            assert set(amount.readings) == {almost, at_least}
            assert amount.bounds == Bounds(
                lower=Decimal(19800), lower_inclusive=True, upper=None, upper_inclusive=False
            )
            assert amount.value == 22000


def test_a_contested_amount_covers_every_side_and_names_the_least_value() -> None:
    low = reading(1000, "2025-10", number=1, qualifier=Qualifier.ABOUT)
    high = reading(1500, "2025-10", number=2, qualifier=Qualifier.LESS_THAN)
    (amount,) = select([low, high], "GBP").counted
    assert amount.contested
    assert amount.value == 1000
    assert amount.bounds == Bounds(
        lower=Decimal(0), lower_inclusive=True, upper=Decimal(1500), upper_inclusive=False
    )


def test_a_reading_several_sources_report_alike_names_every_source() -> None:
    first = reading(59607, "2024-07-05/2025-10", number=1, basis=Basis.CUMULATIVE)
    second = reading(59607, "2024-07-05/2025-10", number=2, basis=Basis.CUMULATIVE)
    chosen = select([second, first], "GBP")
    (amount,) = chosen.checkpoints
    assert not amount.contested
    assert amount.readings == (first, second)
    assert (amount.value, amount.bounds) == (Decimal(59607), Bounds.exact(Decimal(59607)))
    assert chosen.superseded == 0
    assert chosen.conflicts == ()


def test_a_later_publication_settles_a_contest() -> None:
    almost = reading(22000, "2024", number=1, qualifier=ALMOST, reported="2025-11-01")
    at_least = reading(22000, "2024", number=2, qualifier=AT_LEAST, reported="2025-11-01")
    later = reading(21000, "2024", number=3, reported="2025-12-01")
    chosen = select([almost, at_least, later], "GBP")
    assert sides(chosen.counted) == [(later,)]
    assert chosen.contested == ()
    assert chosen.superseded == 2


def test_periods_are_the_same_when_they_span_the_same_days() -> None:
    month = reading(1000, "2025-10", number=1, reported="2025-11-01")
    approximately = reading(1100, "2025-10~", number=2, reported="2025-11-02")
    spelled_out = reading(1200, "2025-10-01/2025-10-31", number=3, reported="2025-11-03")
    chosen = select([month, approximately, spelled_out], "GBP")
    assert sides(chosen.counted) == [(spelled_out,)]
    assert chosen.superseded == 2
    assert chosen.nested == ()


def test_a_nested_period_gives_way_to_the_enclosing_one() -> None:
    day = reading(10, "2025-10-09", number=1)
    month = reading(100, "2025-10", number=2)
    year = reading(1000, "2025", number=3)
    other_month = reading(50, "2026-01", number=4)
    chosen = select([day, month, year, other_month], "GBP")
    assert sides(chosen.counted) == [(year,), (other_month,)]
    assert sides(chosen.nested) == [(day,), (month,)]
    assert chosen.warnings == ()


def test_a_span_inside_a_window_never_encloses_what_else_lies_in_the_window() -> None:
    # "Nearly 2,000 came last week", the week somewhere in 22 September - 30 October: it
    # says nothing of the window's other 32 days, so a count of 1 October still counts.
    last_week = reading(2000, "2025-09-22/2025-10-30", number=1, qualifier=ALMOST, span_days=7)
    first_of_october = reading(300, "2025-10-01", number=2)
    chosen = select([last_week, first_of_october], "GBP")
    assert sides(chosen.counted) == [(first_of_october,), (last_week,)]
    assert chosen.nested == ()
    (warning,) = chosen.warnings  # the week may be the one holding 1 October
    assert "7 days within 2025-09-22/2025-10-30" in warning
    assert "overlap" in warning


def test_a_span_is_nested_in_an_amount_over_its_whole_window() -> None:
    last_week = reading(2000, "2025-09-22/2025-10-30", number=1, qualifier=ALMOST, span_days=7)
    whole = reading(9000, "2025-09-22/2025-10-30", number=2, reported="2025-10-01")
    autumn = reading(20000, "2025-09/2025-11", number=3)
    for order in ([last_week, whole], [whole, last_week]):
        chosen = select(order, "GBP")
        # Different amounts (7 days, 39 days), so neither supersedes nor conflicts.
        assert sides(chosen.counted) == [(whole,)]
        assert sides(chosen.nested) == [(last_week,)]
        assert chosen.superseded == 0
        assert chosen.conflicts == ()
    assert sides(select([last_week, autumn], "GBP").nested) == [(last_week,)]


def test_overlapping_periods_both_count_with_a_warning_naming_them() -> None:
    first = reading(100, "2025-01/2025-06", number=1)
    second = reading(200, "2025-04/2025-09", number=2)
    chosen = select([second, first], "GBP")
    assert sides(chosen.counted) == [(first,), (second,)]
    (warning,) = chosen.warnings
    assert str(first.fact_id) in warning
    assert str(second.fact_id) in warning
    assert "overlap" in warning


def test_bounds_that_cannot_both_hold_are_a_conflict_not_an_average() -> None:
    almost = reading(22000, "2025", number=1, qualifier=ALMOST, reported="2025-11-01")
    at_least = reading(22000, "2025", number=2, qualifier=AT_LEAST, reported="2025-12-01")
    about = reading(22000, "2025", number=3, qualifier=Qualifier.ABOUT, reported="2025-10-01")
    chosen = select([almost, at_least, about], "GBP")
    (conflict,) = chosen.conflicts
    # One summary for the period: almost 22,000 and at least 22,000 cannot both hold;
    # about 22,000 can hold with either.
    assert (conflict.readings, conflict.pairs) == (2, 1)
    assert (conflict.low.fact_id, conflict.high.fact_id) == (almost.fact_id, at_least.fact_id)
    assert conflict.standing.readings == (at_least,)
    assert sides(chosen.counted) == [(at_least,)]
    assert "cannot both hold" in conflict.describe()
    assert "later by publication and stands" in conflict.describe()


def test_cumulative_readings_are_checkpoints_not_terms() -> None:
    flow = reading(100, "2025-10", number=1)
    since = reading(650, "2018/2025-10", number=2, basis=Basis.CUMULATIVE)
    chosen = select([flow, since], "GBP")
    assert sides(chosen.counted) == [(flow,)]
    assert sides(chosen.checkpoints) == [(since,)]


def test_a_reading_counts_in_the_measures_unit_through_its_reported_equivalent() -> None:
    euros = reading(
        50, "2025-10", number=1, unit="EUR", equivalent=Quantity(Decimal("45.5"), "GBP")
    )
    no_pounds = reading(60, "2025-11", number=2, unit="EUR")
    chosen = select([euros, no_pounds], "GBP")
    assert sides(chosen.counted) == [(euros,)]
    assert chosen.warnings == (f"{no_pounds.describe()} has no reported value in GBP; not counted",)


def test_bounds_can_both_hold_when_they_share_an_amount() -> None:
    def bounds(value: int, qualifier: Qualifier) -> Bounds:
        return Quantity(Decimal(value), "GBP", qualifier).bounds

    assert not can_both_hold(bounds(22000, ALMOST), bounds(22000, AT_LEAST))
    assert not can_both_hold(bounds(10, EXACT), bounds(10, MORE_THAN))
    assert can_both_hold(bounds(10, EXACT), bounds(10, AT_LEAST))
    assert can_both_hold(bounds(10, Qualifier.AT_MOST), bounds(10, AT_LEAST))
    assert not can_both_hold(bounds(10, Qualifier.LESS_THAN), bounds(10, AT_LEAST))
    assert can_both_hold(bounds(5, MORE_THAN), bounds(7, MORE_THAN))


@given(quantities(unit="GBP"), quantities(unit="GBP"))
def test_bounds_can_both_hold_exactly_when_some_amount_is_in_both(
    first: Quantity, second: Quantity
) -> None:
    a, b = first.bounds, second.bounds
    assert can_both_hold(a, b) == can_both_hold(b, a)
    candidates = [x for x in (a.lower, a.upper, b.lower, b.upper) if x is not None]
    midpoints = [(x + y) / 2 for x in candidates for y in candidates]
    witnessed = any(a.contains(x) and b.contains(x) for x in candidates + midpoints)
    unbounded = (a.upper is None and b.upper is None) or (a.lower is None and b.lower is None)
    assert can_both_hold(a, b) == (witnessed or unbounded)


def pairwise_conflicts(readings: list[Reading]) -> list[tuple[Reading, Reading]]:
    """The definition the summary replaces: every pair of one period's readings whose
    bounds cannot both hold."""
    return [
        (first, second)
        for first, second in itertools.combinations(readings, 2)
        if not can_both_hold(first.figure.quantity.bounds, second.figure.quantity.bounds)
    ]


@given(
    st.lists(quantities(unit="GBP"), min_size=1, max_size=10),
    st.lists(st.sampled_from(["2025-11-01", "2025-11-02"]), min_size=10, max_size=10),
    st.randoms(),
)
def test_a_periods_conflict_summary_counts_what_the_pairs_would_list(
    amounts: list[Quantity], reported: list[str], random: Random
) -> None:
    readings = [
        reading(
            str(amount.value),
            "2025-10",
            number=number,
            qualifier=amount.qualifier,
            reported=reported[number - 1],
        )
        for number, amount in enumerate(amounts, start=1)
    ]
    pairs = pairwise_conflicts(readings)
    shuffled = random.sample(readings, len(readings))
    chosen = select(shuffled, "GBP")
    if not pairs:
        assert chosen.conflicts == ()
        return
    (summary,) = chosen.conflicts
    assert summary.pairs == len(pairs)
    assert summary.readings == len({reading for pair in pairs for reading in pair})
    named = {(summary.low.fact_id, summary.high.fact_id)}
    assert named <= {(a.fact_id, b.fact_id) for a, b in pairs} | {
        (b.fact_id, a.fact_id) for a, b in pairs
    }
    (standing,) = [*chosen.counted, *chosen.nested]
    assert summary.standing == standing
    outcome = "contested" if standing.contested else "later by publication and stands"
    assert outcome in summary.describe()
    assert f"{len(pairs)} pair" in summary.describe()


@given(st.lists(quantities(unit="GBP"), min_size=1, max_size=6), st.randoms())
def test_an_amount_never_depends_on_load_order_and_covers_every_latest_reading(
    amounts: list[Quantity], random: Random
) -> None:
    readings = [
        reading(str(amount.value), "2025-10", number=number, qualifier=amount.qualifier)
        for number, amount in enumerate(amounts, start=1)
    ]
    shuffled = [
        reading(
            str(amount.value),
            "2025-10",
            number=number,
            qualifier=amount.qualifier,
            position=position,
        )
        for (number, amount), position in zip(
            enumerate(amounts, start=1),
            random.sample(range(1, len(amounts) + 1), len(amounts)),
            strict=True,
        )
    ]
    (first,) = select(readings, "GBP").counted
    (second,) = select(shuffled, "GBP").counted
    assert (first.value, first.bounds, first.contested) == (
        second.value,
        second.bounds,
        second.contested,
    )
    assert first.contested == (len(set(amounts)) > 1)
    for amount in amounts:
        witness = amount.bounds.lower
        assert witness is not None
        if amount.bounds.contains(witness):
            assert first.bounds.contains(witness)


@given(
    st.lists(
        st.tuples(
            quantities(unit="GBP"),
            st.sampled_from(["2025-11-01", "2025-11-02"]),
            st.sampled_from([None, 7]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(Basis),
)
def test_an_amount_keeps_what_its_readings_say_of_its_period_and_recency(
    drawn: list[tuple[Quantity, str, int | None]], basis: Basis
) -> None:
    # What the rules sort by is taken once when an amount is built (and so is equal to
    # what its readings say, however it was built: by ``standing`` or from a stored row).
    span = drawn[0][2] if basis is Basis.FLOW else None  # a span is of a flow only
    of_period = functools.partial(reading, period="2025-10", basis=basis, span_days=span)
    readings = [
        of_period(str(q.value), number=n, qualifier=q.qualifier, reported=day)
        for n, (q, day, _) in enumerate(drawn, start=1)
    ]
    for amount in select(readings, "GBP").counted + select(readings, "GBP").checkpoints:
        first = amount.readings[0]
        assert amount.period == first.period
        assert amount.basis is first.basis
        assert amount.covers_period == first.figure.covers_period
        assert amount.recency() == max(r.recency() for r in amount.readings)
        rebuilt = Amount(amount.readings, amount.value, amount.bounds, amount.contested)
        assert rebuilt.recency() == amount.recency()
        assert rebuilt == amount


# -- a state folded forward by readings added later ------------------------------------

FOLD_DAYS = ("2025-11-01", "2025-11-02", "2025-11-03")
FOLD_QUALIFIERS = (MORE_THAN, MORE_THAN, AT_LEAST, EXACT, ALMOST)


@st.composite
def batches_of_readings(draw: st.DrawFn) -> list[list[Reading]]:
    """Readings of one period in batches, numbered (so recorded) in the order they come in:
    reported before, on or after the standing ones' day, agreeing, contested or in conflict,
    now and then recorded at a time before the readings already there."""
    batches, number = [], 0
    for _ in range(draw(st.integers(1, 8))):
        batch = []
        for _ in range(draw(st.integers(1, 3))):
            number += 1
            early = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
            batch.append(
                reading(
                    draw(st.sampled_from((100, 100, 100, 120, 200))),
                    "2025-10",
                    number=number,
                    qualifier=draw(st.sampled_from(FOLD_QUALIFIERS)),
                    basis=Basis.CUMULATIVE,
                    reported=draw(st.sampled_from(FOLD_DAYS)),
                    recorded=T0 - dt.timedelta(hours=number) if early else None,
                )
            )
        batches.append(batch)
    return batches


@given(batches_of_readings())
def test_a_state_folded_forward_is_the_state_of_all_its_readings(
    batches: list[list[Reading]],
) -> None:
    key = batches[0][0].period_key
    every = list(batches[0])
    state = period_state(key, every, "GBP")
    for batch in batches[1:]:
        every += batch
        expected = period_state(key, every, "GBP")
        found = folded(state, batch, "GBP")
        if found is None:
            # Not to be told from the state alone: a conflict, or a reading recorded before
            # one standing on its day; the write side works the period out again.
            conflicting = expected.conflict is not None or state.conflict is not None
            out_of_order = any(
                r.reported_on == state.amount.first.reported_on
                and r.recency() < state.amount.readings[-1].recency()
                for r in batch
            )
            assert conflicting or out_of_order
            found = expected
        assert found == expected
        assert tuple(found.amount.readings) == tuple(expected.amount.readings)
        assert found.amount.recency() == expected.amount.recency()
        state = found


def test_readings_added_on_the_standing_day_join_it_and_later_ones_replace_it() -> None:
    first = reading(100, "2025-10", number=1, qualifier=MORE_THAN)
    same_day = reading(100, "2025-10", number=2, qualifier=MORE_THAN)
    other_value = reading(120, "2025-10", number=3, qualifier=MORE_THAN)
    later = reading(200, "2025-10", number=4, qualifier=MORE_THAN, reported="2025-12-01")
    earlier = reading(150, "2025-10", number=5, qualifier=MORE_THAN, reported="2025-10-01")
    state = period_state(first.period_key, [first], "GBP")
    joined = folded(state, [same_day], "GBP")
    assert joined is not None
    assert tuple(joined.amount.readings) == (first, same_day)
    assert not joined.amount.contested
    contested = folded(joined, [other_value], "GBP")
    assert contested is not None
    assert contested.amount.contested
    assert contested.amount.value == 100
    replaced = folded(contested, [later, earlier], "GBP")
    assert replaced is not None
    assert tuple(replaced.amount.readings) == (later,)
    assert replaced.superseded == 4
    # A conflict (no amount is both under 100 and over 200) is left to the whole period.
    below = reading(90, "2025-10", number=6, qualifier=ALMOST, reported="2025-12-01")
    assert folded(replaced, [below], "GBP") is None
