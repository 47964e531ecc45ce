"""The read side's entry point for edges: questions about facts, measures and the log.

Commands go through ``TimelineService``; reads come here. Timelines, facts as known at a
date, measures, totals, figure histories and changes come from the read models
(``ProjectionStore``) and the pure projections; the raw log, and the change each new event
makes (for subscriptions, which must not wait for the read models), come from the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from uuid import UUID

from timeline.application.errors import NotFound
from timeline.application.ports import Clock, EventCodec, EventStore, ProjectionStore
from timeline.application.read_models import MAX_PAGE_SIZE, FactFilter, FactPage, PageKey
from timeline.application.records import EventPage, RecordedEvent
from timeline.application.streams import FACT_STREAM_PREFIX, fact_stream
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import MeasureRegistered
from timeline.domain.measures import Measure
from timeline.domain.projections.changes import ChangeSet, FactChange, changes_between
from timeline.domain.projections.history import HistoryEntry, figure_history
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import FactRevision, TimelineModel, advance
from timeline.domain.projections.totals import (
    Granularity,
    RunningTotal,
    running_total,
    running_total_of,
)
from timeline.domain.projections.visibility import NOW, AsOf


@dataclass(frozen=True, kw_only=True, slots=True)
class TimelinePage:
    """A page of the timeline and the point of view it was read from."""

    page: FactPage
    as_of: AsOf


@dataclass(frozen=True, kw_only=True, slots=True)
class Readiness:
    """How far the log goes and how far the read models have followed it."""

    head: int
    projected: int
    """The position every read model has applied (the slowest one's)."""

    @property
    def lag(self) -> int:
        return max(0, self.head - self.projected)


class TimelineQueries:
    """Reads for the API and the CLI; never writes."""

    def __init__(
        self,
        store: EventStore,
        codec: EventCodec,
        projections: ProjectionStore,
        clock: Clock,
        *,
        log: EventStore | None = None,
    ) -> None:
        """``store`` and ``projections`` answer the reads, perhaps from a standby; ``log`` is
        the store the log feed follows (the primary; ``store`` when None), from which
        ``change_at`` folds a change: the feed hands out events a standby may not have
        replayed yet."""
        self._store = store
        self._log = store if log is None else log
        self._codec = codec
        self._projections = projections
        self._clock = clock

    async def timeline(
        self,
        known_at: dt.date | None,
        recorded_before: dt.datetime | None,
        criteria: FactFilter,
        *,
        first: int,
        after: PageKey | None = None,
        count: bool = True,
    ) -> TimelinePage:
        """The facts matching ``criteria`` as known at ``known_at`` and recorded before
        ``recorded_before``, in timeline order, and how many there are in all when
        ``count`` (counting costs a visit to every match: leave it out when not shown).

        Without ``recorded_before`` the answer is pinned to now: a client that passes the
        returned ``as_of`` back with each cursor pages through one snapshot, so every fact
        comes exactly once however many facts are recorded or revised meanwhile.
        """
        as_of = AsOf(known_at, recorded_before or self._clock.now())
        page = await self._projections.fact_page(
            as_of, criteria, first=min(first, MAX_PAGE_SIZE), after=after, count=count
        )
        return TimelinePage(page=page, as_of=as_of)

    async def timeline_pages(
        self, known_at: dt.date | None, recorded_before: dt.datetime | None, criteria: FactFilter
    ) -> AsyncIterator[TimelinePage]:
        """Every page of ``timeline``, from one snapshot, until the last: for readers that
        want the whole timeline (a replay printed by the CLI) without a cursor of their own.
        """
        page = await self.timeline(
            known_at, recorded_before, criteria, first=MAX_PAGE_SIZE, count=False
        )
        while True:
            yield page
            if not page.page.has_more:
                return
            page = await self.timeline(
                known_at,
                page.as_of.recorded_before,
                criteria,
                first=MAX_PAGE_SIZE,
                after=page.page.end_cursor,
                count=False,
            )

    async def facts(
        self, fact_ids: Collection[UUID], as_of: AsOf = NOW
    ) -> dict[UUID, FactRevision]:
        """The revision of each fact current at ``as_of``; unknown facts are left out."""
        return await self._projections.facts_by_id(fact_ids, as_of)

    async def fact_histories(self, fact_ids: Sequence[UUID]) -> list[list[FactRevision]]:
        """Every revision of each fact, oldest first (empty for one never recorded), in
        the order given: one read for all of them."""
        histories = await self._projections.fact_histories(fact_ids)
        return [histories[fact_id] for fact_id in fact_ids]

    async def passes(self, criteria: FactFilter, revision: FactRevision) -> bool:
        """Whether ``revision`` passes ``criteria``, decided by the read models as a page
        is (they must have reached the revision's position)."""
        key = (revision.fact_id, revision.revision)
        return key in await self._projections.revisions_matching([key], criteria)

    async def measures(self, as_of: AsOf = NOW) -> list[Measure]:
        """The measures registered as of ``as_of``, by key."""
        return [entry.measure for entry in await self._projections.measures(as_of)]

    async def measure(self, key: str, as_of: AsOf = NOW) -> Measure:
        """The measure registered under ``key`` as of ``as_of``; NotFound if there is none."""
        measure = next((m for m in await self.measures(as_of) if m.key == key), None)
        if measure is None:
            raise _no_measure(key)
        return measure

    async def running_total(
        self,
        key: str,
        as_of: AsOf,
        *,
        granularity: Granularity,
        start: dt.date | None = None,
        end: dt.date | None = None,
        checkpoint_readings: bool = True,
    ) -> RunningTotal:
        """The running total of measure ``key`` from the readings current at ``as_of``: from
        the state kept for each of its periods when ``as_of`` is settled (recorded after
        every revision, as every read of now is), else folded from the readings. Without
        ``checkpoint_readings`` a checkpoint's readings past its first and last may be
        left unread (``ProjectionStore.measure_states``)."""
        found = await self._projections.measure_states(
            key, as_of, every_reading=checkpoint_readings
        )
        if found is None:
            raise _no_measure(key)
        measure, states = found.measure, found.states
        if states is not None:
            return running_total_of(measure, states, granularity=granularity, start=start, end=end)
        readings = await self._projections.readings_at(key, as_of)
        return running_total(measure, readings, granularity=granularity, start=start, end=end)

    async def figure_history(self, key: str, period: FuzzyDate | None) -> tuple[HistoryEntry, ...]:
        """Every reading measure ``key`` has ever had (of ``period``'s days, if given);
        NotFound if no measure has that key, as for its running total."""
        await self.measure(key)
        return figure_history(await self._projections.measure_streams(key), key, period)

    async def changes(
        self, from_known_at: dt.date, to_known_at: dt.date, recorded_before: dt.datetime | None
    ) -> ChangeSet:
        """What became known between the two days."""
        revisions = await self._projections.streams_known_between(
            from_known_at, to_known_at, recorded_before
        )
        streams: dict[UUID, list[FactRevision]] = {}
        for revision in revisions:
            streams.setdefault(revision.fact_id, []).append(revision)
        model = TimelineModel(
            revisions=MappingProxyType({key: tuple(value) for key, value in streams.items()})
        )
        return changes_between(model, from_known_at, to_known_at, recorded_before)

    async def events(self, *, after_position: int, first: int) -> EventPage:
        """The raw log: up to ``first`` events after ``after_position``, in position order,
        whether more follow, and the log's length."""
        limit = max(0, min(first, MAX_PAGE_SIZE))
        return await self._store.read_page(after_position=after_position, limit=limit)

    async def change_at(self, record: RecordedEvent) -> FactChange | None:
        """The change the event ``record`` made to its fact, folded from the log the feed
        follows (``log``), so that it never waits for the read models or for a standby to
        replay it; None for other streams."""
        if not record.stream_id.startswith(FACT_STREAM_PREFIX):
            return None
        fact_id = UUID(record.stream_id.removeprefix(FACT_STREAM_PREFIX))
        previous: FactRevision | None = None
        for stored in await self._log.read_stream(fact_stream(fact_id)):
            event = self._codec.decode(stored)
            if isinstance(event, MeasureRegistered):
                return None
            before = previous
            _, previous = advance(
                previous, LoggedEvent.of(stored.position, stored.recorded_at, event)
            )
            if stored.position == record.position:
                return FactChange(fact_id, before, previous, (previous,))
        return None

    async def projected_position(self) -> int:
        """The position every read model has applied (the slowest one's)."""
        return await self._projections.projected_position()

    async def readiness(self) -> Readiness:
        """The log's head and the slowest read model's position (StoreUnavailable when the
        database cannot be reached)."""
        head = await self._store.head_position()
        checkpoints = await self._projections.checkpoints()
        projected = min((c.position for c in checkpoints), default=head)
        return Readiness(head=head, projected=projected)


def _no_measure(key: str) -> NotFound:
    return NotFound(f"no measure {key!r}")
