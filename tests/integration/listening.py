"""Hearing PostgreSQL's notifications in a test, as the API's processes do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from timeline.store.factory import create_engine


@asynccontextmanager
async def listening(
    url: str, channel: str, heard: Callable[[str], None] | None = None
) -> AsyncIterator[asyncio.Queue[str]]:
    """LISTEN on ``channel`` over a connection of its own while the block runs: each
    notification's payload arrives in the queue, or is handed to ``heard`` the moment it
    is heard (for a caller that times it)."""
    received: asyncio.Queue[str] = asyncio.Queue()
    hear = received.put_nowait if heard is None else heard
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.add_listener(channel, lambda *args: hear(args[-1]))
            await conn.commit()  # LISTEN takes effect when its transaction ends
            yield received
    finally:
        await engine.dispose()
