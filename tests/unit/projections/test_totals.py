from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.projections.builders import ARRIVALS, PAYMENTS, A, B, C, fact, payments_log, reading
from timeline.domain.errors import NotAdditive
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import readings_at
from timeline.domain.projections.revisions import fold
from timeline.domain.projections.totals import (
    Granularity,
    InvalidSeries,
    running_total,
    total_of,
)
from timeline.domain.projections.visibility import NOW, AsOf
from timeline.domain.quantities import Basis, Bounds, Qualifier, cover

M = Decimal(10**6)


def bounds(lower: int | str, upper: int | str | None, *, exclusive: str = "") -> Bounds:
    """Bounds with ``exclusive`` naming the sides ("lower", "upper") that are open."""
    return Bounds(
        lower=Decimal(lower),
        lower_inclusive="lower" not in exclusive,
        upper=None if upper is None else Decimal(upper),
        upper_inclusive=upper is not None and "upper" not in exclusive,
    )


def test_points_sit_on_the_last_day_of_each_month() -> None:
    january = reading(100, "2025-01-15", number=1)
    march = reading(50, "2025-02-10/2025-03-31", number=2)
    series = running_total(PAYMENTS, [march, january])
    assert [(p.date, p.total, p.fact_ids) for p in series.points] == [
        (dt.date(2025, 1, 31), Decimal(100), (fact(1),)),
        (dt.date(2025, 2, 28), Decimal(100), (fact(1),)),
        (dt.date(2025, 3, 31), Decimal(150), (fact(1), fact(2))),
    ]
    assert series.granularity is Granularity.MONTH


def test_points_by_day_and_by_year_and_between_given_dates() -> None:
    readings = [reading(100, "2025-01-15", number=1), reading(50, "2025-01-17", number=2)]
    by_day = running_total(PAYMENTS, readings, granularity=Granularity.DAY)
    assert [(p.date.day, int(p.total)) for p in by_day.points] == [(15, 100), (16, 100), (17, 150)]
    by_year = running_total(
        PAYMENTS, readings, granularity=Granularity.YEAR, start=dt.date(2024, 6, 1)
    )
    assert [(p.date, int(p.total)) for p in by_year.points] == [
        (dt.date(2024, 12, 31), 0),
        (dt.date(2025, 12, 31), 150),
    ]
    assert by_year.points[0].bounds == Bounds.zero()
    assert by_year.points[0].fact_ids == ()
    with pytest.raises(InvalidSeries, match="end"):
        running_total(PAYMENTS, readings, start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1))


def test_no_readings_no_points() -> None:
    assert running_total(PAYMENTS, []).points == ()


def test_a_later_report_replaces_an_earlier_one_in_the_sum() -> None:
    first = reading(100, "2025-10", number=1, reported="2025-11-01")
    revised = reading(120, "2025-10", number=2, reported="2025-11-20")
    series = running_total(PAYMENTS, [revised, first])
    assert series.points[-1].total == 120
    assert series.points[-1].fact_ids == (fact(2),)
    assert series.superseded == 1


def test_a_nested_period_is_not_counted_twice() -> None:
    october = reading(100, "2025-10", number=1)
    year = reading(1000, "2025", number=2)
    series = running_total(PAYMENTS, [october, year])
    # The year's amount is only complete at its end; October's is inside it.
    assert series.at(dt.date(2025, 10, 31)).total == 0
    assert series.points[-1].total == 1000
    assert [amount.readings for amount in series.nested] == [(october,)]


def test_overlapping_periods_are_both_summed_and_warned_about() -> None:
    first = reading(100, "2025-01/2025-06", number=1)
    second = reading(200, "2025-04/2025-09", number=2)
    series = running_total(PAYMENTS, [first, second])
    assert series.points[-1].total == 300
    assert len(series.warnings) == 1


def test_more_than_stays_an_exclusive_lower_bound_with_no_upper_bound() -> None:
    readings = [
        reading(650, "2018/2023", number=1, qualifier=Qualifier.MORE_THAN),
        reading(100, "2024", number=2),
        reading(50, "2025", number=3, qualifier=Qualifier.ABOUT),
    ]
    series = running_total(PAYMENTS, readings, granularity=Granularity.YEAR)
    last = series.points[-1]
    assert last.total == 800
    assert last.bounds == bounds(795, None, exclusive="lower")
    assert series.points[0].bounds == bounds(650, None, exclusive="lower")


def test_about_and_almost_carry_their_tolerance_through_the_sum() -> None:
    readings = [
        reading(1000, "2025-01", number=1, qualifier=Qualifier.ABOUT, measure=ARRIVALS),
        reading(22000, "2025-02", number=2, qualifier=Qualifier.ALMOST, measure=ARRIVALS),
        reading(500, "2025-03", number=3, measure=ARRIVALS),
    ]
    points = running_total(ARRIVALS, readings).points
    assert points[0].bounds == bounds(900, 1100)
    assert points[1].bounds == bounds(20700, 23100, exclusive="upper")
    assert points[2].bounds == bounds(21200, 23600, exclusive="upper")
    assert points[2].total == 23500


def test_a_checkpoint_is_set_against_the_sum_over_its_own_period() -> None:
    since_2018 = reading(
        650, "2018/2025-10", number=9, qualifier=Qualifier.MORE_THAN, basis=Basis.CUMULATIVE
    )
    payments = [
        reading(200, "2017", number=1),  # before the checkpoint's period
        reading(300, "2018/2022", number=2),
        reading(200, "2023/2024", number=3),
        reading(100, "2025-11", number=4),  # after its date
    ]
    series = running_total(PAYMENTS, [since_2018, *payments])
    (checkpoint,) = series.checkpoints
    assert checkpoint.date == dt.date(2025, 10, 31)
    assert checkpoint.fact_id == fact(9)
    assert checkpoint.computed.total == 500
    assert checkpoint.computed.fact_ids == (fact(2), fact(3))
    assert checkpoint.difference == 150
    assert not checkpoint.consistent  # more than 650 cannot be exactly 500
    assert series.warnings == ()
    assert all(since_2018 not in amount.readings for amount in series.counted)


def test_a_checkpoint_is_consistent_when_both_bounds_can_hold() -> None:
    since = reading(
        650, "2018/2025", number=9, qualifier=Qualifier.MORE_THAN, basis=Basis.CUMULATIVE
    )
    paid = reading(700, "2019", number=1)
    (checkpoint,) = running_total(PAYMENTS, [since, paid]).checkpoints
    assert checkpoint.difference == -50
    assert checkpoint.consistent


def test_a_reading_straddling_a_checkpoints_start_is_left_out_and_named() -> None:
    since = reading(100, "2020/2025", number=9, basis=Basis.CUMULATIVE)
    straddling = reading(70, "2019/2020", number=1)
    series = running_total(PAYMENTS, [since, straddling])
    assert series.checkpoints[0].computed.total == 0
    (warning,) = series.warnings
    assert str(fact(1)) in warning
    assert "straddles" in warning


def test_conflicting_readings_published_the_same_day_are_a_contested_total() -> None:
    # The corpus's case: "almost 22,000" and "at least 22,000", both known from 31 October.
    almost = reading(
        22000, "2024", number=1, qualifier=Qualifier.ALMOST, reported="2025-10", measure=ARRIVALS
    )
    at_least = reading(
        22000,
        "2024",
        number=2,
        qualifier=Qualifier.AT_LEAST,
        reported="2025-10-09/2025-10-31",
        measure=ARRIVALS,
    )
    for order in ([almost, at_least], [at_least, almost]):
        series = running_total(ARRIVALS, order, granularity=Granularity.YEAR)
        (point,) = series.points
        assert point.contested
        assert point.bounds == bounds(19800, None)
        assert point.fact_ids == (fact(1), fact(2))
        (contest,) = series.contested
        assert set(contest.readings) == {almost, at_least}
        (conflict,) = series.conflicts
        assert conflict.standing.contested


def test_a_checkpoint_several_sources_report_names_them_all() -> None:
    since = {
        number: reading(
            59607,
            "2024-07-05/2025-10",
            number=number,
            basis=Basis.CUMULATIVE,
            reported=published,
            measure=ARRIVALS,
        )
        for number, published in ((1, "2025-10"), (2, "2025-10-09/2025-10-31"))
    }
    (checkpoint,) = running_total(ARRIVALS, since.values()).checkpoints
    assert checkpoint.readings == (since[1], since[2])
    assert not checkpoint.amount.contested
    assert checkpoint.amount.value == 59607


def test_conflicting_readings_are_flagged_and_the_latest_counts() -> None:
    almost = reading(
        22000, "2025", number=1, qualifier=Qualifier.ALMOST, reported="2025-11", measure=ARRIVALS
    )
    at_least = reading(
        22000, "2025", number=2, qualifier=Qualifier.AT_LEAST, reported="2025-12", measure=ARRIVALS
    )
    series = running_total(ARRIVALS, [almost, at_least])
    assert [(c.readings, c.pairs, c.standing.readings) for c in series.conflicts] == [
        (2, 1, (at_least,))
    ]
    assert series.points[-1].total == 22000
    assert series.points[-1].bounds == bounds(22000, None)


def test_readings_of_other_measures_are_ignored_and_ratios_never_add_up() -> None:
    readings = [reading(1, "2025", number=1, measure=ARRIVALS), reading(2, "2025", number=2)]
    assert running_total(PAYMENTS, readings).points[-1].total == 2
    ratio = Measure(key="share-returned", label="Share returned", unit="percent")
    with pytest.raises(NotAdditive):
        running_total(ratio, [])


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 12)), max_size=12))
def test_the_series_never_falls_and_ends_at_the_sum_of_what_counts(
    amounts: list[tuple[int, int]],
) -> None:
    readings = [
        reading(value, f"2025-{month:02d}", number=index, reported=f"2025-{month:02d}-28")
        for index, (value, month) in enumerate(amounts, start=1)
    ]
    series = running_total(PAYMENTS, readings)
    totals = [point.total for point in series.points]
    assert totals == sorted(totals)
    if series.points:
        assert totals[-1] == sum(amount.value for amount in series.counted)
        # One amount per month: contested when its readings (all published the same day)
        # differ, and then covering each of them.
        assert len(series.counted) == len({month for _, month in amounts})
        for amount in series.counted:
            values = {r.figure.quantity.value for r in amount.readings}
            assert amount.contested == (len(values) > 1)
            assert amount.bounds == cover(Bounds.exact(value) for value in values)


def test_totals_travel_in_time_through_the_model() -> None:
    model = fold(payments_log())
    then = running_total(PAYMENTS, readings_at(model, AsOf(dt.date(2024, 12, 31))))
    assert then.points[-1].total == Decimal("548200000")
    assert then.points[-1].bounds == bounds("500600000", "595800000")
    assert then.checkpoints == ()
    now = running_total(PAYMENTS, readings_at(model, NOW), granularity=Granularity.YEAR)
    assert [(p.date.year, p.total) for p in now.points] == [
        (2023, Decimal("72500000")),
        (2024, Decimal("552500000")),
    ]
    assert now.points[-1].fact_ids == (A, B)
    assert now.superseded == 1
    (checkpoint,) = now.checkpoints
    assert (checkpoint.fact_id, checkpoint.difference) == (C, Decimal("97500000"))
    assert not checkpoint.consistent


PERIODS = (
    *("2024", "2025", "2024-06", "2024-12", "2025-01", "2025-02", "2025-03"),
    *("2024-06/2025-03", "2024-06-01/2025-01-01", "2025-01-01/2025-01-31"),
)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.sampled_from(PERIODS),
            st.sampled_from(Basis),
            st.sampled_from(("2025-03-28", "2025-06-30")),
        ),
        max_size=14,
    ),
    st.sampled_from(Granularity),
)
def test_each_point_and_checkpoint_is_the_plain_sum_of_what_it_covers(
    drawn: list[tuple[int, str, Basis, str]], granularity: Granularity
) -> None:
    # The series is summed in one pass, sharing its fact ids until a term is added, and a
    # checkpoint sorts the counted amounts in one loop: each equal to its plain definition.
    readings = [
        reading(value, period, number=index, basis=basis, reported=reported)
        for index, (value, period, basis, reported) in enumerate(drawn, start=1)
    ]
    series = running_total(PAYMENTS, readings, granularity=granularity)
    for point in series.points:
        assert point == total_of(series.counted, point.date)
        if granularity is Granularity.MONTH:
            last = calendar.monthrange(point.date.year, point.date.month)[1]
            assert point.date == point.date.replace(day=last)
    for checkpoint in series.checkpoints:
        period = checkpoint.amount.period
        within = [a for a in series.counted if period.contains(a.period)]
        assert checkpoint.computed == total_of(within, period.latest)
        assert checkpoint.difference == checkpoint.amount.value - checkpoint.computed.total
    straddling = [
        (checkpoint, amount)
        for checkpoint in series.checkpoints
        for amount in series.counted
        if amount.period.earliest < checkpoint.amount.period.earliest <= amount.period.latest
    ]
    assert len([w for w in series.warnings if "straddles the start" in w]) == len(straddling)
