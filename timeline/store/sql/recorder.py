"""The event store over SQL: what the SQLite and PostgreSQL backends share.

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

The price is one writer at a time. Each backend writes an append in one trip to the
database, so throughput is bounded by that trip and the commit, not by the lock:

* PostgreSQL (``postgres``): one call of ``timeline_append`` (migration 0009), which takes
  the lock, checks, hashes, inserts and NOTIFYs on the server;
* SQLite (``sqlite``): one job on a writer thread of its own, ``BEGIN IMMEDIATE`` to
  ``COMMIT`` on a plain ``sqlite3`` connection, hashing in between.

That is the only append of each backend. The importer (``importer``) is the log's other
way in: it takes the same lock in a transaction of its own (``_write_transaction``).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.errors import ConcurrencyError, IdempotencyConflict
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, EventPage, NewEvent, RecordedEvent
from timeline.store.fingerprints import append_fingerprint
from timeline.store.sql.failures import Failure, classify, translated
from timeline.store.sql.rows import EncodedEvent, encode_events, recorded_event, utc
from timeline.store.sql.tables import events

# The columns in table order: what ``rows.recorded_event`` unpacks.
COLUMNS = (
    "position, event_id, stream_id, stream_version, event_type, schema_version, "
    "occurred_edtf, occurred_earliest, occurred_latest, reported_edtf, reported_latest, "
    "recorded_at, payload, event_metadata, hash"
)
_STREAM_VERSION = sa.select(sa.func.coalesce(sa.func.max(events.c.stream_version), 0)).where(
    events.c.stream_id == sa.bindparam("stream_id")
)
_HEAD = "SELECT coalesce(max(position), 0) FROM events"


def page_statement(columns: str, after: str, limit: str) -> str:
    """The head, then up to ``limit`` events after position ``after`` in order, in one
    statement (one snapshot): a row of the head and an event's ``columns`` each, or one row
    of the head and NULLs when no event follows. ``after`` and ``limit`` are the driver's
    parameters."""
    return (
        f"SELECT head.*, page.* FROM ({_HEAD}) AS head "
        f"LEFT JOIN (SELECT {columns} FROM events WHERE position > {after} "
        f"ORDER BY position LIMIT {limit}) AS page ON true ORDER BY page.position"
    )


class SqlEventStore(abc.ABC):
    """The ``EventStore`` port over an async SQLAlchemy engine; subclassed per backend.

    The engine is shared with the process's other stores (``timeline.bootstrap``) and is
    not this store's to dispose, unless it was opened for this store alone (``owns_engine``,
    ``timeline.store.factory.open_event_store``)."""

    _READ_AFTER: str
    """Up to $2 events after position $1, in order (in the driver's parameter style)."""
    _READ_STREAM: str
    """The events of stream $1, in version order."""
    _READ_PAGE: str
    """``page_statement`` in the driver's parameter style."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self._owns_engine = owns_engine
        self._fetching: set[asyncio.Task[list[RecordedEvent]]] = set()
        """``read_all``'s fetches ahead in flight: a reader left unfinished (``verify``
        stops at the first broken link) must not leave one to outlive the store."""

    # -- what a backend provides ------------------------------------------------------

    @abc.abstractmethod
    async def _append(
        self,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
        now: dt.datetime,
    ) -> AppendResult:
        """The append, in one trip: checked, chained and committed, or nothing written."""

    @abc.abstractmethod
    async def _fetch(
        self, conn: AsyncConnection, statement: str, *arguments: Any
    ) -> Sequence[Sequence[Any]]:
        """The rows of ``statement`` on the raw driver connection under ``conn``."""

    @abc.abstractmethod
    def _write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction holding the global append lock until it ends (the importer's)."""

    async def _announce(self, conn: AsyncConnection, last_position: int) -> None:
        """Tell listeners, inside a ``_write_transaction``, that the head moved.

        By default nobody is told: readers poll ``read_all`` from their position."""
        return None

    async def _close_writer(self) -> None:
        """Let go of whatever the backend keeps for its appends."""
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
        now = self._clock.now()
        if now.tzinfo is None:
            raise ValueError("the clock must tell a timezone-aware time")
        fingerprint = append_fingerprint(stream_id, events) if idempotency_key else None
        encoded = encode_events(
            events,
            stream_id=stream_id,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
        async with translated():
            try:
                return await self._append(
                    stream_id, encoded, expected_version, idempotency_key, fingerprint, now
                )
            except DBAPIError as error:
                if classify(error) is not Failure.DUPLICATE_POSITION:
                    raise
                # Only a writer bypassing the lock can take a position or version first.
                actual = await self._stream_version(stream_id)
                raise ConcurrencyError(stream_id, expected_version, actual) from error

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        """Every event of one stream in version order (empty for an unknown stream)."""
        return await self._select(self._READ_STREAM, stream_id)

    async def read_all(
        self, *, after_position: int = 0, batch_size: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        """The log after ``after_position`` in global order, in keyset batches.

        No connection is held while the caller consumes a batch, so a slow or abandoned
        consumer pins nothing in the pool and memory stays at two batches. A caller back
        for a second batch reads in bulk (a rebuild, an export, ``verify``): from then on
        the next batch is fetched while it works on this one, so the database's part of a
        fetch overlaps ours. A caller that takes one batch and stops (a page, the head's
        event) costs one statement, as before.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        batch = await self._select(self._READ_AFTER, after_position, batch_size)
        bulk = False  # the caller came back for a second batch
        while True:
            upcoming: asyncio.Task[list[RecordedEvent]] | None = None
            if len(batch) == batch_size and bulk:
                upcoming = asyncio.create_task(
                    self._select(self._READ_AFTER, batch[-1].position, batch_size)
                )
                self._fetching.add(upcoming)
                upcoming.add_done_callback(self._fetched)
                await asyncio.sleep(0)  # let it send its statement before the caller works
            try:
                for event in batch:
                    yield event
            except BaseException:
                if upcoming is not None:
                    # Stopped early: the fetch in flight ends rather than being cancelled
                    # half way through a driver call, and its rows go unread.
                    with contextlib.suppress(Exception):
                        await upcoming
                raise
            if len(batch) < batch_size:
                return
            bulk = True
            if upcoming is None:
                batch = await self._select(self._READ_AFTER, batch[-1].position, batch_size)
            else:
                batch = await upcoming

    async def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        # On the driver, as the log is read: through SQLAlchemy, PostgreSQL's read was a
        # BEGIN, the statement and a ROLLBACK, three round trips, and the projector asks
        # before every batch.
        async with self._reading() as conn:
            rows = await self._fetch(conn, _HEAD)
        return int(rows[0][0])

    async def read_page(self, *, after_position: int, limit: int) -> EventPage:
        """Up to ``limit`` events after ``after_position`` and the head, in one statement:
        a page of the log read as ``head_position`` and then ``read_all`` took two
        connections and two round trips (about a third of the API's CPU for the log's page
        of five), and its head could fall behind the page's last event."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        async with self._reading() as conn:
            rows = await self._fetch(conn, self._READ_PAGE, after_position, limit)
        events = tuple(recorded_event(row[1:]) for row in rows if row[1] is not None)
        return EventPage(events=events, head=int(rows[0][0]))

    async def close(self) -> None:
        """Let go of the append's connection (and the engine, if this store owns it)."""
        await asyncio.gather(*self._fetching, return_exceptions=True)
        await self._close_writer()
        if self._owns_engine:
            await self._engine.dispose()

    # -- internals --------------------------------------------------------------------

    def _fetched(self, fetch: asyncio.Task[list[RecordedEvent]]) -> None:
        self._fetching.discard(fetch)
        if not fetch.cancelled():
            fetch.exception()  # seen here: a reader that left may never await it

    async def _select(self, statement: str, *arguments: Any) -> list[RecordedEvent]:
        async with self._reading() as conn:
            rows = await self._fetch(conn, statement, *arguments)
        return [recorded_event(row) for row in rows]

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection for reads, with driver errors translated."""
        async with translated(), self._engine.connect() as conn:
            yield conn

    async def _stream_version(self, stream_id: str) -> int:
        async with self._reading() as conn:
            found = await conn.execute(_STREAM_VERSION, {"stream_id": stream_id})
            return int(found.scalar_one())


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
