"""The ports: what the application needs from the outside world."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Protocol
from uuid import UUID

from timeline.application.records import AppendResult, EventMetadata, NewEvent, RecordedEvent
from timeline.domain.events import DomainEvent


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

    async def close(self) -> None:
        """Release connections."""
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
