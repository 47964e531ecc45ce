"""One pooled connection checked out once and kept, for statements that must not pay for a
checkout.

Each call on an aiosqlite connection is a hop to its thread and back. Checking a pooled
connection in costs one more (the pool's rollback), and an ``AsyncConnection`` transaction
two (``BEGIN`` and the end), as much as or more than a one-statement job itself: the
PostgreSQL append (``postgres.PostgresEventStore``, one call of ``timeline_append``) and
the read model's position check (``projection_backends``, on both backends) each keep a
connection instead. On PostgreSQL
the position check would otherwise check a connection out of the pool for each request,
and under 32 clients the pool's waiters lose to newcomers: p99 went to 1.5 s. Here one
user at a time holds the connection, first come first served (``asyncio.Lock`` is fair).
After a failure its owner cannot vouch for (a server may also drop it), it is invalidated
and the next use checks out another.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Driver = TypeVar("Driver")
"""The driver's own connection class: aiosqlite's or asyncpg's."""


class HeldConnection(Generic[Driver]):
    """The raw driver connection of one pooled connection of ``engine``, kept."""

    def __init__(
        self,
        engine: AsyncEngine,
        survives: Callable[[BaseException], bool],
        closed: Callable[[Driver], bool] = lambda _: False,
    ) -> None:
        """``survives(error)``: whether the connection is as it was after ``error``;
        ``closed(driver)``: whether the driver already knows the server closed it (it is
        then replaced before use, as the pool replaces such a connection on checkout)."""
        self._engine = engine
        self._survives = survives
        self._closed = closed
        self._held: tuple[AsyncConnection, Driver] | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[Driver]:
        """The connection, for this block alone; checked out on first use."""
        async with self._lock:
            if self._held is not None and self._closed(self._held[1]):
                await self._drop(self._held[0])
            if self._held is None:
                conn = await self._engine.connect()
                try:
                    driver: Driver | None = (await conn.get_raw_connection()).driver_connection
                except BaseException:
                    await conn.close()
                    raise
                assert driver is not None
                self._held = (conn, driver)
            conn, driver = self._held
            try:
                yield driver
            except BaseException as error:
                if not self._survives(error):
                    await self._drop(conn)
                raise

    async def _drop(self, conn: AsyncConnection) -> None:
        self._held = None
        try:
            await conn.invalidate()
        finally:
            await conn.close()

    async def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await held[0].close()
