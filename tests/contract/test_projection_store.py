"""The ProjectionStore contract, run on SQLite and on PostgreSQL.

A handful of facts written through the service and projected by the runner, then
every query of the port: pages, filters, cursors, points in time, histories, readings,
measures, and the batch and rebuild guarantees.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from uuid import UUID

import pytest
import pytest_asyncio

from tests.contract.projection_corpus import (
    T0,
    Corpus,
    history_of,
    payments,
    source,
    write_corpus,
)
from tests.factories import ManualClock
from tests.integration.synthetic import append_synthetic_log
from timeline.application.errors import ProjectionBusy
from timeline.application.ports import EventStore, ProjectionStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import (
    MEASURES,
    TIMELINE,
    FactFilter,
    PageKey,
    ProjectionChanges,
    UnknownProjection,
)
from timeline.application.service import TimelineService
from timeline.domain.facts import FactPatch
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.projections.visibility import AsOf
from timeline.store import codec
from timeline.store.factory import open_projection_store
from timeline.store.read_models.decoded_rows import DecodedRows
from timeline.store.read_models.store import SqlProjectionStore

EVERYTHING = FactFilter(include_retracted=True)


@pytest_asyncio.fixture
async def projections(database_url: str, clock: ManualClock) -> AsyncIterator[ProjectionStore]:
    store = await open_projection_store(database_url, clock)
    yield store
    await store.close()


@pytest_asyncio.fixture
async def fresh(database_url: str, clock: ManualClock) -> AsyncIterator[ProjectionStore]:
    """A second store on the same database: it has kept nothing it read before."""
    store = await open_projection_store(database_url, clock)
    yield store
    await store.close()


async def rename_scrapped(
    service: TimelineService, runner: ProjectionRunner, corpus: Corpus
) -> None:
    """Revise the scrapped fact's title to "Rwanda scheme ended", and project it."""
    await service.revise_fact(
        corpus.scrapped,
        1,
        FactPatch(title="Rwanda scheme ended"),
        "clearer",
        source(9, "2024-08-01"),
    )
    await runner.catch_up()


@pytest.fixture
def runner(event_store: EventStore, projections: ProjectionStore) -> ProjectionRunner:
    return ProjectionRunner(event_store, codec, projections)


@pytest.fixture
def service(event_store: EventStore) -> TimelineService:
    return TimelineService(event_store, codec)


@pytest_asyncio.fixture
async def corpus(service: TimelineService, runner: ProjectionRunner, clock: ManualClock) -> Corpus:
    written = await write_corpus(service, clock)
    await runner.catch_up()
    return written


async def ids(projections: ProjectionStore, as_of: AsOf, criteria: FactFilter) -> list[UUID]:
    page = await projections.fact_page(as_of, criteria, first=500)
    return [revision.fact_id for revision in page.revisions]


# -- checkpoints and pages ---------------------------------------------------------------


async def test_a_new_store_is_empty_at_position_zero(projections: ProjectionStore) -> None:
    checkpoints = await projections.checkpoints()
    page = await projections.fact_page(AsOf(), EVERYTHING, first=10)

    assert [(c.name, c.position, c.updated_at) for c in checkpoints] == [
        (MEASURES, 0, None),
        (TIMELINE, 0, None),
    ]
    assert (page.revisions, page.total, page.has_more, page.position) == ((), 0, False, 0)


async def test_the_projected_position_is_the_slowest_projections(
    projections: ProjectionStore,
    service: TimelineService,
    runner: ProjectionRunner,
    event_store: EventStore,
    clock: ManualClock,
) -> None:
    assert await projections.projected_position() == 0
    corpus = await write_corpus(service, clock)
    await runner.catch_up([TIMELINE])  # the measures have never run: still 0
    assert await projections.projected_position() == 0
    await runner.catch_up()
    head = await event_store.head_position()
    assert await projections.projected_position() == head
    await service.revise_fact(corpus.scrapped, 1, FactPatch(title="Ended"), "clearer")
    assert await projections.projected_position() == head  # not projected yet
    await runner.catch_up([MEASURES])  # nothing new for the measures: they move to the head
    assert await projections.projected_position() == head
    await runner.catch_up([TIMELINE])
    assert await projections.projected_position() == await event_store.head_position() > head


async def test_a_catch_up_brings_every_checkpoint_to_the_head(
    corpus: Corpus, projections: ProjectionStore, event_store: EventStore
) -> None:
    head = await event_store.head_position()
    checkpoints = await projections.checkpoints()

    assert {c.name: c.position for c in checkpoints} == {MEASURES: head, TIMELINE: head}
    assert all(c.updated_at is not None for c in checkpoints)


async def test_a_page_lists_current_facts_in_timeline_order(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    page = await projections.fact_page(AsOf(), FactFilter(), first=500)

    # budget (2024, YEAR) < scrapped (2024-07, MONTH) < returns (2024-07-01, DAY): the same
    # earliest day for the last two, the coarser first. The retracted meeting is left out.
    assert [r.fact_id for r in page.revisions] == [
        corpus.payments,
        corpus.rwanda,
        corpus.budget,
        corpus.scrapped,
        corpus.returns,
    ]
    keys = [PageKey.of(revision) for revision in page.revisions]
    assert keys == sorted(keys)
    assert (page.total, page.has_more) == (5, False)
    assert page.revisions[1].fact.content.title == "Rwanda partnership announced"


async def test_a_page_asked_not_to_count_is_the_same_page_without_a_total(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    counted = await projections.fact_page(AsOf(), EVERYTHING, first=2)
    uncounted = await projections.fact_page(AsOf(), EVERYTHING, first=2, count=False)

    assert (counted.total, uncounted.total) == (6, None)
    assert dataclasses.replace(uncounted, total=counted.total) == counted


async def test_a_page_read_as_recorded_now_is_current_after_every_write(
    corpus: Corpus,
    projections: ProjectionStore,
    fresh: ProjectionStore,
    service: TimelineService,
    runner: ProjectionRunner,
    clock: ManualClock,
) -> None:
    # Pages read after every row's recorded time are kept by position (settled_pages): a
    # write must move past them, and a read pinned at or before a row must not get them.
    async def read(as_of: AsOf) -> tuple[str, ...]:
        page = await projections.fact_page(as_of, EVERYTHING, first=500)
        assert page == await fresh.fact_page(as_of, EVERYTHING, first=500)
        return tuple(revision.fact.content.title for revision in page.revisions)

    clock.advance(dt.timedelta(seconds=1))
    now = AsOf(recorded_before=clock.now())
    before = await read(now)
    assert await read(now) == before
    clock.advance(dt.timedelta(seconds=1))
    written_at = clock.now()
    await rename_scrapped(service, runner, corpus)
    clock.advance(dt.timedelta(seconds=1))
    after = await read(AsOf(recorded_before=clock.now()))
    assert await read(now) == before  # pinned before the revision: as it was
    assert await read(AsOf(recorded_before=written_at)) == before  # at it: not yet
    assert await read(AsOf()) == after
    assert "Rwanda scheme ended" in after
    assert [title for title in after if title not in before] == ["Rwanda scheme ended"]


async def test_cursors_walk_the_pages_once_each(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    whole = await projections.fact_page(AsOf(), EVERYTHING, first=500)
    walked: list[FactRevision] = []
    after: PageKey | None = None
    while True:
        page = await projections.fact_page(AsOf(), EVERYTHING, first=2, after=after)
        assert page.total == 6
        walked += page.revisions
        if not page.has_more:
            break
        assert page.end_cursor is not None
        after = PageKey.decode(page.end_cursor.encode())

    assert walked == list(whole.revisions)
    assert len(walked) == 6


async def test_page_size_is_bounded(projections: ProjectionStore) -> None:
    with pytest.raises(ValueError, match="first"):
        await projections.fact_page(AsOf(), EVERYTHING, first=501)
    empty = await projections.fact_page(AsOf(), EVERYTHING, first=0)
    assert empty.revisions == ()


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (FactFilter(kinds=frozenset({"FUNDING_COMMITTED"})), {"payments", "budget"}),
        (FactFilter(topics=frozenset({"rwanda"})), {"rwanda", "scrapped"}),
        (FactFilter(topics=frozenset({"rwanda", "returns"})), {"rwanda", "scrapped", "returns"}),
        (FactFilter(actors=frozenset({"French government"})), {"payments"}),
        (FactFilter(places=frozenset({"Sarajevo"})), set()),
        (FactFilter(places=frozenset({"Sarajevo"}), include_retracted=True), {"meeting"}),
        (FactFilter(text="PARTNERSHIP"), {"rwanda"}),
        (FactFilter(text="small boats"), {"payments"}),
        (FactFilter(text="100%_"), set()),
        (
            FactFilter(occurred_from=dt.date(2024, 7, 1), occurred_to=dt.date(2024, 7, 1)),
            {"payments", "budget", "scrapped", "returns"},
        ),
        (FactFilter(occurred_from=dt.date(2025, 11, 1)), set()),
        (FactFilter(occurred_to=dt.date(2022, 12, 31)), {"payments", "rwanda"}),
        (
            FactFilter(
                topics=frozenset({"france"}), kinds=frozenset({"FUNDING_COMMITTED"}), text="budget"
            ),
            {"budget"},
        ),
    ],
)
async def test_filters_combine(
    corpus: Corpus, projections: ProjectionStore, criteria: FactFilter, expected: set[str]
) -> None:
    names = {
        getattr(corpus, name): name
        for name in ("rwanda", "payments", "meeting", "scrapped", "returns", "budget")
    }

    page = await projections.fact_page(AsOf(), criteria, first=500)

    assert {names[r.fact_id] for r in page.revisions} == expected
    assert page.total == len(expected)


# -- points in time ----------------------------------------------------------------------


async def test_knowledge_time_shows_what_the_sources_had_published(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    in_may_2022 = await projections.facts_by_id([corpus.rwanda], AsOf(dt.date(2022, 5, 1)))
    in_july_2022 = await projections.facts_by_id([corpus.rwanda], AsOf(dt.date(2022, 7, 1)))

    assert await ids(projections, AsOf(dt.date(2022, 4, 13)), EVERYTHING) == []
    assert in_may_2022[corpus.rwanda].fact.content.title == "Rwanda scheme announced"
    assert in_july_2022[corpus.rwanda].fact.content.title == "Rwanda partnership announced"
    assert set(await ids(projections, AsOf(dt.date(2024, 12, 31)), EVERYTHING)) == {
        corpus.rwanda,
        corpus.scrapped,
        corpus.returns,
        corpus.budget,
    }


async def test_the_retraction_counts_from_the_facts_own_knowledge_day(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    # The retraction has no source: it is known from the day it was recorded (2026), and
    # from then the fact is listed as retracted, before that as it was first reported.
    before = await projections.facts_by_id([corpus.meeting], AsOf(dt.date(2025, 12, 31)))
    after = await projections.facts_by_id([corpus.meeting], AsOf(dt.date(2026, 1, 3)))

    assert not before[corpus.meeting].fact.is_retracted
    assert after[corpus.meeting].fact.is_retracted


async def test_the_total_of_active_facts_is_what_the_page_lists_on_every_day(
    corpus: Corpus, projections: ProjectionStore, fresh: ProjectionStore
) -> None:
    # Read as recorded now, the total of every active fact is summed from the day changes
    # (active_fact_changes); pinned before the latest row it is counted row by row.
    every_quarter = [dt.date(2017 + q // 4, 1 + 3 * (q % 4), 1) for q in range(40)]
    retraction = [dt.date(2025, 12, 31), dt.date(2026, 1, 3)]
    totals: dict[tuple[dt.date | None, bool], int] = {}
    for known_at in [None, *every_quarter, *retraction]:
        for recorded_before in (None, corpus.revised_at):
            as_of = AsOf(known_at, recorded_before)
            page = await projections.fact_page(as_of, FactFilter(), first=500)
            assert page == await fresh.fact_page(as_of, FactFilter(), first=500)
            totals[known_at, recorded_before is None] = len(page.revisions)
            assert page.total == len(page.revisions), as_of

    assert totals[dt.date(2017, 1, 1), True] == 0
    assert totals[retraction[0], True] == totals[retraction[1], True] + 1 == totals[None, True] + 1


async def test_record_time_shows_what_the_store_held(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    before_revision = AsOf(None, corpus.revised_at)
    at_revision = AsOf(None, corpus.revised_at + dt.timedelta(microseconds=1))

    old = await projections.facts_by_id([corpus.rwanda], before_revision)
    new = await projections.facts_by_id([corpus.rwanda], at_revision)

    assert old[corpus.rwanda].revision == 1
    assert new[corpus.rwanda].revision == 2
    assert await projections.facts_by_id([corpus.rwanda], AsOf(None, T0)) == {}


async def test_history_lists_every_revision_with_chained_intervals(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    history = await history_of(projections, corpus.payments)

    assert [r.revision for r in history] == [1, 2]
    assert [r.event_type for r in history] == ["FactRecorded", "FactCorroborated"]
    assert (history[0].known_until, history[0].recorded_until) == (
        history[1].known_from,
        history[1].recorded_from,
    )
    assert history[1].known_until is None
    assert history[1].changed_fields == ("sources", "readings")
    assert await history_of(projections, UUID(int=0)) == []
    histories = await projections.fact_histories([corpus.payments, corpus.rwanda, UUID(int=0)])
    assert histories == {
        corpus.payments: history,
        corpus.rwanda: await history_of(projections, corpus.rwanda),
        UUID(int=0): [],
    }
    assert await projections.fact_histories([]) == {}


async def test_a_revision_read_before_its_successor_came_is_read_closed_after(
    corpus: Corpus,
    projections: ProjectionStore,
    fresh: ProjectionStore,
    service: TimelineService,
    runner: ProjectionRunner,
    clock: ManualClock,
) -> None:
    # Readers keep what they decoded; only the interval may change, and it must show.
    [open_before] = await history_of(projections, corpus.scrapped)
    readings_before = await projections.readings_at("uk-payments-to-france", AsOf())
    clock.advance(dt.timedelta(days=1))
    await rename_scrapped(service, runner, corpus)

    history = await history_of(projections, corpus.scrapped)
    assert history == await history_of(fresh, corpus.scrapped)
    assert await projections.readings_at("uk-payments-to-france", AsOf()) == (
        await fresh.readings_at("uk-payments-to-france", AsOf())
    )
    assert open_before.known_until is None
    assert history[0] == dataclasses.replace(
        open_before, known_until=history[1].known_from, recorded_until=history[1].recorded_from
    )
    assert history[1].fact.content.title == "Rwanda scheme ended"
    assert await projections.readings_at("uk-payments-to-france", AsOf()) == readings_before


async def test_readings_are_those_of_the_current_revisions(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    now = await projections.readings_at("uk-payments-to-france", AsOf())
    before_corroboration = await projections.readings_at(
        "uk-payments-to-france", AsOf(dt.date(2025, 10, 25))
    )

    assert [r.figure.quantity.value for r in now] == [Decimal(650000000), Decimal(700000000)]
    assert [r.reported_on for r in now] == [dt.date(2025, 10, 20), dt.date(2025, 11, 2)]
    assert now[0].position < now[1].position
    assert [r.figure for r in before_corroboration] == [payments("650000000")]
    assert await projections.readings_at("small-boat-arrivals", AsOf()) == []


async def test_streams_for_figure_history_and_changes(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    measure = await projections.measure_streams("uk-payments-to-france")
    changed = await projections.streams_known_between(dt.date(2022, 5, 1), dt.date(2022, 7, 1))
    nothing = await projections.streams_known_between(
        dt.date(2022, 5, 1), dt.date(2022, 7, 1), recorded_before=corpus.revised_at
    )

    assert [(r.fact_id, r.revision) for r in measure] == [
        (corpus.payments, 1),
        (corpus.payments, 2),
    ]
    assert [(r.fact_id, r.revision) for r in changed] == [(corpus.rwanda, 1), (corpus.rwanda, 2)]
    assert nothing == []


async def test_measures_are_listed_by_key_as_recorded(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    now = await projections.measures(AsOf())

    assert [(m.measure.key, m.measure.unit) for m in now] == [("uk-payments-to-france", "GBP")]
    assert await projections.measures(AsOf(None, T0)) == []


# -- batches and rebuilds ---------------------------------------------------------------


class Boom(Exception):
    pass


async def test_a_batch_that_fails_leaves_rows_and_checkpoint_as_they_were(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    before = await projections.fact_page(AsOf(), EVERYTHING, first=500)
    history = await history_of(projections, corpus.rwanda)
    checkpoints = await projections.checkpoints()

    async def save_then_fail() -> None:
        async with projections.batches((TIMELINE,)) as batches:
            batch = batches[TIMELINE]
            current = await batch.open_revisions([corpus.rwanda])
            closed = current[corpus.rwanda].closed_by(current[corpus.rwanda])
            await batch.save(ProjectionChanges(closed=[closed]), batch.position + 100)
            raise Boom

    with pytest.raises(Boom):
        await save_then_fail()

    assert await projections.fact_page(AsOf(), EVERYTHING, first=500) == before
    assert await history_of(projections, corpus.rwanda) == history
    assert await projections.checkpoints() == checkpoints


async def test_a_batch_cannot_move_the_checkpoint_back(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    async def go_back() -> None:
        async with projections.batches((TIMELINE,)) as batches:
            batch = batches[TIMELINE]
            await batch.save(ProjectionChanges(), batch.position - 1)

    with pytest.raises(ValueError, match="back"):
        await go_back()


async def test_unknown_projections_are_refused(projections: ProjectionStore) -> None:
    with pytest.raises(UnknownProjection):
        async with projections.batches(("nope",)):
            pass
    with pytest.raises(UnknownProjection):
        async with projections.rebuild("nope"):
            pass


async def test_a_rebuild_is_invisible_until_swapped_and_then_complete(
    corpus: Corpus, projections: ProjectionStore, runner: ProjectionRunner
) -> None:
    before = await projections.fact_page(AsOf(), EVERYTHING, first=500)

    async with projections.rebuild(TIMELINE) as rebuild:
        async with rebuild.batch() as batch:
            assert batch.position == 0
            assert await batch.open_revisions([corpus.rwanda]) == {}
        # Another rebuild of the same projection would share the shadow tables.
        with pytest.raises(ProjectionBusy):
            async with projections.rebuild(TIMELINE):
                pass
        assert await projections.fact_page(AsOf(), EVERYTHING, first=500) == before

    # Abandoned (never swapped): the live tables are untouched.
    assert await projections.fact_page(AsOf(), EVERYTHING, first=500) == before
    position = await runner.rebuild(TIMELINE)
    assert await projections.fact_page(AsOf(), EVERYTHING, first=500) == before
    assert position == before.position


async def test_a_rebuild_that_fails_leaves_the_live_tables(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    before = await projections.fact_page(AsOf(), EVERYTHING, first=500)

    with pytest.raises(Boom):
        async with projections.rebuild(TIMELINE) as rebuild, rebuild.swap():
            raise Boom

    assert await projections.fact_page(AsOf(), EVERYTHING, first=500) == before
    async with projections.rebuild(TIMELINE):
        pass  # the guard was released and the shadows can be made again


async def test_a_read_of_more_revisions_than_are_kept_decoded_decodes_them_all(
    corpus: Corpus, projections: ProjectionStore
) -> None:
    """A read's rows decoded before may be evicted while the others are decoded: each is
    still decoded, with its fact's sources."""
    every = [corpus.rwanda, corpus.payments, corpus.meeting, corpus.scrapped, corpus.budget]
    expected = await projections.fact_histories(every)
    assert isinstance(projections, SqlProjectionStore)
    projections._decoded = DecodedRows(revisions=2)
    await projections.fact_histories(every[:1])  # some rows kept, the rest not
    assert await projections.fact_histories(every) == expected
    assert sum(len(history) for history in expected.values()) > 2


# -- the planner's statistics ---------------------------------------------------------


async def test_statistics_are_gathered_again_for_the_tables_that_grew_by_a_tenth(
    backend: str,
    event_store: EventStore,
    projections: ProjectionStore,
    runner: ProjectionRunner,
    clock: ManualClock,
) -> None:
    """PostgreSQL: every read-model table with more rows written since its statistics
    were gathered than 50 and a tenth of it is analyzed, and then none is until it grows
    again. SQLite plans without statistics: nothing to gather."""
    await append_synthetic_log(event_store, clock, facts=40)
    await runner.catch_up()
    if backend == "sqlite":
        assert await projections.refresh_statistics() == []
        return
    # A backend's counts reach the statistics views within a second or so of its commit.
    deadline = asyncio.get_running_loop().time() + 15
    gathered: list[str] = []
    while "fact_revisions" not in gathered:
        assert asyncio.get_running_loop().time() < deadline, gathered
        gathered += await projections.refresh_statistics()
        await asyncio.sleep(0.2)
    assert {"fact_labels", "total_readings"} <= set(gathered)
    assert "measures" not in gathered  # a handful of rows: under 50 changed
    assert "fact_revisions" not in await projections.refresh_statistics()
