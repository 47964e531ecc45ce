"""The SQLite backend: one file, WAL journal, an append is one job on a writer thread.

``BEGIN IMMEDIATE`` takes SQLite's single write lock when the transaction starts, not at its
first write, so the head read that follows already sits behind the lock and sees the latest
commit (see ``timeline.store.sql.recorder`` for why that keeps the log gapless). WAL lets
readers go on reading while a writer holds the lock; ``busy_timeout`` makes a second writer
(another process) wait for the lock instead of failing at once.

Each store appends on one plain ``sqlite3`` connection of its own, on a thread of its own
(``SqliteWriter``): an append is one hop to that thread, which runs the whole transaction,
``BEGIN IMMEDIATE``, head and version, key, hashes, inserts, ``COMMIT``, and one hop back.
Through aiosqlite each of those statements would be a hop of its own. A job always ends its
transaction before it returns, even when the caller has stopped waiting for it, so the
connection is never left inside one.

Reads, the importer and the read models use the engine's pool (aiosqlite). Python's
``sqlite3`` decides by itself when to emit ``BEGIN``, and never emits ``BEGIN IMMEDIATE``:
following SQLAlchemy's documented recipe, the driver's own transaction control is switched
off (``isolation_level = None``) and a ``begin`` event emits ``BEGIN`` or, on connections
marked for writing (``writing``), ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.errors import ConcurrencyError
from timeline.application.ports import Clock
from timeline.application.records import AppendResult
from timeline.store.sql.recorder import COLUMNS, SqlEventStore, page_statement, replayed
from timeline.store.sql.rows import (
    EMPTY_LOG,
    EncodedEvent,
    Head,
    json_serializer,
    sqlite_datetime,
    sqlite_datetime_text,
    sqlite_event_rows,
)
from timeline.store.sql.sqlite_writer import SqliteWriter

BUSY_TIMEOUT_MS = 30_000
_BEGIN_MODE = "timeline_sqlite_begin"
_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
)


def create_sqlite_engine(url: str) -> AsyncEngine:
    """An engine on an ``sqlite+aiosqlite`` URL with the pragmas and BEGIN control above."""
    engine = create_async_engine(url, json_serializer=json_serializer)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


async def driver_rows(
    driver: aiosqlite.Connection, statement: str, arguments: Sequence[Any]
) -> list[Sequence[Any]]:
    """``statement``'s rows on aiosqlite's own connection, in one hop to its thread and
    back (through SQLAlchemy's cursor, opening it, executing, fetching and closing are a
    hop each); a driver error is raised as SQLAlchemy would raise it."""
    try:
        return list(await driver.execute_fetchall(statement, arguments))
    except sqlite3.Error as error:
        raise DBAPIError(None, None, error) from error


async def fetch_on_driver(
    conn: AsyncConnection, statement: str, arguments: Sequence[Any]
) -> list[Sequence[Any]]:
    """``driver_rows`` on the aiosqlite connection under ``conn``."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return await driver_rows(driver, statement, arguments)


def writing(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, but its transactions start with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})


_INSERT = f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 15)})"
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


class SqliteEventStore(SqlEventStore):
    """The event store on one SQLite file."""

    _READ_AFTER = f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
    _READ_STREAM = f"SELECT {COLUMNS} FROM events WHERE stream_id = ? ORDER BY stream_version"
    _READ_PAGE = page_statement(COLUMNS, "?", "?")

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        super().__init__(engine, clock, owns_engine=owns_engine)
        path = engine.url.database
        assert path is not None, "factory.normalise_database_url refuses in-memory databases"
        self._writer = SqliteWriter(path, _PRAGMAS)

    async def _append(
        self,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
        now: dt.datetime,
    ) -> AppendResult:
        def job(connection: sqlite3.Connection) -> AppendResult:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = _append_locked(
                    connection,
                    stream_id,
                    encoded,
                    expected_version,
                    idempotency_key,
                    fingerprint,
                    now,
                )
            except BaseException:
                if connection.in_transaction:  # some errors end it themselves
                    connection.execute("ROLLBACK")
                raise
            connection.execute("ROLLBACK" if result.replayed else "COMMIT")
            return result

        return await self._writer.run(job, pages=_pages(encoded))

    async def _close_writer(self) -> None:
        await self._writer.close()

    async def _fetch(
        self, conn: AsyncConnection, statement: str, *arguments: Any
    ) -> Sequence[Sequence[Any]]:
        return await fetch_on_driver(conn, statement, arguments)

    @asynccontextmanager
    async def _write_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with writing(self._engine).begin() as conn:
            yield conn


def _pages(encoded: Sequence[EncodedEvent]) -> int:
    """About how many WAL pages an append writes, erring high: its rows' text, a leaf of
    the event ids' index for every event (the ids are random, so in a large log each lands
    on a leaf of its own), and the other leaves and pages a commit touches. A single event
    wrote 4-6 pages of 4 KiB, a batch of 1,000 corpus events 336-350 into a small log."""
    text = sum(len(item.before) + len(item.payload_text) + len(item.tail) for item in encoded)
    return 6 + (text + 4096 * len(encoded)) // 4096


def _append_locked(
    connection: sqlite3.Connection,
    stream_id: str,
    encoded: Sequence[EncodedEvent],
    expected_version: int,
    idempotency_key: str | None,
    fingerprint: str | None,
    now: dt.datetime,
) -> AppendResult:
    """The append inside ``BEGIN IMMEDIATE``, on the writer thread."""
    [(position, hash_, recorded_at, version)] = connection.execute(
        _HEAD_AND_VERSION, (stream_id,)
    ).fetchall()
    head = (
        EMPTY_LOG
        if position is None
        else Head(position=position, hash=hash_, recorded_at=sqlite_datetime(recorded_at))
    )
    # The key is answered before the version is checked: a retry of an append that
    # committed must get its result back, although the stream has moved on since.
    if idempotency_key is not None:
        found = connection.execute(_KEY, (idempotency_key,)).fetchone()
        if found is not None:
            key_stream, first, last, key_version, key_fingerprint, key_at = found
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
    rows, recorded_at = sqlite_event_rows(
        encoded, stream_id=stream_id, head=head, version=version, now=now
    )
    if len(rows) == 1:
        connection.execute(_INSERT, rows[0])
    else:
        connection.executemany(_INSERT, rows)
    result = AppendResult(
        stream_id=stream_id,
        first_position=head.position + 1,
        last_position=head.position + len(rows),
        stream_version=version + len(rows),
        recorded_at=recorded_at,
    )
    if idempotency_key is not None:
        connection.execute(
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
    return result
