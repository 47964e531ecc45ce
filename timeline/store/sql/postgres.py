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
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.ports import Clock
from timeline.store.sql.failures import Failure
from timeline.store.sql.recorder import SqlEventStore
from timeline.store.sql.rows import json_serializer

APPEND_LOCK_KEY = 0x74696D656C696E65
"""The advisory lock key every append takes: the ASCII bytes of "timeline" as a bigint."""

NOTIFY_CHANNEL = "timeline_events"
"""The channel on which each append announces its last position."""

_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.literal(APPEND_LOCK_KEY, sa.BigInteger)))
_NOTIFY = sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, sa.bindparam("position", type_=sa.Text)))

# SQLSTATE classes and codes that mean "the server is not there or not taking work".
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNIQUE_VIOLATION = "23505"
_RESTRICT_VIOLATION = "23001"  # raised by the immutability triggers of the migration


def create_postgres_engine(url: str) -> AsyncEngine:
    """An engine on a ``postgresql+asyncpg`` URL, pinned to READ COMMITTED (see above)."""
    return create_async_engine(
        url, json_serializer=json_serializer, isolation_level="READ COMMITTED"
    )


class PostgresEventStore(SqlEventStore):
    """The event store on a PostgreSQL database."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__(engine, clock)

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
    if (
        sqlstate.startswith(_UNAVAILABLE_CLASSES)
        or error.connection_invalidated
        or (not sqlstate and isinstance(error, InterfaceError | OperationalError))
    ):
        return Failure.UNAVAILABLE
    return None
