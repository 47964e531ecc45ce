"""PostgreSQL announces each committed append on ``timeline_events``, and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import new_events
from tests.integration.interference import interfere, is_deliberate
from timeline.application.errors import ConcurrencyError, IntegrityViolation
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine
from timeline.store.sql.postgres import NOTIFY_CHANNEL, PostgresEventStore

pytestmark = pytest.mark.postgres


async def test_each_committed_append_notifies_its_last_position(
    postgres_database_url: str,
) -> None:
    received: asyncio.Queue[str] = asyncio.Queue()
    listener_engine = create_engine(postgres_database_url)
    store = PostgresEventStore(
        create_engine(postgres_database_url), SystemClock(), owns_engine=True
    )
    # Appends to the stream "doomed" roll back at COMMIT, after their NOTIFY was sent.
    await interfere(postgres_database_url, rollback=0, delay=0)
    try:
        async with listener_engine.connect() as conn:
            asyncpg_connection = (await conn.get_raw_connection()).driver_connection
            assert asyncpg_connection is not None
            await asyncpg_connection.add_listener(  # asyncpg's LISTEN
                NOTIFY_CHANNEL, lambda *args: received.put_nowait(args[-1])
            )
            await conn.commit()  # LISTEN takes effect when its transaction ends

            await store.append("a", new_events(3), expected_version=0)
            with pytest.raises(ConcurrencyError):
                await store.append("a", new_events(1), expected_version=0)
            with pytest.raises(IntegrityViolation) as raised:
                await store.append("doomed", new_events(1), expected_version=0)
            assert is_deliberate(raised.value)
            await store.append("b", new_events(2), expected_version=0)

            notified = [await asyncio.wait_for(received.get(), timeout=5) for _ in range(2)]
            await asyncio.sleep(0.1)
            assert notified == ["3", "5"]
            assert received.empty()
    finally:
        await store.close()
        await listener_engine.dispose()
