"""The projection runner: keeps the read models caught up with the log, and rebuilds them.

It only orchestrates ports. Each batch reads the events after the projection's checkpoint
(``EventStore.read_all``), decodes them, folds them with the pure ``advance`` onto the
latest stored revisions of the facts they touch, and hands the row changes to the
``ProjectionStore`` in the same transaction that moves the checkpoint. Which process
runs it, and when, is the projector's business (``timeline.application.projector``): one
leader per database, never a request.

Two ways to run it:

* ``catch_up``: apply what was appended since each checkpoint (the projector's batches);
* ``rebuild``: replay the whole log into shadow tables and swap them in.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections import OrderedDict
from collections.abc import (
    AsyncGenerator,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from uuid import UUID

from timeline.application.ports import (
    EventCodec,
    EventStore,
    ProjectionBatch,
    ProjectionRebuild,
    ProjectionStore,
)
from timeline.application.read_models import (
    MEASURES,
    PROJECTIONS,
    TIMELINE,
    ProjectionChanges,
    check_projection,
)
from timeline.application.records import RecordedEvent
from timeline.application.streams import FACT_STREAM_PREFIX, MEASURE_STREAM_PREFIX
from timeline.domain.errors import UnexpectedEvent
from timeline.domain.events import MeasureRegistered
from timeline.domain.measures import Measure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure, advance

logger = logging.getLogger("timeline.projections")

DEFAULT_BATCH_SIZE = 2_000
COLLECT_EVERY = 50
"""Rebuild batches between two collections of the young generations (``_Collections``)."""
DEFAULT_REBUILD_CACHE = 20_000
"""Facts whose latest revision a rebuild keeps in memory, least recently used out: about
40,000 events of a log like the benchmarks' corpus, where a fact's later events come days to
months after it, at a few KB each."""

Progress = Callable[[int, int], None]
"""Called after each rebuild batch with (events applied, events in the log)."""


class ProjectionRunner:
    """Applies the log to the read models, batch by batch."""

    def __init__(
        self,
        events: EventStore,
        codec: EventCodec,
        projections: ProjectionStore,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        rebuild_cache: int = DEFAULT_REBUILD_CACHE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if rebuild_cache < 0:
            raise ValueError("rebuild_cache must not be negative")
        self._events = events
        self._codec = codec
        self._projections = projections
        self._batch_size = batch_size
        self._rebuild_cache = rebuild_cache

    async def catch_up(
        self, names: Iterable[str] = PROJECTIONS, *, wait: bool = True
    ) -> dict[str, int | None]:
        """Apply everything after each projection's checkpoint; return the positions
        reached. With ``wait=False`` a projection another process is advancing is left to
        it (its position is reported as None)."""
        chosen = [check_projection(name) for name in names]
        reached: dict[str, int | None] = dict.fromkeys(chosen)
        while True:
            # Every projection in one transaction, the log's next batch read once for all
            # of them: the projector's batch is a few events, and each statement a round
            # trip that waits for the server and a CPU.
            async with self._projections.batches(chosen, wait=wait) as batches:
                if not batches:
                    return reached
                after = min(batch.position for batch in batches.values())
                records = await self._next(after)
                events = self._decoded(records)
                for name, batch in batches.items():
                    mine = events.after(batch.position)
                    if mine.records:
                        await self._apply(name, batch, mine)
            reached.update((name, batch.position) for name, batch in batches.items())
            if len(records) < self._batch_size:
                return reached

    async def refresh_statistics(self) -> list[str]:
        """``ProjectionStore.refresh_statistics``: the tables whose statistics it gathered."""
        return await self._projections.refresh_statistics()

    async def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Replay the whole log into shadow tables and swap them in; return the position.

        Memory stays bounded: events are streamed a batch at a time, and the latest revisions
        of the facts touched most recently stay in memory (``rebuild_cache`` of them), each
        written once it is closed or pushed out; a batch reads back only the others. The
        live tables serve readers until the swap.
        """
        return (await self.rebuild_all((name,), progress))[name]

    async def rebuild_all(
        self, names: Iterable[str] = PROJECTIONS, progress: Progress | None = None
    ) -> dict[str, int]:
        """``rebuild`` each of ``names`` in one pass over the log: every batch of events is
        read once and applied to each projection's shadows in a transaction of its own; each
        is swapped in (in name order) once the log is exhausted. The positions reached."""
        chosen = sorted({check_projection(name) for name in names})
        total = await self._events.head_position()
        latest = {name: _Latest(self._rebuild_cache) for name in chosen}
        positions: dict[str, int] = {}
        collections = _Collections(COLLECT_EVERY)
        async with contextlib.AsyncExitStack() as stack:
            stack.enter_context(collections.manual())
            rebuilds = {
                name: await stack.enter_async_context(self._projections.rebuild(name))
                for name in chosen
            }
            pending: list[RecordedEvent] = []
            writing: asyncio.Task[None] | None = None
            written = 0  # the last position of the batch being written
            try:
                async for record in self._events.read_all(batch_size=self._batch_size):
                    pending.append(record)
                    if len(pending) == self._batch_size:
                        # Fetching and decoding this batch overlapped the writes of the one
                        # before, which run in the driver's thread (SQLite) or the server
                        # (PostgreSQL); one batch is written at a time, in log order.
                        events = self._decoded(pending)
                        if writing is not None:
                            await writing
                            total = max(total, written)
                            if progress is not None:
                                progress(written, total)
                        collections.after_batch()
                        writing = asyncio.create_task(self._rebuild_batch(rebuilds, events, latest))
                        written, pending = record.position, []
                if writing is not None:
                    await writing
            finally:
                if writing is not None and not writing.done():
                    writing.cancel()
                    with contextlib.suppress(BaseException):
                        await writing
            if pending:
                await self._rebuild_batch(rebuilds, self._decoded(pending), latest)
            for name, rebuild in rebuilds.items():
                unwritten = latest[name].drain()
                if unwritten:
                    async with rebuild.batch() as batch:
                        changes = ProjectionChanges(opened=tuple(unwritten))
                        await batch.save(changes, batch.position)
                # What was appended meanwhile goes in under the live projection's lock, in
                # the transaction that swaps the tables, so the checkpoint swapped in is exact.
                async with rebuild.swap() as batch:
                    while records := await self._next(batch.position):
                        await self._apply(name, batch, self._decoded(records))
                    positions[name] = batch.position
        if progress is not None:
            position = max(positions.values(), default=total)
            progress(position, max(total, position))
        return positions

    # -- internals --------------------------------------------------------------------

    async def _rebuild_batch(
        self,
        rebuilds: dict[str, ProjectionRebuild],
        events: _Events,
        latest: dict[str, _Latest],
    ) -> None:
        for name, rebuild in rebuilds.items():
            async with rebuild.batch() as batch:
                await self._apply(name, batch, events, latest[name])

    async def _next(self, after: int) -> list[RecordedEvent]:
        """Up to one batch of events after ``after`` (one query)."""
        records: list[RecordedEvent] = []
        iterator = self._events.read_all(after_position=after, batch_size=self._batch_size)
        try:
            async for record in iterator:
                records.append(record)
                if len(records) == self._batch_size:
                    break
        finally:
            if isinstance(iterator, AsyncGenerator):
                await iterator.aclose()
        return records

    async def _apply(
        self,
        name: str,
        batch: ProjectionBatch,
        events: _Events,
        latest: _Latest | None = None,
    ) -> None:
        if name == TIMELINE:
            changes = await self._timeline_changes(batch, events, latest or _Latest(0))
        elif name == MEASURES:
            changes = self._measure_changes(events.records)
        else:  # pragma: no cover - check_projection() refuses other names
            raise AssertionError(name)
        await batch.save(changes, events.records[-1].position)

    def _decoded(self, records: Sequence[RecordedEvent]) -> _Events:
        facts = []
        begun: dict[UUID, int] = {}
        for record in records:
            if record.stream_id.startswith(FACT_STREAM_PREFIX):
                event = self._logged(record)
                facts.append(event)
                if record.stream_version == 1 and event.fact_id is not None:
                    begun[event.fact_id] = record.position
        return _Events(records, facts, begun)

    async def _timeline_changes(
        self, batch: ProjectionBatch, events: _Events, latest: _Latest
    ) -> ProjectionChanges:
        logged = events.facts
        # A fact whose stream begins in this batch has no stored revision to read back
        # (its rows come from events past the checkpoint): a projector's batch of new
        # facts, as most are, reads none, a round trip saved.
        fact_ids = {
            event.fact_id
            for event in logged
            if event.fact_id is not None and event.fact_id not in events.begun
        }
        latest.load(await batch.open_revisions(latest.missing(fact_ids)))
        opened: dict[tuple[UUID, int], FactRevision] = {}
        closed: dict[tuple[UUID, int], FactRevision] = {}
        for event in logged:
            if event.fact_id is None:
                raise UnexpectedEvent(
                    "event", f"a measure's event in a fact stream at {event.position}"
                )
            previous, written = latest.get(event.fact_id)
            closed_previous, current = advance(previous, event)
            if closed_previous is not None:
                # Never written (opened in this batch, or kept in memory): insert it closed
                # instead of updating it.
                key = (closed_previous.fact_id, closed_previous.revision)
                (closed if written else opened)[key] = closed_previous
            latest.put(current)
        for revision in latest.evict():
            opened[(revision.fact_id, revision.revision)] = revision
        return ProjectionChanges(opened=tuple(opened.values()), closed=tuple(closed.values()))

    def _measure_changes(self, records: Sequence[RecordedEvent]) -> ProjectionChanges:
        registered = []
        for record in records:
            if not record.stream_id.startswith(MEASURE_STREAM_PREFIX):
                continue
            event = self._codec.decode(record)
            if not isinstance(event, MeasureRegistered):
                raise UnexpectedEvent(
                    "event", f"a fact's event in a measure stream at {record.position}"
                )
            registered.append(
                RegisteredMeasure(Measure.from_event(event), record.position, record.recorded_at)
            )
        return ProjectionChanges(measures=tuple(registered))

    def _logged(self, record: RecordedEvent) -> LoggedEvent:
        reported_on = None if record.reported is None else record.reported.latest
        return LoggedEvent(
            record.position, record.recorded_at, reported_on, self._codec.decode(record)
        )


@dataclass(frozen=True, slots=True)
class _Events:
    """A batch of the log, with its facts' events decoded."""

    records: Sequence[RecordedEvent]
    facts: list[LoggedEvent]
    begun: dict[UUID, int]
    """The facts whose streams begin in the batch, with the position of their first event."""

    def after(self, position: int) -> _Events:
        """The events after ``position``: all of them unless a projection is behind the
        others."""
        if not self.records or self.records[0].position > position:
            return self
        return _Events(
            [record for record in self.records if record.position > position],
            [event for event in self.facts if event.position > position],
            {fact_id: first for fact_id, first in self.begun.items() if first > position},
        )


class _Collections:
    """No automatic garbage collection while a rebuild runs, and the young generations
    collected by hand every ``every`` batches. The revisions kept in memory are hundreds of
    thousands of long-lived objects: each automatic full collection walked them all (a
    quarter to a half of a rebuild's time), and a young collection after every batch still
    walked each batch's survivors, about 0.12 s a batch at 20,000 events, to free some 40
    objects (cycles in SQLAlchemy's statements). A collection walks what survived since the
    previous one, so the kept revisions that were replaced in between are never walked."""

    def __init__(self, every: int) -> None:
        self._every = every
        self._batches = 0

    @contextlib.contextmanager
    def manual(self) -> Iterator[None]:
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if enabled:
                gc.enable()

    def after_batch(self) -> None:
        self._batches += 1
        if self._batches % self._every == 0:
            gc.collect(1)


class _Latest:
    """The latest revision of the facts touched most recently, and whether its row is
    written yet; at most ``capacity`` of them once ``evict`` has run."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[UUID, tuple[FactRevision, bool]] = OrderedDict()

    def missing(self, fact_ids: Iterable[UUID]) -> set[UUID]:
        return {fact_id for fact_id in fact_ids if fact_id not in self._entries}

    def load(self, stored: dict[UUID, FactRevision]) -> None:
        for fact_id, revision in stored.items():
            self._entries[fact_id] = (revision, True)

    def get(self, fact_id: UUID) -> tuple[FactRevision | None, bool]:
        """The latest revision (None for a new fact) and whether it is written."""
        return self._entries.get(fact_id, (None, True))

    def put(self, revision: FactRevision) -> None:
        """``revision`` is now its fact's latest, not written yet."""
        self._entries[revision.fact_id] = (revision, False)
        self._entries.move_to_end(revision.fact_id)

    def evict(self) -> list[FactRevision]:
        """Forget the least recently touched facts beyond capacity; their unwritten
        revisions, to be written now."""
        unwritten = []
        while len(self._entries) > self._capacity:
            _, (revision, written) = self._entries.popitem(last=False)
            if not written:
                unwritten.append(revision)
        return unwritten

    def drain(self) -> list[FactRevision]:
        """Every unwritten revision, counted as written from now on."""
        unwritten = [revision for revision, written in self._entries.values() if not written]
        for revision in unwritten:
            self._entries[revision.fact_id] = (revision, True)
        return unwritten
