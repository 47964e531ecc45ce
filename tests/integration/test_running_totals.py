"""Running totals read from the kept period states equal the fold of the readings, on both
backends, after incremental batches of any size and after a rebuild.

Logs go in through the service; for points of view drawn on and around the log's own days,
``TimelineQueries.running_total`` (the kept states when the point is settled, the readings
folded when it is pinned earlier) must equal ``running_total`` of ``readings_at`` the
from-scratch fold of the log: points, bounds, checkpoints, warnings, the conflicts'
summaries and every amount with its readings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ManualClock
from tests.integration.projection_snapshots import folded_rows, logged_events, stored_rows
from tests.integration.test_projection_runner import (
    Stores,
    fresh_database,
    opened,
    write_through_service,
)
from tests.unit.domain_strategies import logs
from timeline.application.errors import NotFound
from timeline.application.queries import TimelineQueries
from timeline.application.read_models import TIMELINE
from timeline.application.service import TimelineService
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import readings_at
from timeline.domain.projections.revisions import TimelineModel, fold, measures_at
from timeline.domain.projections.totals import Granularity, RunningTotal, running_total
from timeline.domain.projections.visibility import AsOf
from timeline.domain.quantities import Basis, Qualifier, Quantity, UnitKind, unit_kind
from timeline.domain.sources import Source
from timeline.store import codec
from timeline.store.factory import create_engine
from timeline.store.read_models.total_rows import PERIOD_COLUMNS

__all__ = ["fresh_database"]  # the fixture, shared with the runner's tests

FOLDED = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def points_of_view(events: list[LoggedEvent], data: st.DataObject) -> list[AsOf]:
    """Now; settled points on, just before and between the log's knowledge days (known at
    K, recorded now or unbounded); and some pinned on its recorded times."""
    days = sorted({e.known_on + dt.timedelta(days=s) for e in events for s in (-1, 0, 1)})
    later = max(e.recorded_at for e in events) + dt.timedelta(seconds=1)
    moments = sorted({e.recorded_at for e in events})
    chosen = data.draw(st.lists(st.sampled_from(days), max_size=8), label="days")
    pinned = data.draw(
        st.lists(st.builds(AsOf, st.sampled_from(days), st.sampled_from(moments)), max_size=2),
        label="pinned",
    )
    settled = [AsOf(), AsOf(None, later), AsOf(days[0], later)]
    return [*settled, *(AsOf(day, None) for day in chosen), *pinned]


async def assert_totals_are_the_fold(
    stores: Stores, model: TimelineModel, points: list[AsOf]
) -> None:
    queries = TimelineQueries(stores.events, codec, stores.projections, stores.clock)
    for as_of in points:
        registered = measures_at(model, as_of)
        for key in (*model.measures, "no-such-measure"):
            if key not in registered:
                # Not registered then (or ever): no measure, as the fold's registry says.
                assert await stores.projections.measure_states(key, as_of) is None
                with pytest.raises(NotFound):
                    await queries.running_total(key, as_of, granularity=Granularity.YEAR)
        for measure in registered.values():
            if unit_kind(measure.unit) is UnitKind.RATIO:
                continue
            settled = await stores.projections.measure_states(measure.key, as_of)
            assert settled is not None
            assert settled.measure == measure
            if as_of.recorded_before is None:
                # Every reading the service takes has a value in its measure's unit.
                assert settled.states is not None
            readings = readings_at(model, as_of, measure.key)
            for granularity in (Granularity.YEAR, Granularity.MONTH):
                expected = running_total(measure, readings, granularity=granularity)
                found = await queries.running_total(measure.key, as_of, granularity=granularity)
                assert found == expected, (as_of, measure.key)
                lean = await queries.running_total(
                    measure.key, as_of, granularity=granularity, checkpoint_readings=False
                )
                assert without_checkpoint_readings(lean) == without_checkpoint_readings(found)


def without_checkpoint_readings(total: RunningTotal) -> tuple[object, ...]:
    """All of ``total`` but its checkpoints' readings past their first and last: what a
    total read without them must give the same (``measure_states(every_reading=False)``)."""
    checkpoints = [
        (
            c.date,
            c.amount.value,
            c.amount.bounds,
            c.amount.contested,
            c.amount.first,
            c.amount.readings[-1],
            len(c.amount.readings),
            c.computed,
            c.difference,
            c.consistent,
        )
        for c in total.checkpoints
    ]
    return (
        total.points,
        checkpoints,
        total.warnings,
        total.conflicts,
        total.counted,
        total.superseded,
        total.nested,
        total.contested,
    )


async def assert_first_known_days(url: str) -> None:
    """Each period's ``first_known`` is the least known_from of its readings, and no state
    of it starts before that day: a total as known earlier may skip the period."""
    engine = create_engine(url)
    period = ", ".join(PERIOD_COLUMNS)
    try:
        async with engine.connect() as conn:
            kept = {
                tuple(row[:-1]): row[-1]
                for row in await conn.execute(
                    sa.text(f"SELECT {period}, first_known FROM total_periods")
                )
            }
            least: dict[str, dict[tuple[Any, ...], Any]] = {}
            for table in ("total_readings", "total_amounts"):
                least[table] = {
                    tuple(row[:-1]): row[-1]
                    for row in await conn.execute(
                        sa.text(f"SELECT {period}, min(known_from) FROM {table} GROUP BY {period}")
                    )
                }
    finally:
        await engine.dispose()
    assert kept == least["total_readings"]
    for key, first_state in least["total_amounts"].items():
        assert kept[key] <= first_state


async def check_after_batches_and_rebuild(
    url: str,
    log: Callable[[TimelineService, ManualClock, Callable[[], Awaitable[object]]], Awaitable[None]],
    start: dt.datetime,
    batch_size: int,
    data: st.DataObject,
) -> None:
    async with opened(url, ManualClock(start)) as stores:
        runner = stores.runner(batch_size)
        service = TimelineService(stores.events, codec)
        # Projected as the log grows, a catch-up after each command, as the projector would.
        await log(service, stores.clock, runner.catch_up)
        await runner.catch_up()
        events = await logged_events(stores.events)
        if not events:
            return
        model = fold(events)
        points = points_of_view(events, data)
        await assert_first_known_days(url)
        await assert_totals_are_the_fold(stores, model, points)
        await assert_total_rows_are_the_fold(url, events)
        await runner.rebuild_all()
        await assert_first_known_days(url)
        await assert_totals_are_the_fold(stores, model, points)
        await assert_total_rows_are_the_fold(url, events)


async def assert_total_rows_are_the_fold(url: str, events: list[LoggedEvent]) -> None:
    """The totals' tables hold the rows written from scratch (``total_rows``), whether the
    batches folded a period's state forward or worked it out again."""
    stored = await stored_rows(url, TIMELINE)
    expected = folded_rows(events, TIMELINE, events[-1].position)
    for table in ("total_readings", "total_periods", "total_amounts", "total_standing"):
        assert stored[table] == expected[table], table


@FOLDED
@given(log=logs(), batch_size=st.sampled_from((1, 2, 500)), data=st.data())
async def test_totals_equal_the_fold_of_the_readings_on_any_log(
    fresh_database: Callable[[], Awaitable[str]],
    log: list[LoggedEvent],
    batch_size: int,
    data: st.DataObject,
) -> None:
    async def write(
        service: TimelineService, clock: ManualClock, after: Callable[[], Awaitable[object]]
    ) -> None:
        await write_through_service(service, clock, log, after)

    await check_after_batches_and_rebuild(
        await fresh_database(), write, log[0].recorded_at, batch_size, data
    )


# -- many readings of few periods: supersessions, contests, conflicts, nesting --------

MEASURE = "small-boat-arrivals"
PERIODS = ("2025", "2025-10", "2025-10~", "2025-09/2025-11", "2024/2025")
DAYS = ("2025-10-05", "2025-11-01", "2025-11-01", "2025-12-01")


def source(number: int, published: str) -> Source:
    return Source(
        publisher=f"Publisher {number % 3}",
        title=f"Article {number}",
        url=f"https://example.org/{number}",
        published=FuzzyDate(published),
        quote=f"Quote {number}.",
    )


figures = st.builds(
    lambda value, qualifier, basis, period: Figure(
        measure=MEASURE,
        quantity=Quantity(Decimal(value), "people", qualifier),
        basis=basis,
        period=FuzzyDate(period),
    ),
    st.sampled_from((900, 1000, 1100, 2000)),
    st.sampled_from(Qualifier),
    st.sampled_from(Basis),
    st.sampled_from(PERIODS),
)
commands = st.lists(
    st.tuples(
        st.sampled_from(("record", "corroborate", "revise", "retract")),
        st.integers(0, 5),
        figures,
        st.sampled_from(DAYS),
        st.sampled_from((0, 1, 30)),
    ),
    min_size=1,
    max_size=20,
)


Step = tuple[str, int, Figure, str, int]
"""A command, which earlier fact it is about, the figure, the source's day, days to wait."""


def written(
    steps: list[Step],
) -> Callable[[TimelineService, ManualClock, Callable[[], Awaitable[object]]], Awaitable[None]]:
    async def write(
        service: TimelineService, clock: ManualClock, after: Callable[[], Awaitable[object]]
    ) -> None:
        facts: list[UUID] = []
        for number, (command, which, figure, published, days) in enumerate(steps):
            await after()
            clock.advance(dt.timedelta(days=days))
            try:
                if command == "record" or not facts:
                    content = FactContent(
                        kind="FIGURE_REPORTED",
                        title=f"Arrivals {number}",
                        summary="Arrivals counted.",
                        occurred=FuzzyDate("2025-10"),
                        figure=figure,
                    )
                    recorded = await service.record_fact(content, source(number, published))
                    facts.append(recorded.fact.fact_id)
                    continue
                fact_id = facts[which % len(facts)]
                if command == "corroborate":
                    await service.corroborate_fact(fact_id, source(number, published), figure)
                    continue
                fact = await service.get_fact(fact_id)
                if command == "revise":
                    patch = FactPatch(figure=figure) if days else FactPatch(title=f"T{number}")
                    await service.revise_fact(
                        fact_id, fact.revision, patch, "corrected", source(number, published)
                    )
                else:
                    await service.retract_fact(fact_id, fact.revision, "withdrawn")
            except DomainError:
                continue

    return write


@FOLDED
@given(steps=commands, batch_size=st.sampled_from((1, 3, 500)), data=st.data())
async def test_totals_equal_the_fold_when_many_readings_share_few_periods(
    fresh_database: Callable[[], Awaitable[str]],
    steps: list[Step],
    batch_size: int,
    data: st.DataObject,
) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    await check_after_batches_and_rebuild(
        await fresh_database(), written(steps), start, batch_size, data
    )


# -- readings that keep coming to one period: its state folded forward -----------------

agreeing = st.builds(
    lambda value, qualifier: Figure(
        measure=MEASURE,
        quantity=Quantity(Decimal(value), "people", qualifier),
        basis=Basis.CUMULATIVE,
        period=FuzzyDate("2024/2025"),
    ),
    st.sampled_from((1000, 1000, 1100)),
    st.sampled_from((Qualifier.MORE_THAN, Qualifier.AT_LEAST)),
)
one_period = st.lists(
    st.tuples(
        st.sampled_from(("record",) * 6 + ("corroborate", "revise", "retract")),
        st.integers(0, 5),
        agreeing,
        st.sampled_from(("2025-11-01", "2025-11-01", "2025-11-02")),
        st.sampled_from((0, 0, 0, 1)),
    ),
    min_size=1,
    max_size=25,
)


@FOLDED
@given(steps=one_period, batch_size=st.sampled_from((1, 2, 500)), data=st.data())
async def test_totals_equal_the_fold_when_readings_keep_coming_to_one_period(
    fresh_database: Callable[[], Awaitable[str]],
    steps: list[Step],
    batch_size: int,
    data: st.DataObject,
) -> None:
    """The soak's shape: most batches add agreeing readings to one period, reported on a
    few days and known on the same day or the next, so its state is folded forward; now
    and then a closing makes the batch work the period out again (conflicts: above)."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    await check_after_batches_and_rebuild(
        await fresh_database(), written(steps), start, batch_size, data
    )


GROWING: list[Step] = [
    (
        "record",
        0,
        Figure(
            measure=MEASURE,
            quantity=Quantity(Decimal(1000), "people", Qualifier.MORE_THAN),
            basis=Basis.CUMULATIVE,
            period=FuzzyDate("2024/2025"),
        ),
        "2025-11-01",
        days,
    )
    for days in (0, 0, 0, 1, 0, 1, 1, 0, 0)
]
"""Agreeing readings all reported on one day, recorded over several: one state folded
forward to nine readings, its middle readings written as they come."""


@FOLDED
@given(batch_size=st.sampled_from((1, 2, 500)), data=st.data())
async def test_totals_equal_the_fold_when_a_state_keeps_gaining_readings(
    fresh_database: Callable[[], Awaitable[str]],
    batch_size: int,
    data: st.DataObject,
) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    await check_after_batches_and_rebuild(
        await fresh_database(), written(GROWING), start, batch_size, data
    )
