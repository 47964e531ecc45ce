"""The event store over SQL, shared by the SQLite and PostgreSQL backends.

How appends stay correct under concurrency
------------------------------------------
Every append takes one global write lock inside its transaction (PostgreSQL: a transaction
advisory lock; SQLite: ``BEGIN IMMEDIATE``), then, under the lock, reads the head of the log
(last position, hash and recorded_at) and the stream's version, and inserts its events at
positions head + 1, head + 2, ... The lock is held until commit or rollback. Therefore:

* Appends are serialised, so position order is commit order. A transaction that holds
  position p has committed (and is visible) before any other transaction can read the head
  and take p + 1. A reader tailing with ``read_all(after_position=last_seen)`` can never see
  p + 1 and later discover a p that committed after it: there is no gap problem, unlike
  with a sequence, where positions are handed out before commit and commit in any order.
* A rolled-back append leaves nothing behind (positions are not drawn from a sequence), so
  the log is gapless: the positions are exactly 1..head.
* The previous event is known and final when an event is written, so the hash chain
  (each hash covers the previous hash) is well defined, and ``recorded_at`` can be held to
  ``max(clock.now(), previous recorded_at)`` so that it never decreases.
* The stream-version check and the idempotency-key lookup happen under the same lock, so
  they cannot race; the unique (stream_id, stream_version) and position keys stay as a
  backstop and their violations are reported as ``ConcurrencyError`` too.

The price is one writer at a time. Appends are short (a handful of statements, one
executemany for a batch), so throughput is bounded by round trips, not by the lock.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.chain import GENESIS_HASH, canonical_content, chain_hash
from timeline.application.errors import ConcurrencyError, IdempotencyConflict, StoreUnavailable
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, NewEvent, RecordedEvent
from timeline.store.fingerprints import append_fingerprint
from timeline.store.sql.failures import Failure, translate
from timeline.store.sql.rows import EVENT_COLUMNS, event_row, recorded_event, utc
from timeline.store.sql.tables import events, idempotency_keys

# Built once: statement construction is a measurable part of a single-event append.
_STREAM_VERSION = (
    sa.select(sa.func.coalesce(sa.func.max(events.c.stream_version), 0))
    .where(events.c.stream_id == sa.bindparam("stream_id"))
    .scalar_subquery()
)
_HEAD_AND_VERSION = (
    sa.select(events.c.position, events.c.hash, events.c.recorded_at, _STREAM_VERSION)
    .order_by(events.c.position.desc())
    .limit(1)
)
_IDEMPOTENCY = sa.select(
    idempotency_keys.c.stream_id,
    idempotency_keys.c.first_position,
    idempotency_keys.c.last_position,
    idempotency_keys.c.stream_version,
    idempotency_keys.c.fingerprint,
    idempotency_keys.c.recorded_at,
).where(idempotency_keys.c.key == sa.bindparam("key"))
_READ_STREAM = (
    sa.select(*EVENT_COLUMNS)
    .where(events.c.stream_id == sa.bindparam("stream_id"))
    .order_by(events.c.stream_version)
)
_READ_AFTER = (
    sa.select(*EVENT_COLUMNS)
    .where(events.c.position > sa.bindparam("after"))
    .order_by(events.c.position)
    .limit(sa.bindparam("limit"))
)
_HEAD = sa.select(sa.func.coalesce(sa.func.max(events.c.position), 0))
_INSERT_EVENTS = events.insert()
_INSERT_KEY = idempotency_keys.insert()


class SqlEventStore(abc.ABC):
    """The ``EventStore`` port over an async SQLAlchemy engine; subclassed per backend."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    # -- what a backend provides ------------------------------------------------------

    @abc.abstractmethod
    def _write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction holding the global append lock until it ends."""

    async def _announce(self, conn: AsyncConnection, last_position: int) -> None:
        """Tell listeners, inside the append's transaction, that the head moved.

        By default nobody is told: readers poll ``read_all`` from their position."""
        return None

    @abc.abstractmethod
    def _classify(self, error: DBAPIError) -> Failure | None:
        """What a driver error means, or None when the store has no better name for it."""

    # -- the port -------------------------------------------------------------------

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Append ``events`` to ``stream_id`` atomically (see ``EventStore.append``).

        When ``idempotency_key`` is given it is also written into each event's metadata.
        """
        if not events:
            raise ValueError("an append needs at least one event")
        fingerprint = append_fingerprint(stream_id, events) if idempotency_key else None
        try:
            async with self._write_transaction() as conn:
                return await self._append_locked(
                    conn, stream_id, events, expected_version, idempotency_key, fingerprint
                )
        except DBAPIError as error:
            failure = self._classify(error)
            if failure is Failure.DUPLICATE_POSITION:
                actual = await self._stream_version(stream_id)
                raise ConcurrencyError(stream_id, expected_version, actual) from error
            translated = translate(error, failure)
            if translated is None:
                raise  # not one the store can name better: a bug to see as it is
            raise translated from error
        except OSError as error:
            raise StoreUnavailable(f"the event store cannot be reached: {error}") from error

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        """Every event of one stream in version order (empty for an unknown stream)."""
        async with self._reading() as conn:
            result = await conn.execute(_READ_STREAM, {"stream_id": stream_id})
            return [recorded_event(row) for row in result.all()]

    async def read_all(
        self, *, after_position: int = 0, batch_size: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        """The log after ``after_position`` in global order, in keyset batches.

        No connection is held while the caller consumes a batch, so a slow or abandoned
        consumer pins nothing in the pool and memory stays at one batch.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        position = after_position
        while True:
            async with self._reading() as conn:
                result = await conn.execute(_READ_AFTER, {"after": position, "limit": batch_size})
                batch = [recorded_event(row) for row in result.all()]
            for event in batch:
                yield event
            if len(batch) < batch_size:
                return
            position = batch[-1].position

    async def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        async with self._reading() as conn:
            return int((await conn.execute(_HEAD)).scalar_one())

    async def close(self) -> None:
        """Dispose of the engine's connection pool."""
        await self._engine.dispose()

    # -- internals --------------------------------------------------------------------

    async def _append_locked(
        self,
        conn: AsyncConnection,
        stream_id: str,
        new_events: Sequence[NewEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> AppendResult:
        head = (await conn.execute(_HEAD_AND_VERSION, {"stream_id": stream_id})).first()
        if head is None:
            head_position, previous_hash, previous_recorded_at, version = 0, GENESIS_HASH, None, 0
        else:
            head_position, previous_hash, previous_recorded_at, version = head
            previous_recorded_at = utc(previous_recorded_at)

        # The key is answered before the version is checked: a retry of an append that
        # committed must get its result back, although the stream has moved on since.
        if idempotency_key is not None:
            original = (await conn.execute(_IDEMPOTENCY, {"key": idempotency_key})).first()
            if original is not None:
                if original.fingerprint != fingerprint:
                    raise IdempotencyConflict(idempotency_key)
                return AppendResult(
                    stream_id=original.stream_id,
                    first_position=original.first_position,
                    last_position=original.last_position,
                    stream_version=original.stream_version,
                    recorded_at=utc(original.recorded_at),
                    replayed=True,
                )
        if version != expected_version:
            raise ConcurrencyError(stream_id, expected_version, version)

        now = self._clock.now()
        if now.tzinfo is None:
            raise ValueError("the clock must tell a timezone-aware time")
        recorded_at = utc(now)
        if previous_recorded_at is not None and recorded_at < previous_recorded_at:
            recorded_at = previous_recorded_at
        rows: list[dict[str, Any]] = []
        for offset, event in enumerate(new_events, start=1):
            position = head_position + offset
            metadata = event.metadata
            if idempotency_key is not None and metadata.idempotency_key != idempotency_key:
                metadata = dataclasses.replace(metadata, idempotency_key=idempotency_key)
            previous_hash = chain_hash(
                previous_hash,
                canonical_content(
                    position=position,
                    event_id=event.event_id,
                    stream_id=stream_id,
                    stream_version=version + offset,
                    event_type=event.event_type,
                    schema_version=event.schema_version,
                    occurred=event.occurred,
                    reported=event.reported,
                    recorded_at=recorded_at,
                    payload=event.payload,
                    metadata=metadata,
                ),
            )
            rows.append(
                event_row(
                    event,
                    position=position,
                    stream_id=stream_id,
                    stream_version=version + offset,
                    recorded_at=recorded_at,
                    metadata=metadata,
                    hash_=previous_hash,
                )
            )

        await conn.execute(_INSERT_EVENTS, rows[0] if len(rows) == 1 else rows)
        result = AppendResult(
            stream_id=stream_id,
            first_position=head_position + 1,
            last_position=head_position + len(rows),
            stream_version=version + len(rows),
            recorded_at=recorded_at,
        )
        if idempotency_key is not None:
            await conn.execute(
                _INSERT_KEY,
                {
                    "key": idempotency_key,
                    "stream_id": stream_id,
                    "first_position": result.first_position,
                    "last_position": result.last_position,
                    "stream_version": result.stream_version,
                    "fingerprint": fingerprint,
                    "recorded_at": recorded_at,
                },
            )
        await self._announce(conn, result.last_position)
        return result

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads, with driver errors translated."""
        try:
            async with self._engine.connect() as conn:
                yield conn
        except DBAPIError as error:
            translated = translate(error, self._classify(error))
            if translated is None:
                raise
            raise translated from error
        except OSError as error:
            raise StoreUnavailable(f"the event store cannot be reached: {error}") from error

    async def _stream_version(self, stream_id: str) -> int:
        async with self._reading() as conn:
            return int(
                (
                    await conn.execute(sa.select(_STREAM_VERSION), {"stream_id": stream_id})
                ).scalar_one()
            )
