"""The SQLite backend: one file, WAL journal, appends serialised by ``BEGIN IMMEDIATE``.

``BEGIN IMMEDIATE`` takes SQLite's single write lock when the transaction starts, not at its
first write, so the head read that follows already sits behind the lock and sees the latest
commit (see ``timeline.store.sql.recorder`` for why that keeps the log gapless). WAL lets
readers go on reading while a writer holds the lock; ``busy_timeout`` makes a second writer
wait for the lock instead of failing at once.

Python's ``sqlite3`` (and ``aiosqlite`` above it) decides by itself when to emit ``BEGIN``,
and never emits ``BEGIN IMMEDIATE``. Following SQLAlchemy's documented recipe, the driver's
own transaction control is switched off (``isolation_level = None``) and a ``begin`` event
emits ``BEGIN`` or, on connections marked for writing, ``BEGIN IMMEDIATE``.

The fast path (see ``timeline.store.sql.recorder``) talks to the raw ``aiosqlite``
connection, each call of which is a hop to its thread. One event without an idempotency key
is a single guarded ``INSERT ... SELECT ... WHERE`` in autocommit: a writing statement takes
the write lock as it starts, so its head and version checks see the latest commit, and it
writes nothing unless both hold. Otherwise (a batch, a key, a head that moved) the append
is the usual transaction, ``BEGIN IMMEDIATE`` to ``COMMIT``, in a handful of raw calls.
Reads also use the raw connection and parse the columns themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.errors import ApplicationError, ConcurrencyError
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, RecordedEvent
from timeline.store.sql.failures import Failure
from timeline.store.sql.held_connection import HeldConnection
from timeline.store.sql.recorder import SqlEventStore, appended, replayed
from timeline.store.sql.rows import (
    EMPTY_LOG,
    EncodedEvent,
    Head,
    json_serializer,
    place,
    recorded_event_from_sqlite,
    sqlite_datetime,
    sqlite_datetime_text,
    sqlite_event_rows,
)

BUSY_TIMEOUT_MS = 30_000
_BEGIN_MODE = "timeline_sqlite_begin"
_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")


def create_sqlite_engine(url: str) -> AsyncEngine:
    """An engine on an ``sqlite+aiosqlite`` URL with the pragmas and BEGIN control above."""
    engine = create_async_engine(url, json_serializer=json_serializer)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writing(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, but its transactions start with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})


_COLUMNS = (
    "position, event_id, stream_id, stream_version, event_type, schema_version, "
    "occurred_edtf, occurred_earliest, occurred_latest, reported_edtf, reported_latest, "
    "recorded_at, payload, event_metadata, hash"
)
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join('?' * 15)})"
_INSERT_IF_HEAD = (
    f"INSERT INTO events ({_COLUMNS}) SELECT {', '.join('?' * 15)} "
    "WHERE (SELECT coalesce(max(position), 0) FROM events) = ? "
    # The hash too: a log swapped for another of the same length must not be chained to.
    "AND coalesce((SELECT hash FROM events ORDER BY position DESC LIMIT 1), ?) = ? "
    "AND (SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = ?) = ?"
)
_HEAD_AND_VERSION = (
    "SELECT head.position, head.hash, head.recorded_at, "
    "(SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = ?) "
    "FROM (SELECT 1) LEFT JOIN "
    "(SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1) AS head"
)
_KEY = (
    "SELECT stream_id, first_position, last_position, stream_version, fingerprint, "
    "recorded_at FROM idempotency_keys WHERE key = ?"
)
_INSERT_KEY = (
    "INSERT INTO idempotency_keys (key, stream_id, first_position, last_position, "
    "stream_version, fingerprint, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_READ_AFTER = f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
_READ_STREAM = f"SELECT {_COLUMNS} FROM events WHERE stream_id = ? ORDER BY stream_version"


class SqliteEventStore(SqlEventStore):
    """The event store on one SQLite file."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine, clock)
        self._writer = writing(engine)
        cls = type(self)
        # A subclass hooking into the append's transaction must get that transaction.
        self._fast = (
            cls._write_transaction is SqliteEventStore._write_transaction
            and cls._announce is SqlEventStore._announce
        )
        self._held: HeldConnection[aiosqlite.Connection] = HeldConnection(
            engine, self._keeps_connection
        )

    async def close(self) -> None:
        """Close the connection the fast path keeps, then the pool."""
        await self._held.close()
        await super().close()

    @asynccontextmanager
    async def _raw_connection(self) -> AsyncIterator[Any]:
        """The fast path's connection, kept for this store's appends (``held_connection``):
        one append at a time uses it, and they queue for the file's write lock anyway."""
        async with self._held.driver() as driver:
            yield driver

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
                head = self._head
                if head is not None and idempotency_key is None and len(encoded) == 1:
                    placed = place(
                        encoded, stream_id=stream_id, head=head, version=expected_version, now=now
                    )
                    [row] = sqlite_event_rows(placed)
                    cursor = await driver.execute(
                        _INSERT_IF_HEAD,
                        (
                            *row,
                            head.position,
                            EMPTY_LOG.hash,
                            head.hash,
                            stream_id,
                            expected_version,
                        ),
                    )
                    if cursor.rowcount == 1:
                        self._head = placed.last
                        return appended(placed)
                    # The head moved or the version is not the one expected: ask under the lock.
                return await self._append_in_transaction(
                    driver, stream_id, encoded, expected_version, idempotency_key, fingerprint
                )
            except sqlite3.Error as error:
                raise DBAPIError(None, None, error) from error

    async def _append_in_transaction(
        self,
        driver: aiosqlite.Connection,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> AppendResult:
        """``_append_locked`` on the raw connection, statement for statement."""
        await driver.execute("BEGIN IMMEDIATE")
        try:
            [(position, hash_, recorded_at, version)] = await driver.execute_fetchall(
                _HEAD_AND_VERSION, (stream_id,)
            )
            head = (
                EMPTY_LOG
                if position is None
                else Head(position=position, hash=hash_, recorded_at=sqlite_datetime(recorded_at))
            )
            self._head = head
            if idempotency_key is not None:
                found = list(await driver.execute_fetchall(_KEY, (idempotency_key,)))
                if found:
                    [(key_stream, first, last, key_version, key_fingerprint, key_at)] = found
                    await driver.execute("ROLLBACK")
                    return replayed(
                        idempotency_key,
                        fingerprint,
                        stream_id=key_stream,
                        first_position=first,
                        last_position=last,
                        stream_version=key_version,
                        recorded_at=sqlite_datetime(key_at),
                        found_fingerprint=key_fingerprint,
                    )
            if version != expected_version:
                raise ConcurrencyError(stream_id, expected_version, version)
            placed = place(
                encoded, stream_id=stream_id, head=head, version=version, now=self._now()
            )
            await driver.executemany(_INSERT, sqlite_event_rows(placed))
            result = appended(placed)
            if idempotency_key is not None:
                await driver.execute(
                    _INSERT_KEY,
                    (
                        idempotency_key,
                        stream_id,
                        result.first_position,
                        result.last_position,
                        result.stream_version,
                        fingerprint,
                        sqlite_datetime_text(result.recorded_at),
                    ),
                )
            await driver.execute("COMMIT")
        except BaseException:
            if driver.in_transaction:
                await driver.execute("ROLLBACK")
            raise
        self._head = placed.last
        return result

    def _keeps_connection(self, error: BaseException) -> bool:
        # A refusal (a constraint, a trigger) or an application error leaves the connection
        # as it was: every fast-path transaction is ended before the error leaves it.
        if isinstance(error, DBAPIError):
            return isinstance(error.orig, sqlite3.IntegrityError)
        return isinstance(error, ApplicationError)

    async def _select_after(self, after: int, limit: int) -> list[RecordedEvent]:
        return await self._select(_READ_AFTER, (after, limit))

    async def _select_stream(self, stream_id: str) -> list[RecordedEvent]:
        return await self._select(_READ_STREAM, (stream_id,))

    async def _select(self, statement: str, parameters: tuple[Any, ...]) -> list[RecordedEvent]:
        async with self._reading() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            try:
                rows = await driver.execute_fetchall(statement, parameters)
            except sqlite3.Error as error:
                raise DBAPIError(None, None, error) from error
        return [recorded_event_from_sqlite(row) for row in rows]

    @asynccontextmanager
    async def _write_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._writer.begin() as conn:
            yield conn

    def _classify(self, error: DBAPIError) -> Failure | None:
        return classify_sqlite_error(error)


def classify_sqlite_error(error: DBAPIError) -> Failure | None:
    """Name a SQLite error by its extended result code (``sqlite3`` exposes it by name)."""
    original = error.orig
    name = getattr(original, "sqlite_errorname", "")
    if name == "SQLITE_CONSTRAINT_TRIGGER":
        return Failure.REFUSED
    if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}:
        if "events.event_id" in str(original):
            return Failure.DUPLICATE_EVENT_ID
        return Failure.DUPLICATE_POSITION
    if name == "SQLITE_ERROR" and str(original).startswith("no such table"):
        return Failure.SCHEMA_MISSING
    if name.startswith(_UNAVAILABLE) or error.connection_invalidated:
        # Busy past the timeout, unopenable file, disk I/O: nothing was written.
        return Failure.UNAVAILABLE
    return None
