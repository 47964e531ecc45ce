"""Signals: how a process learns that the log may have grown, or the read models moved.

On PostgreSQL every append NOTIFYs ``timeline_events`` with its last position (see
``timeline.store.sql.postgres``), so one LISTEN connection per process wakes the log feed and
the projector within milliseconds of a commit by any process; every commit that moves the
read models' checkpoints NOTIFYs ``timeline_projected`` (a trigger, migration 0024), which
wakes the process's readers waiting for a position. SQLite has no notifications: the
periodic look at the log or the checkpoint is the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.feed import AppendSignal
from timeline.store.sql.postgres import NOTIFY_CHANNEL

logger = logging.getLogger("timeline.store")


class PollingSignal:
    """No notifications: just wait out the timeout."""

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        return None


class PostgresSignal:
    """LISTEN on ``channel`` over a dedicated connection of the process's engine,
    reconnecting when lost."""

    def __init__(self, engine: AsyncEngine, channel: str = NOTIFY_CHANNEL) -> None:
        self._engine = engine
        self._channel = channel
        self._connection: AsyncConnection | None = None
        self._appended = asyncio.Event()
        self._listening: asyncio.Future[None] | None = None

    async def wait(self, seconds: float) -> None:
        # Connecting runs in a task of its own that a cancelled wait leaves to finish, so
        # a connection is never half made and left for the garbage collector.
        if self._listening is None or self._listening.done():
            self._listening = asyncio.ensure_future(self._ensure_listening())
        await asyncio.shield(self._listening)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._appended.wait(), seconds)
        self._appended.clear()

    async def close(self) -> None:
        if self._listening is not None:
            with contextlib.suppress(Exception):
                await self._listening
        await self._drop()

    async def _ensure_listening(self) -> None:
        if self._connection is not None and not self._connection.invalidated:
            raw = (await self._connection.get_raw_connection()).driver_connection
            if raw is not None and not raw.is_closed():
                return
        await self._drop()
        try:
            connection = await self._engine.connect()
            raw = (await connection.get_raw_connection()).driver_connection
            if raw is None:
                raise OSError("the connection has no driver connection")
            await raw.add_listener(self._channel, self._on_notify)  # asyncpg's LISTEN
            await connection.commit()  # LISTEN takes effect when its transaction ends
        except (OSError, DBAPIError, TimeoutError):
            # Polling still delivers everything, only later; try again on the next wait.
            logger.warning("cannot LISTEN on %s; polling instead", self._channel, exc_info=True)
            return
        self._connection = connection
        # Appends may have committed while nobody listened: look at the log once.
        self._appended.set()

    async def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    def _on_notify(self, *_: object) -> None:
        self._appended.set()


def open_append_signal(engine: AsyncEngine, channel: str = NOTIFY_CHANNEL) -> AppendSignal:
    """The signal for the database of ``engine``: LISTEN on ``channel`` on PostgreSQL (by
    default the appends'), polling on SQLite."""
    if engine.dialect.name == "postgresql":
        return PostgresSignal(engine, channel)
    return PollingSignal()
