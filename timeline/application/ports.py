"""The ports: what the application needs from the outside world."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol
from uuid import UUID

from timeline.application.read_models import (
    Checkpoint,
    FactFilter,
    FactPage,
    MeasureStates,
    PageKey,
    ProjectionChanges,
)
from timeline.application.records import (
    AppendResult,
    EventMetadata,
    EventPage,
    NewEvent,
    RecordedEvent,
)
from timeline.domain.events import DomainEvent
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure
from timeline.domain.projections.visibility import AsOf


class Clock(Protocol):
    """Tells the current UTC time; injected so that tests and replays can fix it."""

    def now(self) -> dt.datetime: ...


class EventStore(Protocol):
    """An append-only log of events grouped into streams.

    Positions are global, gapless and strictly increasing in commit order, so a reader that
    tails the log with ``read_all(after_position=last_seen)`` never misses an event.
    """

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Append ``events`` to ``stream_id`` atomically.

        ``expected_version`` is the number of events the caller believes the stream holds
        (0 for a new stream); if the stream holds another number, raise ``ConcurrencyError``
        and write nothing. With an ``idempotency_key`` already used for the same content,
        return the original result with ``replayed=True``; for other content raise
        ``IdempotencyConflict``. The key is checked before the expected version, so a retry
        of an append that did commit is answered, not refused.
        """
        ...

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        """Every event of one stream in version order (empty for an unknown stream)."""
        ...

    def read_all(
        self, *, after_position: int = 0, batch_size: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        """The whole log after ``after_position`` in global order, fetched in batches so
        that memory stays constant however long the log is."""
        ...

    async def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        ...

    async def read_page(self, *, after_position: int, limit: int) -> EventPage:
        """Up to ``limit`` events after ``after_position`` in global order, and the head
        position, read at one moment in one statement: what a page of the log shows."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class EventImporter(Protocol):
    """Writes events recorded elsewhere (an export of a log) into this log, verbatim."""

    async def import_events(self, batches: Iterable[Sequence[RecordedEvent]]) -> int:
        """Write every event of ``batches`` as it is (position, id, stream and version,
        times, payload, metadata and hash) in one transaction holding the append lock, so
        appends wait for it; return the new head position.

        Each event must continue the log: the next position after the head, a recorded_at
        no earlier than its predecessor's, a hash chaining to its predecessor's. Otherwise
        raise ``ImportRefused`` and write nothing.
        """
        ...


class EventCodec(Protocol):
    """Turns domain events into store records and back (``timeline.store.codec``)."""

    def encode(
        self,
        event: DomainEvent,
        metadata: EventMetadata | None = None,
        *,
        event_id: UUID | None = None,
    ) -> NewEvent:
        """The record for ``event``, ready to append."""
        ...

    def decode(self, record: RecordedEvent) -> DomainEvent:
        """The domain event a stored record holds, upcast to its current shape."""
        ...


class ProjectionBatch(Protocol):
    """One projection's part of a transaction that holds that projection's lock (and, for
    ``ProjectionStore.batches``, the other projections' parts and locks too).

    Leaving the ``async with`` block commits the rows and the checkpoint together; an
    exception rolls both back, so the tables never run ahead of or behind the checkpoint.
    """

    @property
    def position(self) -> int:
        """The checkpoint when the batch began: the last log position already applied."""
        ...

    async def open_revisions(self, fact_ids: Collection[UUID]) -> dict[UUID, FactRevision]:
        """The latest stored revision of each of ``fact_ids`` that has one."""
        ...

    async def save(self, changes: ProjectionChanges, position: int) -> None:
        """Write ``changes`` and move the checkpoint to ``position`` (committed on exit)."""
        ...


class ProjectionRebuild(Protocol):
    """A projection being rebuilt into shadow tables that readers do not see yet."""

    def batch(self) -> AbstractAsyncContextManager[ProjectionBatch]:
        """A transaction on the shadow tables, starting where the last one saved."""
        ...

    def swap(self) -> AbstractAsyncContextManager[ProjectionBatch]:
        """The last transaction: it holds the live projection's lock, so the caller can
        apply the log's tail to the shadow tables; on exit they replace the live tables
        and the checkpoint becomes the shadow's, atomically."""
        ...


class ProjectionStore(Protocol):
    """The read models: SQL caches of the pure folds in ``timeline.domain.projections``.

    Every query takes the point of view ``as_of`` where it matters and answers exactly as
    the pure fold of the log up to the projection's checkpoint would (``replay_at``).
    """

    async def fact_page(
        self,
        as_of: AsOf,
        criteria: FactFilter,
        *,
        first: int,
        after: PageKey | None = None,
        count: bool = True,
    ) -> FactPage:
        """The revisions current at ``as_of`` that match ``criteria``, in ``PageKey`` order:
        up to ``first`` (at most ``MAX_PAGE_SIZE``) after the cursor, and, when ``count``,
        the total count. Costs the same few statements whatever the page size; the count
        is the one that grows with the log (it visits every matching row), so readers that
        do not show it pass ``count=False``."""
        ...

    async def facts_by_id(
        self, fact_ids: Collection[UUID], as_of: AsOf
    ) -> dict[UUID, FactRevision]:
        """The revision of each fact current at ``as_of``; unknown facts are left out."""
        ...

    async def fact_histories(self, fact_ids: Collection[UUID]) -> dict[UUID, list[FactRevision]]:
        """Every revision of each of ``fact_ids`` with its interval, oldest first, in one
        query (a page's worth at once, for DataLoaders); a fact never recorded maps to an
        empty list."""
        ...

    async def revisions_matching(
        self, revisions: Collection[tuple[UUID, int]], criteria: FactFilter
    ) -> set[tuple[UUID, int]]:
        """Which of ``revisions`` (fact id, revision number) pass ``criteria``: the one
        place a filter is decided, for pages and for facts that arrive one by one."""
        ...

    async def readings_at(self, measure: str, as_of: AsOf) -> list[Reading]:
        """The readings of ``measure`` held by the revisions current at ``as_of``, in log
        order (position, fact id, reading index)."""
        ...

    async def measure_states(
        self, measure: str, as_of: AsOf, *, every_reading: bool = True
    ) -> MeasureStates | None:
        """``measure`` as registered at ``as_of`` (None if it is not: registered before
        ``as_of.recorded_before``) and the state in its unit of each of its periods with a
        reading current at ``as_of`` (``selection.PeriodState``): what ``selection.select``
        makes of ``readings_at``, read from one kept row per period, in one round trip.
        The states are None when the kept rows cannot say: ``as_of`` is pinned before some
        revision's recorded time (``settled_periods``), or some reading of the measure has
        no value in its unit. Without ``every_reading``, an uncontested CUMULATIVE state
        of more than two readings holds its first and last alone (its ``readings`` raise
        ``LookupError`` past them): what a total needs unless it lists checkpoints' readings,
        and a period that keeps gaining readings is then read in one row."""
        ...

    async def measure_streams(self, measure: str) -> list[FactRevision]:
        """Every revision of every fact that ever had a reading of ``measure`` (whole
        streams, for the figure history), by fact id then revision."""
        ...

    async def streams_known_between(
        self, after: dt.date, until: dt.date, recorded_before: dt.datetime | None = None
    ) -> list[FactRevision]:
        """Every revision of every fact with a revision known from a day in (``after``,
        ``until``] and recorded before ``recorded_before``: a superset of the facts that
        changed between the two days, by fact id then revision."""
        ...

    async def measures(self, as_of: AsOf) -> list[RegisteredMeasure]:
        """The measures registered before ``as_of.recorded_before``, by key."""
        ...

    async def checkpoints(self) -> list[Checkpoint]:
        """Each projection's position (0 for one that has never run), in name order."""
        ...

    async def projected_position(self) -> int:
        """The position every read model has applied (the slowest one's; 0 while one has
        never run), as cheaply as the backend can: readers waiting for a position ask it
        after every batch the projector commits."""
        ...

    async def refresh_statistics(self) -> list[str]:
        """Gather the query planner's statistics again for the read-model tables that have
        changed by more than a tenth since they were last gathered, and name them. Their one
        writer calls it now and then: with statistics of an empty table (a database whose
        autovacuum is off, or behind a burst of writes) PostgreSQL planned a page by reading
        every revision, and the soak's pages grew from 8 to 140 ms in five minutes."""
        ...

    def batches(
        self, names: Collection[str], *, wait: bool = True
    ) -> AbstractAsyncContextManager[Mapping[str, ProjectionBatch]]:
        """One transaction on the live tables of every projection in ``names``, holding
        their locks, with a batch for each: the projector's, which moves them all at once
        (one lock statement, one checkpoint read and write, one commit for all). With
        ``wait=False`` a projection whose lock another process holds is left out."""
        ...

    def rebuild(self, name: str) -> AbstractAsyncContextManager[ProjectionRebuild]:
        """Fresh, empty shadow tables for ``name``, dropped again unless swapped in. Raises
        ``ProjectionBusy`` when another process is rebuilding ``name``."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
