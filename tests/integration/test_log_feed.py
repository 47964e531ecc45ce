"""The log feed (``timeline.application.feed``) on a real store of either backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tests.factories import new_events
from tests.integration.test_projector import until
from timeline.application.feed import LogFeed
from timeline.application.ports import EventStore
from timeline.application.records import RecordedEvent
from timeline.bootstrap import open_services
from timeline.config import Settings


class ReadsCounted:
    """``store`` as the feed sees it, counting the feed's reads of the head and of events."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.heads = 0
        self.event_reads = 0

    async def head_position(self) -> int:
        self.heads += 1
        return await self._store.head_position()

    def read_all(self, *, after_position: int = 0) -> AsyncIterator[RecordedEvent]:
        self.event_reads += 1
        return self._store.read_all(after_position=after_position)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_an_idle_feed_reads_no_events_and_a_subscriber_hears_only_what_follows(
    database_url: str,
) -> None:
    async with open_services(Settings(database_url=database_url)) as services:
        store = ReadsCounted(services.store)
        feed = LogFeed(store, services.signal, poll_seconds=0.05)  # type: ignore[arg-type]
        await feed.start()
        try:
            await services.store.append("before", new_events(3), expected_version=0)
            seen = store.heads
            feed.nudge()
            # Two reads of the head after the append: the second began after it.
            await until(lambda: _true(store.heads >= seen + 2), within=5)
            assert store.event_reads == 0  # nobody to hand an event to

            listening = asyncio.create_task(_first(feed.events(), 2))
            await asyncio.sleep(0.1)  # subscribed, and the feed has woken meanwhile
            await services.store.append("after", new_events(2), expected_version=0)
            feed.nudge()
            heard = await asyncio.wait_for(listening, 5)
        finally:
            await feed.stop()
    assert [(e.stream_id, e.stream_version) for e in heard] == [("after", 1), ("after", 2)]
    assert store.event_reads >= 1


async def _true(value: bool) -> bool:
    return value


async def _first(events: AsyncIterator[RecordedEvent], count: int) -> list[RecordedEvent]:
    heard: list[RecordedEvent] = []
    async for event in events:
        heard.append(event)
        if len(heard) == count:
            break
    return heard
