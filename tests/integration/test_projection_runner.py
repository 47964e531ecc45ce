"""The projection runner on real databases: incremental equals rebuilt equals the pure fold.

The key proof is ``test_sql_answers_are_the_pure_fold_of_the_visible_events``: logs drawn by
hypothesis go in through the service, and for points in time drawn alongside, every answer
the SQL read models give equals ``replay_at``, the from-scratch fold of only the events
visible at that point.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import pytest_asyncio
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PostgresServer
from tests.contract.projection_corpus import history_of
from tests.factories import ManualClock
from tests.integration.projection_snapshots import (
    content_hash,
    folded_rows,
    logged_events,
    stored_rows,
)
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from tests.unit.domain_strategies import MEASURE_KEYS, as_ofs, logs
from timeline.application.errors import NotFound
from timeline.application.ports import EventStore, ProjectionStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import MEASURES, PROJECTIONS, TIMELINE, FactFilter
from timeline.application.records import AppendResult, EventPage, NewEvent, RecordedEvent
from timeline.application.service import TimelineService
from timeline.domain.errors import DomainError
from timeline.domain.events import (
    DomainEvent,
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
)
from timeline.domain.facts import Fact
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import readings_at
from timeline.domain.projections.revisions import FactRevision, facts_at, fold, replay_at
from timeline.domain.projections.visibility import AsOf
from timeline.store import codec, migrations
from timeline.store.fact_json import encode_source
from timeline.store.factory import create_engine, open_event_store, open_projection_store
from timeline.store.read_models import queries, total_writes
from timeline.store.read_models.writes import SqlBatch

EVERYTHING = FactFilter(include_retracted=True)


@dataclass
class Stores:
    clock: ManualClock
    events: EventStore
    projections: ProjectionStore

    def runner(self, batch_size: int = 500) -> ProjectionRunner:
        return ProjectionRunner(self.events, codec, self.projections, batch_size=batch_size)


@asynccontextmanager
async def opened(url: str, clock: ManualClock | None = None) -> AsyncIterator[Stores]:
    clock = clock or synthetic_clock()
    events = await open_event_store(url, clock)
    projections = await open_projection_store(url, clock)
    try:
        yield Stores(clock, events, projections)
    finally:
        await projections.close()
        await events.close()


@pytest_asyncio.fixture
async def stores(database_url: str) -> AsyncIterator[Stores]:
    async with opened(database_url) as stores:
        yield stores


async def snapshots(url: str) -> dict[str, str]:
    return {name: content_hash(await stored_rows(url, name)) for name in PROJECTIONS}


async def test_incremental_catch_up_equals_a_rebuild_and_the_fold(
    stores: Stores, database_url: str
) -> None:
    runner = stores.runner(batch_size=37)
    await append_synthetic_log(stores.events, stores.clock, facts=120, seed=1)
    await runner.catch_up()
    head = await append_synthetic_log(stores.events, stores.clock, facts=120, seed=2)
    await runner.catch_up()
    events = await logged_events(stores.events)

    incremental = {name: await stored_rows(database_url, name) for name in PROJECTIONS}
    for name in PROJECTIONS:
        assert incremental[name] == folded_rows(events, name, head)
        assert await runner.rebuild(name) == head
    rebuilt = await snapshots(database_url)

    assert rebuilt == {name: content_hash(rows) for name, rows in incremental.items()}
    assert len(incremental[TIMELINE]["fact_revisions"]) > 400


@pytest.mark.parametrize("batch_size", [7, 1000])
async def test_projections_at_different_checkpoints_catch_up_together(
    stores: Stores, database_url: str, batch_size: int
) -> None:
    """A catch-up moves every projection in one transaction, reading the log once from the
    checkpoint furthest behind: each projection still applies exactly the events after its
    own checkpoint, to the fold's rows."""
    runner = stores.runner(batch_size=batch_size)
    await append_synthetic_log(stores.events, stores.clock, facts=40, seed=12)
    await runner.catch_up([MEASURES])  # the measures ahead
    await append_synthetic_log(stores.events, stores.clock, facts=40, seed=13)
    await runner.catch_up([TIMELINE])  # now the timeline ahead
    head = await append_synthetic_log(stores.events, stores.clock, facts=40, seed=14)
    checkpoints = {c.name: c.position for c in await stores.projections.checkpoints()}
    assert 0 < checkpoints[MEASURES] < checkpoints[TIMELINE] < head

    assert await runner.catch_up() == dict.fromkeys(PROJECTIONS, head)
    events = await logged_events(stores.events)
    for name in PROJECTIONS:
        assert await stored_rows(database_url, name) == folded_rows(events, name, head)


async def test_a_batch_reads_back_only_the_facts_begun_before_it(
    stores: Stores, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fact whose stream begins in a batch has no stored revision yet, so the batch does
    not ask for one (a batch of new facts reads none back); the rows are the fold's."""
    asked: list[tuple[int, set[UUID]]] = []
    original = SqlBatch.open_revisions

    async def recording(batch: SqlBatch, fact_ids: Collection[UUID]) -> dict[UUID, Any]:
        asked.append((batch.position, set(fact_ids)))
        return await original(batch, fact_ids)

    monkeypatch.setattr(SqlBatch, "open_revisions", recording)
    head = await append_synthetic_log(stores.events, stores.clock, facts=40, seed=15)
    await stores.runner(batch_size=1000).catch_up()
    assert all(not fact_ids for _, fact_ids in asked)  # every fact began in the one batch

    asked.clear()
    head = await append_synthetic_log(stores.events, stores.clock, facts=40, seed=16)
    await stores.runner(batch_size=7).catch_up()
    events = await logged_events(stores.events)
    began: dict[UUID, int] = {}
    for event in events:
        if event.fact_id is not None:
            began.setdefault(event.fact_id, event.position)
    assert any(fact_ids for _, fact_ids in asked)
    for position, fact_ids in asked:
        assert all(began[fact_id] <= position for fact_id in fact_ids)
    for name in PROJECTIONS:
        assert await stored_rows(database_url, name) == folded_rows(events, name, head)


@pytest.mark.parametrize(("batch_size", "cache"), [(50, 0), (50, 1), (7, 9), (1000, 40)])
async def test_a_rebuild_equals_the_fold_whatever_it_keeps_in_memory(
    stores: Stores, database_url: str, batch_size: int, cache: int
) -> None:
    """A rebuild writes the revisions it keeps in memory once they are closed or pushed out,
    and reads back the others: each way, every row is the fold's."""
    head = await append_synthetic_log(stores.events, stores.clock, facts=150, seed=3)
    events = await logged_events(stores.events)
    runner = ProjectionRunner(
        stores.events, codec, stores.projections, batch_size=batch_size, rebuild_cache=cache
    )
    assert await runner.rebuild_all() == dict.fromkeys(PROJECTIONS, head)  # one pass for both
    for name in PROJECTIONS:
        assert await stored_rows(database_url, name) == folded_rows(events, name, head)
        assert await runner.rebuild(name) == head
        assert await stored_rows(database_url, name) == folded_rows(events, name, head)


@pytest.mark.parametrize("held", [1, 5])
async def test_a_rebuild_settles_the_totals_a_few_periods_at_a_time(
    stores: Stores, database_url: str, monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    """The rebuild's settling writes the states of the periods it has worked out while it
    still reads the later periods' readings (so that a million events' readings are never
    held at once): written in many pieces, every row is still the fold's."""
    monkeypatch.setattr(total_writes, "SETTLE_ROWS", held)
    head = await append_synthetic_log(stores.events, stores.clock, facts=150, seed=11)
    events = await logged_events(stores.events)
    assert await stores.runner(batch_size=40).rebuild(TIMELINE) == head
    rows = await stored_rows(database_url, TIMELINE)
    assert rows == folded_rows(events, TIMELINE, head)
    assert len(rows["total_amounts"]) > 10 * held  # settled in many writes


@pytest.mark.parametrize(
    ("revision_before", "filled", "at_least", "seed"),
    [
        pytest.param("0006", "active_fact_changes", 50, 7, id="0007-day-changes"),
        pytest.param("0009", "total_amounts", 10, 8, id="0010-period-states"),
        pytest.param("0017", "total_periods", 10, 9, id="0018-first-known-days"),
    ],
)
async def test_a_migration_fills_its_table_as_the_projection_writes_it(
    stores: Stores, database_url: str, revision_before: str, filled: str, at_least: int, seed: int
) -> None:
    """Down to the revision before the migration and up again: the migration's fill, which
    runs the projection's own code, writes every row the projection would have."""
    head = await append_synthetic_log(stores.events, stores.clock, facts=150, seed=seed)
    await stores.runner(batch_size=40).catch_up()
    events = await logged_events(stores.events)
    expected = folded_rows(events, TIMELINE, head)
    assert len(expected[filled]) > at_least

    await migrations.downgrade(database_url, revision_before)
    await migrations.upgrade(database_url)

    assert await stored_rows(database_url, TIMELINE) == expected


def whole_fact(fact: Fact) -> dict[str, Any]:
    """``fact`` as a revision row's ``fact`` document before 0017 kept it (0009 with the
    title and summary, 0011 without), parsed."""
    document = {
        "fact_id": str(fact.fact_id),
        "content": codec.encode_content(fact.content),
        "sources": [codec.encode_source(source) for source in fact.sources],
        "readings": [
            {"figure": codec.encode_figure(r.figure), "source": codec.encode_source(r.source)}
            for r in fact.readings
        ],
        "status": str(fact.status),
        "revision": fact.revision,
    }
    parsed: dict[str, Any] = json.loads(json.dumps(document))
    return parsed


async def fact_documents(url: str) -> dict[tuple[str, int], Any]:
    """Every revision's ``fact`` document, parsed, by (fact id, revision)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                sa.text("SELECT fact_id, revision, CAST(fact AS TEXT) FROM fact_revisions")
            )
            return {
                (str(UUID(str(fact_id))), revision): json.loads(text)
                for fact_id, revision, text in result
            }
    finally:
        await engine.dispose()


async def test_migration_0011_takes_the_title_and_summary_out_of_the_fact_documents(
    stores: Stores, database_url: str
) -> None:
    head = await append_synthetic_log(stores.events, stores.clock, facts=40, seed=8)
    await stores.runner().catch_up()
    events = await logged_events(stores.events)
    expected = folded_rows(events, TIMELINE, head)

    await migrations.downgrade(database_url, "0010")
    # As 0009 kept them: the whole fact, title and summary included.
    whole = {
        (str(r.fact_id), r.revision): whole_fact(r.fact)
        for stream in fold(events).revisions.values()
        for r in stream
    }
    assert await fact_documents(database_url) == whole

    await migrations.upgrade(database_url)
    assert await stored_rows(database_url, TIMELINE) == expected


async def revision_documents(url: str) -> dict[tuple[str, int], Any]:
    """Every revision's ``fact`` and ``source`` documents and labels, by (fact id, revision)."""
    engine = create_engine(url)
    found: dict[tuple[str, int], Any] = {}
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                sa.text(
                    "SELECT fact_id, revision, CAST(fact AS TEXT), CAST(source AS TEXT)"
                    " FROM fact_revisions"
                )
            )
            for fact_id, revision, fact, source in result:
                found[(str(UUID(str(fact_id))), revision)] = [json.loads(fact), json.loads(source)]
            labels = await conn.execute(
                sa.text("SELECT fact_id, revision, facet, label FROM fact_labels")
            )
            for fact_id, revision, facet, label in labels:
                found[(str(UUID(str(fact_id))), revision)].append([facet, label])
    finally:
        await engine.dispose()
    return {key: [*value[:2], sorted(value[2:])] for key, value in found.items()}


async def test_migration_0017_puts_the_whole_facts_back_and_takes_them_out_again(
    stores: Stores, database_url: str
) -> None:
    """Down to 0016, every revision row holds its whole fact, its event's whole source and
    its own labels again, as the projection wrote them then; up again, the narrow rows the
    projection writes now."""
    head = await append_synthetic_log(stores.events, stores.clock, facts=60, seed=17)
    await stores.runner(batch_size=25).catch_up()
    events = await logged_events(stores.events)
    expected = folded_rows(events, TIMELINE, head)
    revisions = [revision for stream in fold(events).revisions.values() for revision in stream]
    assert any(len(r.fact.sources) > 2 for r in revisions)
    assert any(r.content_revision not in (1, r.revision) for r in revisions)

    await migrations.downgrade(database_url, "0016")
    whole = {}
    for r in revisions:
        fact = whole_fact(r.fact)
        del fact["content"]["title"], fact["content"]["summary"]  # as 0011 keeps them
        content = r.fact.content
        labels = [
            [facet, label]
            for facet in ("actor", "place", "topic")
            for label in getattr(content, f"{facet}s")
        ]
        whole[(str(r.fact_id), r.revision)] = [
            fact,
            json.loads(json.dumps(encode_source(r.source))),
            sorted(labels),
        ]
    assert await revision_documents(database_url) == whole

    await migrations.upgrade(database_url)
    assert await stored_rows(database_url, TIMELINE) == expected


async def test_a_batch_costs_the_same_statements_whatever_its_size(
    stores: Stores, database_url: str
) -> None:
    from sqlalchemy import event as sa_event

    engine = stores.projections._engine  # type: ignore[attr-defined]  # the adapter's own
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    await append_synthetic_log(stores.events, stores.clock, facts=5, seed=5)
    await stores.runner().catch_up([TIMELINE])  # the checkpoint row exists from here on
    sa_event.listen(engine.sync_engine, "before_cursor_execute", count)
    costs = []
    for facts in (40, 200):  # both big enough to open, close, label and read
        await append_synthetic_log(stores.events, stores.clock, facts=facts, seed=facts)
        statements.clear()
        await stores.runner(batch_size=1000).catch_up([TIMELINE])
        costs.append(len(statements))

    # BEGIN, (lock,) checkpoint, open revisions, three inserts, the day changes' upsert,
    # checkpoint: new facts only. The totals: their readings' insert, the periods' units
    # read and upserted, the states' starts, the readings since, the states replaced.
    assert costs[0] == costs[1] <= 16, statements

    # Every projection in the timeline's transaction: the measures' checkpoint is read and
    # written by the timeline's statements, so they cost none of their own.
    await stores.runner().catch_up()
    await append_synthetic_log(stores.events, stores.clock, facts=40, seed=41)
    statements.clear()
    await stores.runner(batch_size=1000).catch_up()
    assert len(statements) == costs[0], statements


# -- the key proof --------------------------------------------------------------------


@pytest.fixture
def fresh_database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], Awaitable[str]]:
    """Makes a new migrated database per call: hypothesis examples must not share a log."""
    numbers = itertools.count()
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        async def sqlite() -> str:
            path = tmp_path / f"example-{next(numbers)}.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"

        return sqlite
    server: PostgresServer = request.getfixturevalue("postgres_server")

    async def postgres() -> str:
        return server.url(await server.create_database(template=server.template))

    return postgres


async def write_through_service(
    service: TimelineService,
    clock: ManualClock,
    log: list[LoggedEvent],
    after_each: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Each fact event as the command that makes it, at its recorded time; measures are
    registered by the service itself. Commands the service refuses (a figure in another
    unit than its measure's, say) are left out: the log is whatever the store holds.
    ``after_each`` runs after every command (a catch-up, as a projector would make)."""
    for logged in log:
        if after_each is not None:
            await after_each()
        clock.set(logged.recorded_at)
        event = logged.event
        try:
            if isinstance(event, FactRecorded):
                await service.record_fact(event.content, event.source, fact_id=event.fact_id)
            elif isinstance(event, FactCorroborated):
                await service.corroborate_fact(event.fact_id, event.source, event.figure)
            elif isinstance(event, FactRevised):
                fact = await service.get_fact(event.fact_id)
                await service.revise_fact(
                    event.fact_id, fact.revision, event.changes, event.reason, event.source
                )
            elif isinstance(event, FactRetracted):
                fact = await service.get_fact(event.fact_id)
                await service.retract_fact(event.fact_id, fact.revision, event.reason, event.source)
        except (DomainError, NotFound):
            continue


def edge_points(events: list[LoggedEvent]) -> st.SearchStrategy[AsOf]:
    """Points of view on, and just before, the log's own known days and recorded times."""
    days = sorted({e.known_on + dt.timedelta(days=shift) for e in events for shift in (-1, 0)})
    moments = sorted(
        {e.recorded_at + dt.timedelta(microseconds=shift) for e in events for shift in (0, 1)}
    )
    return st.builds(AsOf, st.none() | st.sampled_from(days), st.none() | st.sampled_from(moments))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    log=logs(),
    points=st.lists(as_ofs(), min_size=1, max_size=3),
    batch_size=st.sampled_from((1, 2, 500)),
    data=st.data(),
)
async def test_sql_answers_are_the_pure_fold_of_the_visible_events(
    fresh_database: Callable[[], Awaitable[str]],
    log: list[LoggedEvent],
    points: list[AsOf],
    batch_size: int,
    data: st.DataObject,
) -> None:
    url = await fresh_database()
    async with opened(url, ManualClock(log[0].recorded_at)) as stores:
        runner = stores.runner(batch_size)
        service = TimelineService(stores.events, codec)
        # Projected as the log grows, a catch-up after each command, as the projector would.
        await write_through_service(service, stores.clock, log, runner.catch_up)
        await runner.catch_up()
        events = await logged_events(stores.events)
        model = fold(events)
        # Points on the edges of the intervals too, where an off-by-one would show.
        edges = data.draw(st.lists(edge_points(events), min_size=2, max_size=4), label="edges")

        for as_of in [AsOf(), *points, *edges]:
            page = await stores.projections.fact_page(as_of, EVERYTHING, first=500)
            assert {r.fact_id: r.fact for r in page.revisions} == replay_at(events, as_of)
            assert {r.fact_id: r for r in page.revisions} == facts_at(model, as_of)
            # Summed and corrected for a reader pinned before some rows, and counted.
            for corrected_at_most in (queries.CORRECTED_AT_MOST, 0):
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(queries, "CORRECTED_AT_MOST", corrected_at_most)
                    active = await stores.projections.fact_page(as_of, FactFilter(), first=0)
                    assert active.total == sum(not r.fact.is_retracted for r in page.revisions)
                    await assert_label_counts(stores.projections, as_of, page.revisions)
            for measure in MEASURE_KEYS:
                sql = await stores.projections.readings_at(measure, as_of)
                assert tuple(sql) == readings_at(model, as_of, measure)
        for fact_id, stream in model.revisions.items():
            assert await history_of(stores.projections, fact_id) == list(stream)


async def assert_label_counts(
    projections: ProjectionStore, as_of: AsOf, revisions: Sequence[FactRevision]
) -> None:
    """A page filtered by one label counts the active facts with it (summed by day when
    read as recorded now: ``label_fact_changes``), for every label the facts have."""
    for field in ("topics", "actors", "places"):
        labels = {label for r in revisions for label in getattr(r.fact.content, field)}
        for label in sorted(labels):
            one = frozenset({label})
            criteria = {
                "topics": FactFilter(topics=one),
                "actors": FactFilter(actors=one),
                "places": FactFilter(places=one),
            }[field]
            found = await projections.fact_page(as_of, criteria, first=0)
            expected = sum(
                not r.fact.is_retracted and label in getattr(r.fact.content, field)
                for r in revisions
            )
            assert found.total == expected, (as_of, field, label)


# -- failures and concurrency ------------------------------------------------------------


class InjectedFailure(Exception):
    pass


class FailingEvents:
    """An event store whose ``read_all`` fails after ``fail_after`` reads: the runner is
    halfway through a batch, holding the projection's transaction, when it fails."""

    def __init__(self, events: EventStore, fail_after: int) -> None:
        self._events = events
        self._reads_left = fail_after

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        return await self._events.append(
            stream_id, events, expected_version=expected_version, idempotency_key=idempotency_key
        )

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return await self._events.read_stream(stream_id)

    async def read_all(
        self, *, after_position: int = 0, batch_size: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        if self._reads_left == 0:
            raise InjectedFailure
        self._reads_left -= 1
        async for record in self._events.read_all(
            after_position=after_position, batch_size=batch_size
        ):
            yield record

    async def head_position(self) -> int:
        return await self._events.head_position()

    async def read_page(self, *, after_position: int, limit: int) -> EventPage:
        return await self._events.read_page(after_position=after_position, limit=limit)

    async def close(self) -> None:
        await self._events.close()


async def test_a_batch_that_fails_halfway_leaves_rows_and_checkpoint_as_before(
    stores: Stores, database_url: str
) -> None:
    runner = stores.runner(batch_size=25)
    await append_synthetic_log(stores.events, stores.clock, facts=30, seed=3)
    await runner.catch_up()
    head = await append_synthetic_log(stores.events, stores.clock, facts=60, seed=4)
    before = await snapshots(database_url)

    failing = ProjectionRunner(FailingEvents(stores.events, 0), codec, stores.projections)
    with pytest.raises(InjectedFailure):
        await failing.catch_up([TIMELINE])
    assert await snapshots(database_url) == before

    # Fails in its third batch: two batches' worth stays, exactly as the fold up to there.
    failing = ProjectionRunner(
        FailingEvents(stores.events, 2), codec, stores.projections, batch_size=25
    )
    with pytest.raises(InjectedFailure):
        await failing.catch_up([TIMELINE])
    partial = await stored_rows(database_url, TIMELINE)
    position = int(partial["checkpoint"][0])
    events = await logged_events(stores.events)
    assert position < head
    assert partial == folded_rows([e for e in events if e.position <= position], TIMELINE, position)

    await runner.catch_up()
    assert await stored_rows(database_url, TIMELINE) == folded_rows(events, TIMELINE, head)


class FailingCodec:
    """The codec, failing to decode the event at ``position``."""

    def __init__(self, position: int) -> None:
        self._position = position
        self.encode = codec.encode

    def decode(self, record: RecordedEvent) -> DomainEvent:
        if record.position == self._position:
            raise InjectedFailure
        return codec.decode(record)


async def test_a_rebuild_that_fails_while_a_batch_is_written_leaves_the_read_models(
    stores: Stores, database_url: str
) -> None:
    """The next batch is decoded while the one before is written: a failure there stops the
    write in flight and the rebuild, and the live tables stay as they were."""
    head = await append_synthetic_log(stores.events, stores.clock, facts=60, seed=5)
    await stores.runner().catch_up()
    before = await snapshots(database_url)
    reported: list[int] = []
    failing = ProjectionRunner(
        stores.events, FailingCodec(head - 5), stores.projections, batch_size=20
    )
    with pytest.raises(InjectedFailure):
        await failing.rebuild_all(progress=lambda done, _: reported.append(done))
    assert await snapshots(database_url) == before
    # Progress counts batches written, in order, never the one that failed.
    assert reported == sorted(reported)
    assert reported
    assert reported[-1] < head - 5

    assert await stores.runner(batch_size=20).rebuild_all() == dict.fromkeys(PROJECTIONS, head)
    assert await snapshots(database_url) == before


async def test_a_rebuild_takes_in_what_is_appended_while_it_runs(
    stores: Stores, database_url: str
) -> None:
    await append_synthetic_log(stores.events, stores.clock, facts=150, seed=5)
    runner = stores.runner(batch_size=20)
    await runner.catch_up()

    async def append_meanwhile() -> int:
        head = 0
        for seed in range(6, 12):
            head = await append_synthetic_log(stores.events, stores.clock, facts=5, seed=seed)
            await asyncio.sleep(0)
        return head

    position, head = await asyncio.gather(runner.rebuild(TIMELINE), append_meanwhile())
    await runner.catch_up()

    assert position <= head
    events = await logged_events(stores.events)
    assert await stored_rows(database_url, TIMELINE) == folded_rows(events, TIMELINE, head)


async def test_readers_see_whole_read_models_while_they_are_swapped(
    stores: Stores, database_url: str
) -> None:
    await append_synthetic_log(stores.events, stores.clock, facts=80, seed=13)
    runner = stores.runner(batch_size=50)
    await runner.catch_up()
    expected_page = await stores.projections.fact_page(AsOf(), EVERYTHING, first=500)
    expected_readings = await stores.projections.readings_at(MEASURE_KEYS[0], AsOf())
    reads = 0
    done = asyncio.Event()

    async def read(reader: ProjectionStore) -> None:
        nonlocal reads
        while not done.is_set():
            assert await reader.fact_page(AsOf(), EVERYTHING, first=500) == expected_page
            assert await reader.readings_at(MEASURE_KEYS[0], AsOf()) == expected_readings
            reads += 1
            await asyncio.sleep(0)

    async def rebuild() -> None:
        try:
            for name in (TIMELINE, MEASURES, TIMELINE, TIMELINE):
                await runner.rebuild(name)
        finally:
            done.set()

    async with opened(database_url) as first, opened(database_url) as second:
        await asyncio.gather(rebuild(), read(first.projections), read(second.projections))

    assert reads > 4
