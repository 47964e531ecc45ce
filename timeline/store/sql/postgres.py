"""The PostgreSQL backend: an append is one call of ``timeline_append``.

The function (migration 0009) does on the server, in the call's own transaction, all that
an append is (see ``timeline.store.sql.recorder``): it takes ``pg_advisory_xact_lock``,
answers an idempotency key already used, checks the stream's version, reads the head,
hashes each event against the one before (``sha256()``; the caller sends each event's
canonical content around the position and time, which only the head decides), inserts the
events and the key, and sends ``NOTIFY timeline_events, '<last position>'``, which
PostgreSQL delivers on commit only, so listeners can wake up and ``read_all`` from their
checkpoint instead of polling. One round trip, whatever other processes write meanwhile.
Around its insert the function runs only the queries it must (the version, the head, and
the key's when there is one), and builds the events' rows in the loop that hashes them, so
that the insert reads one array of rows (migrations 0021 and 0023): each query a PL/pgSQL
function runs starts an executor of its own, and each expression it evaluates is set up
again in every transaction. Its answer is one value of the row type
``timeline_append_result``, the call's one column (``SELECT timeline_append(...)``: ``SELECT
* FROM`` would add a function scan and a tuple store).

The advisory lock is released only when the transaction has ended, after its commit became
visible to new snapshots. At READ COMMITTED every statement takes a fresh snapshot, so the
head read that follows the lock sees the previous append's commit; REPEATABLE READ would
break this (its snapshot would be taken before the lock was granted), hence the engine pins
every session to READ COMMITTED and the function refuses to run at any other level.

The call goes over one connection the store keeps (``held_connection``): appends queue for
the lock anyway, and a pool checkout per append would cost more than the call. Reads go to
asyncpg directly too, with the JSON columns fetched as text and parsed once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from timeline.application.chain import head_with_payload
from timeline.application.errors import ApplicationError, ConcurrencyError
from timeline.application.ports import Clock
from timeline.application.records import AppendResult, NewEvent
from timeline.store.sql.failures import ASYNCPG_ERRORS, wrapped
from timeline.store.sql.held_connection import HeldConnection
from timeline.store.sql.recorder import COLUMNS, SqlEventStore, page_statement, replayed
from timeline.store.sql.rows import EncodedEvent, json_serializer, utc

APPEND_LOCK_KEY = 0x74696D656C696E65
"""The advisory lock key every append takes: the ASCII bytes of "timeline" as a bigint."""

NOTIFY_CHANNEL = "timeline_events"
"""The channel on which each append announces its last position."""

PROJECTED_CHANNEL = "timeline_projected"
"""The channel on which every committed move of the read models' checkpoints announces the
least position it wrote: a trigger on ``projection_checkpoints`` (migration 0024), so the
batch's own commit wakes the readers waiting for it."""

_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.literal(APPEND_LOCK_KEY, sa.BigInteger)))
_NOTIFY = sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, sa.bindparam("position", type_=sa.Text)))
_APPEND = "SELECT timeline_append(" + ", ".join(f"${n}" for n in range(1, 8)) + ")"
_TEXT_COLUMNS = COLUMNS.replace("payload, event_metadata", "payload::text, event_metadata::text")


def create_postgres_engine(url: str) -> AsyncEngine:
    """An engine on a ``postgresql+asyncpg`` URL, pinned to READ COMMITTED (see above),
    whose pool never hands out a connection the server has closed."""
    engine = create_async_engine(
        url,
        json_serializer=json_serializer,
        isolation_level="READ COMMITTED",
        # One engine serves every store of a process (timeline.bootstrap), where four used
        # to have 5 + 10 each; three connections of it are kept (the append's, the read
        # models' position check, the LISTEN), so the pool is sized for the rest.
        pool_size=10,
        max_overflow=20,
        # The level of the statements run outside SQLAlchemy's transactions, as appends are.
        connect_args={"server_settings": {"default_transaction_isolation": "read committed"}},
    )
    sa.event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make the pool replace a connection the server closed while it sat idle (a restart,
    ``pg_terminate_backend``), instead of failing the first call made on it. asyncpg knows
    without a round trip, unlike a pre-ping, which would cost one on every checkout."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


class PostgresEventStore(SqlEventStore):
    """The event store on a PostgreSQL database."""

    _READ_AFTER = (
        f"SELECT {_TEXT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
    )
    _READ_STREAM = (
        f"SELECT {_TEXT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version"
    )
    _READ_PAGE = page_statement(_TEXT_COLUMNS, "$1", "$2")

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        super().__init__(engine, clock, owns_engine=owns_engine)
        self._writer: HeldConnection[asyncpg.Connection] = HeldConnection(
            engine, _keeps_connection, closed=lambda driver: driver.is_closed()
        )

    async def _append(
        self,
        stream_id: str,
        encoded: Sequence[EncodedEvent],
        expected_version: int,
        idempotency_key: str | None,
        fingerprint: str | None,
        now: dt.datetime,
    ) -> AppendResult:
        arguments = _arguments(
            stream_id, encoded, expected_version, idempotency_key, fingerprint, now
        )
        async with self._writer.driver() as driver:
            try:
                answer = await driver.fetchval(_APPEND, *arguments)
            except ASYNCPG_ERRORS as error:
                raise wrapped(error, closed=driver.is_closed()) from error
        outcome, first, last, recorded_at, version, found_stream, found_fingerprint = answer
        if outcome == "appended":
            return AppendResult(
                stream_id=stream_id,
                first_position=first,
                last_position=last,
                stream_version=version,
                recorded_at=utc(recorded_at),
            )
        if outcome == "conflict":
            raise ConcurrencyError(stream_id, expected_version, version)
        assert outcome == "replayed", outcome
        assert idempotency_key is not None
        return replayed(
            idempotency_key,
            fingerprint,
            stream_id=found_stream,
            first_position=first,
            last_position=last,
            stream_version=version,
            recorded_at=recorded_at,
            found_fingerprint=found_fingerprint,
        )

    async def _close_writer(self) -> None:
        await self._writer.close()

    async def _fetch(
        self, conn: AsyncConnection, statement: str, *arguments: Any
    ) -> Sequence[Sequence[Any]]:
        return await fetch_on_driver(conn, statement, arguments)

    @asynccontextmanager
    async def _write_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.begin() as conn:
            await conn.execute(_LOCK)
            yield conn

    async def _announce(self, conn: AsyncConnection, last_position: int) -> None:
        await conn.execute(_NOTIFY, {"position": str(last_position)})


async def fetch_on_driver(
    conn: AsyncConnection, statement: str, arguments: Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """``statement``'s rows on the asyncpg connection under ``conn``, its driver errors as
    SQLAlchemy's (a broken connection invalidated, so the pool never hands it out again).

    Outside SQLAlchemy's transaction, one statement is one round trip, and its rows skip
    SQLAlchemy's execution and result objects: 110-140 µs of CPU a read-model read less
    (the measures, 333-363 → 186-227 µs)."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    try:
        rows: list[Any] = await driver.fetch(statement, *arguments)
    except ASYNCPG_ERRORS as error:
        failure = wrapped(error, closed=driver.is_closed())
        if failure.connection_invalidated:
            await conn.invalidate()
        raise failure from error
    except OSError:
        await conn.invalidate()
        raise
    return rows


def _keeps_connection(error: BaseException) -> bool:
    """Whether the kept connection is as it was after ``error``: yes when the database
    refused the call (a duplicate event id, say), not when the connection broke."""
    if isinstance(error, DBAPIError):
        return not error.connection_invalidated
    return isinstance(error, ApplicationError)


def _arguments(
    stream_id: str,
    encoded: Sequence[EncodedEvent],
    expected_version: int,
    key: str | None,
    fingerprint: str | None,
    now: dt.datetime,
) -> tuple[Any, ...]:
    """``timeline_append``'s arguments (migration 0023): each event's columns as one row of
    ``timeline_append_event``, and each event's payload column, metadata, content head and
    tail (its canonical content around its position and time, the payload given once), the
    texts of every event joined into one text. One array and one text, whatever the
    events: asyncpg checks and frames each array argument on every call, the server looks
    up each argument's receive function, and asyncpg grows an array's buffer 1 KiB at a
    time past 64 KiB, a reallocation per payload of a batch (migration 0020)."""
    return (
        stream_id,
        expected_version,
        key,
        fingerprint,
        now,
        [_columns(item.event) for item in encoded],
        _SEPARATOR.join(
            [
                text
                for item in encoded
                for text in (item.payload_column, item.metadata_text, _head(item), item.tail)
            ]
        ),
    )


def _columns(event: NewEvent) -> tuple[Any, ...]:
    """The event as a ``timeline_append_event``, whose fields asyncpg takes in order."""
    occurred, reported = event.occurred, event.reported
    return (
        event.event_id,
        event.event_type,
        event.schema_version,
        None if occurred is None else occurred.edtf,
        None if occurred is None else occurred.earliest,
        None if occurred is None else occurred.latest,
        None if reported is None else reported.edtf,
        None if reported is None else reported.latest,
    )


_SEPARATOR = "\x1f"
"""Between the texts in ``timeline_append``'s text argument (migrations 0020 and 0023):
JSON escapes every control character, so none of these texts holds one."""


def _head(item: EncodedEvent) -> str:
    """The event's content head up to its payload, when the payload column holds the very
    text hashed: ``timeline_append`` splices the column and the position's key back in
    (migration 0016), so each payload crosses once. Else the whole head, marked by a
    leading U+001E (migration 0021: JSON escapes every control character, so no head
    starts with one, and the function tests one byte where a suffix cost a scan)."""
    if item.payload_text is item.payload_column:  # the codec's payloads, and most others
        return item.before
    return _WHOLE_HEAD + head_with_payload(item.before, item.payload_text)


_WHOLE_HEAD = "\x1e"
