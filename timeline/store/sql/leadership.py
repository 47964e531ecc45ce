"""Electing the projector: one leader per database (``timeline.application.projector``).

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) held on a dedicated
connection. The server drops it the moment that connection ends (its process died, the
network went, an operator terminated the backend), so a standby's next try wins. The
leader announces nothing itself: each batch's commit does (``postgres.PROJECTED_CHANNEL``).

SQLite: an exclusive ``flock`` on a file beside the database, which the kernel drops when
the process dies: one host, one leader. Readers there poll the checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.store.read_models.backends import advisory_key
from timeline.store.sql.file_lock import FileLock

logger = logging.getLogger("timeline.projector")

_LEADER_KEY = advisory_key("projector", "leader")

VERIFY_SECONDS = 1.0
"""How often the leader asks the server whether its connection (so its lock) is alive."""


APPLICATION_NAME = "timeline-projector"
"""The leadership connection's ``application_name`` (followed by the projector's name), so
that ``pg_stat_activity`` joined to ``pg_locks`` tells an operator who leads."""


_LEADER_QUERY = sa.text(
    "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid) "
    "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE :named LIMIT 1"
)


class PostgresLeadership:
    """The projector's lock on a connection of its own."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._application_name = f"{APPLICATION_NAME} {name}"[:63]  # PostgreSQL's limit
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self._verified = 0.0

    async def acquire(self) -> bool:
        if self._driver is None:
            # Connecting runs in a task of its own that a cancelled election (the process
            # stopping) lets finish and then closes, so a connection is never half made
            # and left for the garbage collector.
            connecting = asyncio.ensure_future(self._connect())
            try:
                await asyncio.shield(connecting)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await connecting
                await self._drop()
                raise
        assert self._driver is not None
        try:
            won = bool(await self._driver.fetchval("SELECT pg_try_advisory_lock($1)", _LEADER_KEY))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._drop()
            raise
        return won

    async def _connect(self) -> None:
        connection = await self._engine.connect()
        raw = (await connection.get_raw_connection()).driver_connection
        if raw is None:  # pragma: no cover - asyncpg always has one
            await connection.close()
            raise OSError("the connection has no driver connection")
        self._connection, self._driver = connection, raw
        try:
            await raw.fetchval(
                "SELECT set_config('application_name', $1, false)", self._application_name
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._drop()
            raise

    async def held(self) -> bool:
        if self._driver is None or self._driver.is_closed():
            return False  # a terminated backend closes the socket: asyncpg sees it at once
        now = time.monotonic()
        if now - self._verified < VERIFY_SECONDS:
            return True
        try:
            # The lock is this backend's for as long as the backend lives: alive means held.
            # Asked at most once a second, for a connection lost without a word (a dead
            # network); losing the lead unnoticed for that long is safe, since every batch
            # takes its projection's own lock.
            await self._driver.fetchval("SELECT 1", timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._drop()
            return False
        self._verified = now
        return True

    async def leader(self) -> str | None:
        # The leader's lock is the only advisory lock its named connection ever holds.
        async with self._engine.connect() as conn:
            found = await conn.execute(_LEADER_QUERY, {"named": f"{APPLICATION_NAME} %"})
            name = found.scalar()
        return None if name is None else str(name).removeprefix(f"{APPLICATION_NAME} ")

    async def release(self) -> None:
        if self._driver is not None and not self._driver.is_closed():
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await self._driver.fetchval("SELECT pg_advisory_unlock($1)", _LEADER_KEY)
        await self._drop()

    async def close(self) -> None:
        await self.release()

    async def _drop(self) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # never back to the pool: it may hold the lock
            with contextlib.suppress(Exception):
                await connection.close()


class FileLeadership:
    """An exclusive, non-blocking ``flock`` on ``<database>-projector.lock``; the leader
    writes its name into the file."""

    def __init__(self, path: str, name: str) -> None:
        self._lock = FileLock(path)
        self._name = name

    async def acquire(self) -> bool:
        if self._lock.held:
            return True
        if not self._lock.acquire():
            return False
        self._lock.write(self._name)
        return True

    async def held(self) -> bool:
        return self._lock.held

    async def leader(self) -> str | None:
        try:
            fd = os.open(self._lock.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                # A shared lock is refused exactly while someone holds the exclusive one.
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 256, 0).decode(errors="replace") or None
            return None  # closing the descriptor below lets the shared lock go
        finally:
            os.close(fd)

    async def release(self) -> None:
        self._lock.release()

    async def close(self) -> None:
        await self.release()


def open_leadership(engine: AsyncEngine, name: str) -> PostgresLeadership | FileLeadership:
    """The election for the database of ``engine``, with this candidate called ``name``: an
    advisory lock on PostgreSQL (on a connection taken out of the engine's pool for good), a
    file lock beside the database file on SQLite. Connects only when first asked to lead."""
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine, name)
    return FileLeadership(f"{engine.url.database}-projector.lock", name)
