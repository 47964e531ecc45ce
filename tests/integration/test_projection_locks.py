"""Several runners on one PostgreSQL: one advances a projection at a time, and a waiting one
wakes on NOTIFY."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest

from tests.integration.listening import listening
from tests.integration.projection_snapshots import folded_rows, logged_events, stored_rows
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.projector import Projector
from timeline.application.read_models import TIMELINE
from timeline.application.streams import fact_stream
from timeline.domain import decisions
from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import FactContent
from timeline.domain.sources import Source
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine, open_event_store, open_projection_store
from timeline.store.read_models.backends import PostgresProjectionStore
from timeline.store.read_models.writes import SqlBatch
from timeline.store.sql.leadership import open_leadership
from timeline.store.sql.postgres import PROJECTED_CHANNEL
from timeline.store.sql.signals import open_append_signal

pytestmark = pytest.mark.postgres

Span = tuple[str, int, int]
"""A committed batch: which runner, the checkpoint it started from, the one it saved."""


class RecordingStore(PostgresProjectionStore):
    """Notes the span of every batch it commits."""

    def __init__(self, url: str, label: str, spans: list[Span]) -> None:
        super().__init__(create_engine(url), SystemClock(), owns_engine=True)
        self._label = label
        self._spans = spans

    @asynccontextmanager
    async def batches(
        self, names: Collection[str], *, wait: bool = True
    ) -> AsyncIterator[dict[str, SqlBatch]]:
        async with super().batches(names, wait=wait) as held:
            starts = {name: batch.position for name, batch in held.items()}
            yield held
        for name, batch in held.items():
            if name == TIMELINE and batch.saved is not None:
                self._spans.append((self._label, starts[name], batch.saved))


async def test_one_process_at_a_time_holds_a_projection(postgres_database_url: str) -> None:
    first = await open_projection_store(postgres_database_url)
    second = await open_projection_store(postgres_database_url)
    try:
        async with first.batches((TIMELINE,)) as held:
            assert list(held) == [TIMELINE]
            async with second.batches((TIMELINE,), wait=False) as skipped:
                assert skipped == {}
            async with second.batches(("measures",), wait=False) as other:
                assert list(other) == ["measures"]  # each projection has a lock of its own
            async with second.batches((TIMELINE, "measures"), wait=False) as some:
                assert list(some) == ["measures"]  # the one another process holds left out
        async with second.batches((TIMELINE,), wait=False) as free:
            assert list(free) == [TIMELINE]
    finally:
        await first.close()
        await second.close()


async def test_two_runners_never_advance_the_same_batch(postgres_database_url: str) -> None:
    url = postgres_database_url
    clock = synthetic_clock()
    events = await open_event_store(url, clock)
    spans: list[Span] = []
    stores = [RecordingStore(url, label, spans) for label in ("a", "b")]
    runners = [ProjectionRunner(events, codec, store, batch_size=9) for store in stores]
    try:
        await append_synthetic_log(events, clock, facts=60, seed=21)

        async def keep_up(runner: ProjectionRunner, wait: bool) -> None:
            for _ in range(40):
                await runner.catch_up([TIMELINE], wait=wait)
                await asyncio.sleep(0)

        async def append() -> int:
            head = 0
            for seed in range(22, 30):
                head = await append_synthetic_log(events, clock, facts=6, seed=seed)
                await asyncio.sleep(0.01)
            return head

        *_, head = await asyncio.gather(
            keep_up(runners[0], wait=True), keep_up(runners[1], wait=False), append()
        )
        await runners[0].catch_up([TIMELINE])

        ordered = sorted((start, end) for _, start, end in spans if end > start)
        assert ordered[0][0] == 0
        assert all(end == next_start for (_, end), (next_start, _) in itertools.pairwise(ordered))
        assert ordered[-1][1] == head
        assert {label for label, start, end in spans if end > start} == {"a", "b"}
        log = await logged_events(events)
        assert await stored_rows(url, TIMELINE) == folded_rows(log, TIMELINE, head)
    finally:
        for store in stores:
            await store.close()
        await events.close()


async def test_the_leading_projector_wakes_on_notify_within_a_second(
    postgres_database_url: str,
) -> None:
    url = postgres_database_url
    writer = await open_event_store(url)
    events = await open_event_store(url)
    projections = await open_projection_store(url)
    signal_engine = create_engine(url)
    signal = open_append_signal(signal_engine)
    runner = ProjectionRunner(events, codec, projections)
    leadership = open_leadership(signal_engine, "notify-test")
    projector = Projector(runner, events, leadership, signal, poll_seconds=60)
    try:
        # Polling every minute: only a notification can bring the runner in within 1 s.
        async with projector.running():
            await asyncio.sleep(0.5)  # it catches up the empty log and waits
            for number in range(3):
                fact_id = uuid4()
                event = decisions.record_fact(fact_id, _content(number), _source(number))
                result = await writer.append(
                    fact_stream(fact_id), [codec.encode(event)], expected_version=0
                )
                started = time.monotonic()
                while (await projections.checkpoints())[1].position < result.last_position:
                    assert time.monotonic() - started < 1.0, "not woken within a second"
                    await asyncio.sleep(0.02)
    finally:
        await projector.close()
        await leadership.close()
        await signal_engine.dispose()
        await projections.close()
        await events.close()
        await writer.close()


def _content(number: int) -> FactContent:
    return FactContent(
        kind="MEETING_HELD",
        title=f"Meeting {number}",
        summary="A meeting.",
        occurred=FuzzyDate("2025-10"),
    )


def _source(number: int) -> Source:
    return Source(
        publisher="Example",
        title="An article",
        url=f"https://example.org/{number}",
        published=FuzzyDate("2025-10-20"),
        quote="They met.",
    )


async def test_each_committed_batch_notifies_the_position_it_reached(
    postgres_database_url: str,
) -> None:
    """The batch's own commit wakes the readers (``timeline_projected``, from the
    checkpoints' trigger), with no projector to announce it; a catch-up that moves no
    checkpoint wakes nobody."""
    url = postgres_database_url
    writer = await open_event_store(url)
    projections = await open_projection_store(url)
    runner = ProjectionRunner(writer, codec, projections)
    try:
        async with listening(url, PROJECTED_CHANNEL) as received:
            await append_synthetic_log(writer, synthetic_clock(), facts=3, seed=5)
            head = await writer.head_position()
            await runner.catch_up()
            assert await asyncio.wait_for(received.get(), timeout=5) == str(head)

            await runner.catch_up()  # nothing new: no checkpoint moves, nobody is woken
            await asyncio.sleep(0.2)
            assert received.empty()
    finally:
        await projections.close()
        await writer.close()
