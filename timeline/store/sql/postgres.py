"""The PostgreSQL backend: appends serialised by a transaction-scoped advisory lock.

``pg_advisory_xact_lock`` is released only when the transaction has ended, after its
commit became visible to new snapshots. Appends run at READ COMMITTED, where every statement
takes a fresh snapshot, so the head read that follows the lock sees the previous append's
commit. Both facts together give the recorder's guarantee (see
``timeline.store.sql.recorder``): positions are handed out in commit order and without gaps,
so a tailing reader can never miss an event that commits later with a lower position.
REPEATABLE READ would break this (its snapshot would be taken by the lock statement, before
the lock was granted), hence the isolation level is pinned on the engine.

Each append also sends ``NOTIFY timeline_events, '<last position>'`` in its transaction;
PostgreSQL delivers it on commit only, so listeners can wake up and ``read_all`` from their
checkpoint instead of polling.

The fast path (see ``timeline.store.sql.recorder``) is one call of ``timeline_append``
(migration 0004) on the raw asyncpg connection, outside any explicit transaction: the call
is its own transaction, so an append costs one round trip instead of six. The function
does all of the above itself, pinned to READ COMMITTED. Reads also go to asyncpg directly,
with the JSON columns fetched as text and parsed once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.errors import ApplicationError, ConcurrencyError
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, RecordedEvent
from timeline.store.sql.failures import Failure
from timeline.store.sql.recorder import SqlEventStore, appended, replayed
from timeline.store.sql.rows import (
    EMPTY_LOG,
    EncodedEvent,
    Head,
    Placed,
    json_serializer,
    place,
    recorded_event_from_text,
    utc,
)

APPEND_LOCK_KEY = 0x74696D656C696E65
"""The advisory lock key every append takes: the ASCII bytes of "timeline" as a bigint."""

NOTIFY_CHANNEL = "timeline_events"
"""The channel on which each append announces its last position."""

_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.literal(APPEND_LOCK_KEY, sa.BigInteger)))
_NOTIFY = sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, sa.bindparam("position", type_=sa.Text)))

# SQLSTATE classes and codes that mean "the server is not there or not taking work".
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNIQUE_VIOLATION = "23505"
_UNDEFINED_TABLE = "42P01"
_RESTRICT_VIOLATION = "23001"  # raised by the immutability triggers of the migration
# What the raw driver raises: refusals by the server, and failures of the client side
# (a closed connection, a protocol left mid-operation) that ``_wrapped`` names.
DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)


def create_postgres_engine(url: str) -> AsyncEngine:
    """An engine on a ``postgresql+asyncpg`` URL, pinned to READ COMMITTED (see above),
    whose pool never hands out a connection the server has closed."""
    engine = create_async_engine(
        url, json_serializer=json_serializer, isolation_level="READ COMMITTED"
    )
    sa.event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make the pool replace a connection the server closed while it sat idle (a restart,
    ``pg_terminate_backend``), instead of failing the first call made on it. asyncpg knows
    without a round trip, unlike a pre-ping, which would cost one on every checkout of the
    append path."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


_APPEND = "SELECT * FROM timeline_append(" + ", ".join(f"${n}" for n in range(1, 19)) + ")"
# Past this many stale answers in a row (other writers keep moving the head), the append
# takes the transaction, which waits for the lock instead of racing for it.
_ATTEMPTS = 3
_COLUMNS = (
    "position, event_id, stream_id, stream_version, event_type, schema_version, "
    "occurred_edtf, occurred_earliest, occurred_latest, reported_edtf, reported_latest, "
    "recorded_at, payload::text, event_metadata::text, hash"
)
_READ_AFTER = f"SELECT {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
_READ_STREAM = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version"


class PostgresEventStore(SqlEventStore):
    """The event store on a PostgreSQL database."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine, clock)
        cls = type(self)
        # A subclass hooking into the append's transaction must get that transaction.
        self._fast = (
            cls._write_transaction is PostgresEventStore._write_transaction
            and cls._announce is PostgresEventStore._announce
        )

    async def _append_fast(
        self,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> AppendResult | None:
        if not self._fast:
            return None
        now = self._clock.now()
        if now.tzinfo is None:
            return None  # the transaction refuses it, after the checks that come first
        async with self._raw_connection() as driver:
            try:
                for _ in range(_ATTEMPTS):
                    head = self._head
                    placed = None
                    if head is not None:
                        placed = place(
                            encoded,
                            stream_id=stream_id,
                            head=head,
                            version=expected_version,
                            now=now,
                        )
                    row = await driver.fetchrow(
                        _APPEND,
                        *_arguments(
                            stream_id, expected_version, idempotency_key, fingerprint, placed
                        ),
                    )
                    outcome = row[0]
                    if outcome == "appended" and placed is not None:
                        self._head = placed.last
                        return appended(placed)
                    if outcome == "stale":
                        self._head = Head(
                            position=row[1],
                            hash=row[2] or EMPTY_LOG.hash,
                            recorded_at=None if row[3] is None else utc(row[3]),
                        )
                        continue
                    if outcome == "conflict":
                        raise ConcurrencyError(stream_id, expected_version, row[4])
                    if outcome == "replayed":
                        assert idempotency_key is not None
                        return replayed(
                            idempotency_key,
                            fingerprint,
                            stream_id=row[5],
                            first_position=row[6],
                            last_position=row[1],
                            stream_version=row[4],
                            recorded_at=row[3],
                            found_fingerprint=row[7],
                        )
                    self._fast = False  # "isolation": this server does not default to it
                    return None
            except asyncpg.UndefinedFunctionError:
                self._fast = False  # not migrated to 0004 yet: the transaction still works
                return None
            except DRIVER_ERRORS as error:
                raise _wrapped(error, driver) from error
        return None

    def _keeps_connection(self, error: BaseException) -> bool:
        # The database refused the statement (a duplicate event id, say) or the store
        # answered with an application error: the connection itself is fine.
        if isinstance(error, DBAPIError):
            return not error.connection_invalidated
        return isinstance(error, ApplicationError | asyncpg.PostgresError)

    async def _select_after(self, after: int, limit: int) -> list[RecordedEvent]:
        async with self._reading() as conn:
            rows = await _fetch(conn, _READ_AFTER, after, limit)
        return [recorded_event_from_text(row) for row in rows]

    async def _select_stream(self, stream_id: str) -> list[RecordedEvent]:
        async with self._reading() as conn:
            rows = await _fetch(conn, _READ_STREAM, stream_id)
        return [recorded_event_from_text(row) for row in rows]

    @asynccontextmanager
    async def _write_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.begin() as conn:
            await conn.execute(_LOCK)
            yield conn

    async def _announce(self, conn: AsyncConnection, last_position: int) -> None:
        await conn.execute(_NOTIFY, {"position": str(last_position)})

    def _classify(self, error: DBAPIError) -> Failure | None:
        return classify_postgres_error(error)


def classify_postgres_error(error: DBAPIError) -> Failure | None:
    """Name a PostgreSQL error by its SQLSTATE (and, for unique keys, the constraint)."""
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if sqlstate == _UNIQUE_VIOLATION:
        if "uq_events_event_id" in str(error.orig):
            return Failure.DUPLICATE_EVENT_ID
        return Failure.DUPLICATE_POSITION
    if sqlstate == _RESTRICT_VIOLATION:
        return Failure.REFUSED
    if sqlstate == _UNDEFINED_TABLE:
        return Failure.SCHEMA_MISSING
    if (
        sqlstate.startswith(_UNAVAILABLE_CLASSES)
        or error.connection_invalidated
        or (not sqlstate and isinstance(error, InterfaceError | OperationalError))
    ):
        return Failure.UNAVAILABLE
    return None


def _arguments(
    stream_id: str,
    expected_version: int,
    key: str | None,
    fingerprint: str | None,
    placed: Placed | None,
) -> tuple[Any, ...]:
    """``timeline_append``'s arguments; without ``placed``, a probe that only checks and
    answers with the head (it can never match -1)."""
    if placed is None:
        return (stream_id, expected_version, -1, None, key, fingerprint, None, *([None] * 11))
    events = [item.event for item in placed.events]
    occurred = [event.occurred for event in events]
    reported = [event.reported for event in events]
    return (
        stream_id,
        expected_version,
        placed.head.position,
        placed.head.hash,
        key,
        fingerprint,
        placed.recorded_at,
        [event.event_id for event in events],
        [event.event_type for event in events],
        [event.schema_version for event in events],
        [None if o is None else o.edtf for o in occurred],
        [None if o is None else o.earliest for o in occurred],
        [None if o is None else o.latest for o in occurred],
        [None if r is None else r.edtf for r in reported],
        [None if r is None else r.latest for r in reported],
        [item.payload_column for item in placed.events],
        [item.metadata_text for item in placed.events],
        placed.hashes,
    )


async def _fetch(conn: AsyncConnection, statement: str, *arguments: Any) -> list[Any]:
    """The rows of ``statement`` on the raw asyncpg connection under ``conn``."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    try:
        rows: list[Any] = await driver.fetch(statement, *arguments)
    except DRIVER_ERRORS as error:
        wrapped = _wrapped(error, driver)
        if wrapped.connection_invalidated:
            await conn.invalidate()
        raise wrapped from error
    except OSError:
        await conn.invalidate()
        raise
    return rows


def _wrapped(error: Exception, driver: Any = None) -> DBAPIError:
    """``error`` from the raw driver as SQLAlchemy would have raised it, so that the store
    classifies it as any other.

    It is marked ``connection_invalidated`` whenever the connection cannot be used again:
    the server closed it (SQLSTATE class 08, or 57P: shut down, terminated, starting up),
    asyncpg saw it close, or asyncpg's protocol was left mid-operation. Such a connection
    must leave the pool, and the store reports the database as unavailable; returned to
    the pool, it would fail every later call with "connection is closed"."""
    sqlstate = getattr(error, "sqlstate", "") or ""
    invalidated = (
        isinstance(error, asyncpg.ConnectionDoesNotExistError | asyncpg.InternalClientError)
        or sqlstate.startswith(("08", "57P"))
        or (driver is not None and driver.is_closed())
    )
    return DBAPIError(None, None, error, connection_invalidated=invalidated)
