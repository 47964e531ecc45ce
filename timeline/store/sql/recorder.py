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

The fast path
-------------
Each backend may also answer an append in one statement on the raw driver connection
(``_append_fast``), without SQLAlchemy's per-statement work and round trips. It still takes
the lock, reads the head under it and checks the stream's version, all inside the one
statement; what it cannot do there is hash, so the store remembers the head its last append
left (``_head``), hashes against it, and the statement refuses to write when the head has
moved since. The store then learns the new head and tries again, or falls back to the
transaction above, which always makes progress. A subclass that hooks into that transaction
(``_write_transaction``, ``_announce``) gets the transaction every time.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from timeline.application.errors import ConcurrencyError, IdempotencyConflict, StoreUnavailable
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, NewEvent, RecordedEvent
from timeline.store.fingerprints import append_fingerprint
from timeline.store.sql.failures import Failure, translate
from timeline.store.sql.rows import (
    EMPTY_LOG,
    EVENT_COLUMNS,
    EncodedEvent,
    Head,
    Placed,
    encode_events,
    event_row,
    place,
    recorded_event,
    utc,
)
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
        self._head: Head | None = None
        """The head the last append of this store left (or found), for the fast path."""

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

    async def _append_fast(
        self,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> AppendResult | None:
        """The append in one statement, or None to have it done in ``_write_transaction``.

        By default there is no fast path."""
        return None

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
        encoded = encode_events(events, idempotency_key)
        try:
            fast = await self._append_fast(
                stream_id, encoded, expected_version, idempotency_key, fingerprint
            )
            if fast is not None:
                return fast
            async with self._write_transaction() as conn:
                result, head = await self._append_locked(
                    conn, stream_id, encoded, expected_version, idempotency_key, fingerprint
                )
            self._head = head  # committed
            return result
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
        return await self._select_stream(stream_id)

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
            batch = await self._select_after(position, batch_size)
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
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> tuple[AppendResult, Head]:
        """The append inside ``_write_transaction``; the result and the head it leaves."""
        row = (await conn.execute(_HEAD_AND_VERSION, {"stream_id": stream_id})).first()
        if row is None:
            head, version = EMPTY_LOG, 0
        else:
            head = Head(position=row[0], hash=row[1], recorded_at=utc(row[2]))
            version = row[3]

        # The key is answered before the version is checked: a retry of an append that
        # committed must get its result back, although the stream has moved on since.
        if idempotency_key is not None:
            original = (await conn.execute(_IDEMPOTENCY, {"key": idempotency_key})).first()
            if original is not None:
                return replayed(
                    idempotency_key,
                    fingerprint,
                    stream_id=original.stream_id,
                    first_position=original.first_position,
                    last_position=original.last_position,
                    stream_version=original.stream_version,
                    recorded_at=original.recorded_at,
                    found_fingerprint=original.fingerprint,
                ), head
        if version != expected_version:
            raise ConcurrencyError(stream_id, expected_version, version)

        placed = place(encoded, stream_id=stream_id, head=head, version=version, now=self._now())
        rows = [
            event_row(
                item.event,
                position=head.position + offset,
                stream_id=stream_id,
                stream_version=version + offset,
                recorded_at=placed.recorded_at,
                metadata=item.metadata,
                hash_=hash_,
            )
            for offset, (item, hash_) in enumerate(zip(encoded, placed.hashes, strict=True), 1)
        ]
        await conn.execute(_INSERT_EVENTS, rows[0] if len(rows) == 1 else rows)
        result = appended(placed)
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
                    "recorded_at": result.recorded_at,
                },
            )
        await self._announce(conn, result.last_position)
        return result, placed.last

    @asynccontextmanager
    async def _raw_connection(self) -> AsyncIterator[Any]:
        """The raw driver connection of a pooled connection, for the fast path.

        Checked out of the pool directly rather than through an ``AsyncConnection``, which
        would cost the append twice the CPU for nothing it uses. When the block fails with
        anything but a refusal the connection survives (``_keeps_connection``), the
        connection is invalidated, not returned to the pool."""
        engine = self._engine.sync_engine
        try:
            pooled = await greenlet_spawn(engine.raw_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # Unlike Engine.connect, raw_connection leaves a failure to connect as the
            # driver's own error ("the database system is shutting down" answered
            # INTERNAL): wrap it as SQLAlchemy would, so append classifies it.
            raise DBAPIError.instance(
                None, None, error, engine.dialect.loaded_dbapi.Error, dialect=engine.dialect
            ) from error
        try:
            yield pooled.driver_connection
        except BaseException as error:
            if not self._keeps_connection(error):
                await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)

    def _keeps_connection(self, error: BaseException) -> bool:
        """Whether a connection is still fit for use after ``error`` on the fast path."""
        return False

    async def _select_after(self, after: int, limit: int) -> list[RecordedEvent]:
        """Up to ``limit`` events after position ``after``, in order; backends may read
        them more cheaply than through SQLAlchemy."""
        async with self._reading() as conn:
            result = await conn.execute(_READ_AFTER, {"after": after, "limit": limit})
            return [recorded_event(row) for row in result.all()]

    async def _select_stream(self, stream_id: str) -> list[RecordedEvent]:
        async with self._reading() as conn:
            result = await conn.execute(_READ_STREAM, {"stream_id": stream_id})
            return [recorded_event(row) for row in result.all()]

    def _now(self) -> dt.datetime:
        now = self._clock.now()
        if now.tzinfo is None:
            raise ValueError("the clock must tell a timezone-aware time")
        return now

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


def appended(placed: Placed) -> AppendResult:
    """The result of writing ``placed``."""
    return AppendResult(
        stream_id=placed.stream_id,
        first_position=placed.head.position + 1,
        last_position=placed.head.position + len(placed.events),
        stream_version=placed.version + len(placed.events),
        recorded_at=placed.recorded_at,
    )


def replayed(
    key: str,
    fingerprint: str | None,
    *,
    stream_id: str,
    first_position: int,
    last_position: int,
    stream_version: int,
    recorded_at: dt.datetime,
    found_fingerprint: str,
) -> AppendResult:
    """The original result of the append stored under ``key``, if it said the same."""
    if found_fingerprint != fingerprint:
        raise IdempotencyConflict(key)
    return AppendResult(
        stream_id=stream_id,
        first_position=first_position,
        last_position=last_position,
        stream_version=stream_version,
        recorded_at=utc(recorded_at),
        replayed=True,
    )
