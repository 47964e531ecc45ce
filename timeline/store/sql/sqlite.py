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
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.ports import Clock
from timeline.store.sql.failures import Failure
from timeline.store.sql.recorder import SqlEventStore
from timeline.store.sql.rows import json_serializer

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


class SqliteEventStore(SqlEventStore):
    """The event store on one SQLite file."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine, clock)
        self._writer = writing(engine)

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
    if name.startswith(_UNAVAILABLE) or error.connection_invalidated:
        # Busy past the timeout, unopenable file, disk I/O: nothing was written.
        return Failure.UNAVAILABLE
    return None
