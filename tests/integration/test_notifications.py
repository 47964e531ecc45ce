"""PostgreSQL announces each committed append on ``timeline_events``, and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import new_events
from tests.integration.interference import interfere, is_deliberate
from tests.integration.listening import listening
from timeline.application.errors import ConcurrencyError, IntegrityViolation
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine
from timeline.store.sql.postgres import NOTIFY_CHANNEL, PostgresEventStore

pytestmark = pytest.mark.postgres


async def test_each_committed_append_notifies_its_last_position(
    postgres_database_url: str,
) -> None:
    store = PostgresEventStore(
        create_engine(postgres_database_url), SystemClock(), owns_engine=True
    )
    # Appends to the stream "doomed" roll back at COMMIT, after their NOTIFY was sent.
    await interfere(postgres_database_url, rollback=0, delay=0)
    try:
        async with listening(postgres_database_url, NOTIFY_CHANNEL) as received:
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
