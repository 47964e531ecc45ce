"""How each backend locks, reads consistently and swaps: the read models' backend parts.

PostgreSQL: several API processes may share one database, so each projection batch takes
``pg_try_advisory_xact_lock`` (or waits, for a writer that must read its own write) on a key
of its own: exactly one process advances a projection at a time, the others skip the batch.
The lock ends with the transaction, so it cannot outlive a killed process. A rebuild holds a
session advisory lock on another key for its whole run (two rebuilds would share shadows).

SQLite: one file, one writer at a time: the ``BEGIN IMMEDIATE`` of each batch is the lock.
A rebuild is guarded by an exclusive ``flock`` on a file beside the database, which the
kernel drops when the process dies.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.errors import ProjectionBusy
from timeline.application.ports import Clock
from timeline.application.read_models import PROJECTIONS, TIMELINE
from timeline.store.read_models.shadows import index_shadows, shadow_of, swap_postgres, swap_sqlite
from timeline.store.read_models.statements import CompiledRead
from timeline.store.read_models.store import SqlProjectionStore
from timeline.store.read_models.tables import PROJECTION_TABLES
from timeline.store.sql import postgres
from timeline.store.sql.failures import ASYNCPG_ERRORS
from timeline.store.sql.file_lock import FileLock
from timeline.store.sql.held_connection import HeldConnection
from timeline.store.sql.sqlite import driver_rows, fetch_on_driver, writing


def advisory_key(purpose: str, name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``purpose`` on projection ``name``.

    The event store's append lock uses a key of its own (the bytes of "timeline"); a hash
    collision with it is as likely as one between two SHA-256 prefixes."""
    digest = hashlib.sha256(f"timeline {purpose} {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_POSITION_POSTGRES = "SELECT position FROM projection_checkpoints WHERE name = $1"
# Every projection's row, or 0 while one has never run.
_PROJECTED_POSTGRES = (
    "SELECT CASE WHEN count(*) = cardinality($1::text[]) THEN min(position) ELSE 0 END "
    "FROM projection_checkpoints WHERE name = ANY($1::text[])"
)


_STALE_POSTGRES = (
    # Autovacuum's own rule for when a table is analyzed again (its default threshold and
    # scale factor): more rows changed since than 50 and a tenth of the table. reltuples is
    # -1 for a table never analyzed.
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[]) "
    "AND s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) ORDER BY s.relname"
)
_READ_MODEL_TABLES = sorted(table.name for tables in PROJECTION_TABLES.values() for table in tables)


class PostgresProjectionStore(SqlProjectionStore):
    """The read models on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        super().__init__(engine, clock, owns_engine=owns_engine)
        self._position_reader: HeldConnection[asyncpg.Connection] = HeldConnection(
            engine, survives=lambda _: False
        )

    async def close(self) -> None:
        await self._position_reader.close()
        await super().close()

    async def _position_now(self) -> int | None:
        # Outside any transaction, on the raw asyncpg connection: the latest commit, alone.
        # Whatever goes wrong here, the read's own transaction will meet and report.
        try:
            async with self._position_reader.driver() as driver:
                found = await driver.fetchval(_POSITION_POSTGRES, TIMELINE)
        except (DBAPIError, *ASYNCPG_ERRORS, OSError):
            return None
        return int(found or 0)

    async def projected_position(self) -> int:
        # One statement on the kept connection, not a read's snapshot and table locks: the
        # position watcher asks after every batch. A failure takes the ordinary way, which
        # reports it.
        try:
            async with self._position_reader.driver() as driver:
                found = await driver.fetchval(_PROJECTED_POSTGRES, list(PROJECTIONS))
        except (DBAPIError, *ASYNCPG_ERRORS, OSError):
            return await super().projected_position()
        return int(found or 0)

    def _write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._engine.begin()

    async def refresh_statistics(self) -> list[str]:
        # Autocommit, on a connection of its own: ANALYZE takes a lock that only another
        # ANALYZE, VACUUM or a swap waits for, and holds no snapshot while it samples.
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            rows = await postgres.fetch_on_driver(conn, _STALE_POSTGRES, [_READ_MODEL_TABLES])
            stale = [row[0] for row in rows]
            if stale:
                quote = conn.dialect.identifier_preparer.quote
                await conn.exec_driver_sql(f"ANALYZE {', '.join(quote(name) for name in stale)}")
        return stale

    async def _lock(self, conn: AsyncConnection, names: Sequence[str], *, wait: bool) -> list[str]:
        # In the order given (sorted), so two processes waiting for the same locks never
        # wait for each other in a cycle.
        keys = [sa.literal(advisory_key("projection", name), sa.BigInteger) for name in names]
        if wait:
            await conn.execute(sa.select(*(sa.func.pg_advisory_xact_lock(key) for key in keys)))
            return list(names)
        taken = (
            await conn.execute(sa.select(*(sa.func.pg_try_advisory_xact_lock(key) for key in keys)))
        ).one()
        return [name for name, won in zip(names, taken, strict=True) if won]

    async def _driver_rows(
        self, conn: AsyncConnection, read: CompiledRead, values: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        return await postgres.fetch_on_driver(conn, read.text, read.parameters(values))

    async def _begin_read(self, conn: AsyncConnection) -> AsyncConnection:
        # One statement, outside any transaction (no BEGIN, no COMMIT: one round trip), in
        # READ COMMITTED. It cannot straddle a rebuild's swap: the server locks every table
        # a statement names (ACCESS SHARE) while it parses and plans it, waiting for a swap
        # that holds them (ACCESS EXCLUSIVE) and then looking the names up again, and only
        # then takes the snapshot the statement runs on (``PortalStart``). So the statement
        # reads either the old tables, with the swap waiting for it, or, after the swap's
        # commit, the new ones with the checkpoint that commit wrote. A statement names the
        # swapped tables in the order the swap drops them (see ``queries.page_read``), so
        # the two never wait for each other in a cycle.
        return await conn.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def _rebuild_guard(self, name: str) -> AsyncIterator[None]:
        key = sa.literal(advisory_key("rebuild", name), sa.BigInteger)
        async with self._engine.connect() as conn:
            # Autocommit: the guard must not hold a transaction (and its snapshot) open
            # for the length of a rebuild.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            if not (await conn.execute(sa.select(sa.func.pg_try_advisory_lock(key)))).scalar():
                raise ProjectionBusy(name)
            try:
                yield
            finally:
                await conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))

    async def _prepare_swap(self, tables: Sequence[sa.Table]) -> None:
        async with self._engine.begin() as conn:
            await index_shadows(conn, tables)
        # VACUUM sets the visibility map of the freshly copied rows, without which a count
        # would visit every row an index-only scan could skip; it cannot run in a
        # transaction.
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in tables:
                name = conn.dialect.identifier_preparer.quote(shadow_of(table).name)
                await conn.exec_driver_sql(f"VACUUM {name}")

    @staticmethod
    async def _bulk_insert(
        conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: list[Any]
    ) -> None:
        # COPY on the raw connection; the adapter begins its transaction lazily, at its
        # first statement, so one goes first if none has (a projector's batch has taken its
        # lock by now: a round trip saved per table it writes).
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_in_transaction():
            await conn.execute(sa.text("SELECT 1"))
        try:
            await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
        except asyncpg.PostgresError as error:
            raise DBAPIError(None, None, error) from error

    async def _swap(self, conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
        await swap_postgres(conn, tables)


_POSITION_SQLITE = "SELECT position FROM projection_checkpoints WHERE name = ?"
_PROJECTED_SQLITE = (
    "SELECT CASE WHEN count(*) = ? THEN min(position) ELSE 0 END "
    "FROM projection_checkpoints WHERE name IN ({})"
).format(", ".join("?" for _ in PROJECTIONS))


class SqliteProjectionStore(SqlProjectionStore):
    """The read models in a SQLite file. ``wait=False`` waits anyway: the write lock is
    held for one batch at a time, and SQLite has no way to try it without waiting."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        super().__init__(engine, clock, owns_engine=owns_engine)
        self._writer = writing(engine)
        self._position_reader: HeldConnection[aiosqlite.Connection] = HeldConnection(
            engine, survives=lambda _: False
        )

    async def close(self) -> None:
        await self._position_reader.close()
        await super().close()

    async def _position_now(self) -> int:
        # Autocommit (the driver's own transactions are off): the latest commit, alone.
        async with self._translated(), self._position_reader.driver() as driver:
            rows = await driver_rows(driver, _POSITION_SQLITE, (TIMELINE,))
        return int(rows[0][0]) if rows else 0

    async def projected_position(self) -> int:
        async with self._translated(), self._position_reader.driver() as driver:
            rows = await driver_rows(driver, _PROJECTED_SQLITE, (len(PROJECTIONS), *PROJECTIONS))
        return int(rows[0][0] or 0) if rows else 0

    def _write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._writer.begin()

    async def refresh_statistics(self) -> list[str]:
        # Nothing to gather: no ANALYZE ever runs on the read models here, and without its
        # statistics SQLite's planner assumes fixed selectivities that favour the indexes,
        # so a plan does not change as a table grows.
        return []

    async def _driver_rows(
        self, conn: AsyncConnection, read: CompiledRead, values: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        # One hop to aiosqlite's thread and back: under load each hop waits for a CPU (a
        # running total at a million events: p50 4.2-5.6 -> 3.1-4.4 ms, load 3). One
        # statement, which sees one snapshot by itself (``_reading``).
        return await fetch_on_driver(conn, read.text, read.parameters(values))

    async def _lock(self, conn: AsyncConnection, names: Sequence[str], *, wait: bool) -> list[str]:
        return list(names)  # BEGIN IMMEDIATE took the database's write lock already

    @asynccontextmanager
    async def _rebuild_guard(self, name: str) -> AsyncIterator[None]:
        # Named like SQLite's own -wal and -shm files, so it sits (and is ignored) beside them.
        lock = FileLock(f"{self._engine.url.database}-rebuild-{name}.lock")
        if not lock.acquire():
            raise ProjectionBusy(name)
        try:
            yield
        finally:
            lock.release()

    async def _swap(self, conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
        await swap_sqlite(conn, tables)

    @staticmethod
    async def _bulk_insert(
        conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: list[Any]
    ) -> None:
        # One executemany on the raw connection, in the transaction BEGIN IMMEDIATE opened.
        quote = conn.dialect.identifier_preparer.quote
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        try:
            await driver.executemany(statement, rows)
        except sqlite3.Error as error:
            raise DBAPIError(None, None, error) from error
