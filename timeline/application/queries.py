"""The read side's entry point for edges: questions about facts and the log, over ports.

Commands go through ``TimelineService``; reads come here. A fact's history is folded from its
stream with the pure projections; the raw log is paged by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from timeline.application.ports import EventCodec, EventStore
from timeline.application.records import RecordedEvent
from timeline.application.streams import FACT_STREAM_PREFIX, fact_stream
from timeline.domain.events import MeasureRegistered
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import FactRevision, advance

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Change:
    """A fact's revision ``after`` and the one it replaced (None for a new fact)."""

    after: FactRevision
    before: FactRevision | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EventPage:
    """Up to ``first`` events after a position, whether more follow, and the log's length."""

    events: tuple[RecordedEvent, ...]
    has_more: bool
    head: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Readiness:
    """How far the log goes and how far the read models have followed it."""

    head: int
    projected: int | None
    """The position the read models have applied; None while there are none to wait for."""

    @property
    def lag(self) -> int:
        return 0 if self.projected is None else max(0, self.head - self.projected)


class TimelineQueries:
    """Reads for the API and the CLI; never writes."""

    def __init__(self, store: EventStore, codec: EventCodec) -> None:
        self._store = store
        self._codec = codec

    async def fact_history(self, fact_id: UUID) -> list[FactRevision]:
        """Every revision of the fact, oldest first (empty if it was never recorded)."""
        revisions: list[FactRevision] = []
        previous: FactRevision | None = None
        for record in await self._store.read_stream(fact_stream(fact_id)):
            event = self._codec.decode(record)
            if isinstance(event, MeasureRegistered):
                return []
            logged = LoggedEvent.of(record.position, record.recorded_at, event)
            closed, previous = advance(previous, logged)
            if closed is not None:
                revisions[-1] = closed
            revisions.append(previous)
        return revisions

    async def fact_histories(self, fact_ids: Sequence[UUID]) -> list[list[FactRevision]]:
        """``fact_history`` of each id, in the order given."""
        return [await self.fact_history(fact_id) for fact_id in fact_ids]

    async def events(self, *, after_position: int, first: int) -> EventPage:
        """The raw log: up to ``first`` events after ``after_position``, in position order."""
        first = max(0, min(first, MAX_PAGE))
        head = await self._store.head_position()
        page: list[RecordedEvent] = []
        if first:
            async for record in self._store.read_all(
                after_position=after_position, batch_size=first
            ):
                page.append(record)
                if len(page) == first:
                    break
        return EventPage(
            events=tuple(page),
            has_more=bool(page) and page[-1].position < head,
            head=head,
        )

    async def change_at(self, record: RecordedEvent) -> Change | None:
        """The change the event ``record`` made to its fact; None for other streams."""
        if not record.stream_id.startswith(FACT_STREAM_PREFIX):
            return None
        history = await self.fact_history(UUID(record.stream_id.removeprefix(FACT_STREAM_PREFIX)))
        for index, revision in enumerate(history):
            if revision.position == record.position:
                return Change(after=revision, before=history[index - 1] if index else None)
        return None

    async def readiness(self) -> Readiness:
        """The log's head (raising StoreUnavailable when the database is down) and the read
        models' position."""
        # Seam: once the projection runner keeps read models, report its checkpoint here.
        return Readiness(head=await self._store.head_position(), projected=None)
