"""The log feed: one reader per process tails the log and hands each new event to every
subscriber, so a thousand subscriptions cost one query per wake-up, not a thousand.

It wakes when the ``AppendSignal`` says the log may have moved (PostgreSQL's NOTIFY, or a
write in this process) and at least every ``poll_seconds`` anyway, so an event committed by
any process reaches subscribers within about that time. With nobody subscribed it reads only
the log's head, not the events: every API worker has a feed, and each read and decoded every
write of every worker though most serve no subscription (9% of a write's CPU under the
profiler; bench/README item 54).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

from timeline.application.ports import EventStore
from timeline.application.records import RecordedEvent
from timeline.application.waits import finish, first_of

logger = logging.getLogger("timeline.feed")

_STOP_SECONDS = 5.0


class AppendSignal(Protocol):
    """Tells a waiting reader that the log may have grown (``timeline.store.sql.signals``)."""

    async def wait(self, seconds: float) -> None:
        """Return when an append may have committed, or after ``seconds``."""
        ...

    async def close(self) -> None: ...


class LogFeed:
    """Fans the log's new events out to subscribers, in position order."""

    def __init__(self, store: EventStore, signal: AppendSignal, poll_seconds: float) -> None:
        self._store = store
        self._signal = signal
        self._poll_seconds = poll_seconds
        self._subscribers: set[asyncio.Queue[RecordedEvent]] = set()
        self._position = 0
        self._task: asyncio.Task[None] | None = None
        self._nudged = asyncio.Event()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Start tailing from the log's current head: subscribers see only what comes next."""
        try:
            self._position = await self._store.head_position()
        except Exception:  # the database may come up later; tail from the start then
            logger.warning("log feed starts without the head position", exc_info=True)
        self._task = asyncio.create_task(self._run(), name="timeline-log-feed")

    async def stop(self) -> None:
        """Stop tailing (between two reads) and release the signal."""
        self._stopping.set()
        if self._task is not None:
            await finish(self._task, _STOP_SECONDS)
        await self._signal.close()

    def nudge(self) -> None:
        """Look at the log now (this process just appended)."""
        self._nudged.set()

    async def events(self) -> AsyncIterator[RecordedEvent]:
        """Every event appended from now on, until the caller stops iterating."""
        queue: asyncio.Queue[RecordedEvent] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._wait()
                if self._stopping.is_set():
                    return
                if not self._subscribers:
                    head = await self._store.head_position()
                    # One who subscribed meanwhile may be owed what the head now covers.
                    if not self._subscribers:
                        self._position = max(self._position, head)
                        continue
                async for event in self._store.read_all(after_position=self._position):
                    self._position = event.position
                    for queue in self._subscribers:
                        queue.put_nowait(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("log feed could not read the log; retrying", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)

    async def _wait(self) -> None:
        try:
            await first_of(
                self._nudged.wait(),
                self._stopping.wait(),
                self._signal.wait(self._poll_seconds),
            )
        finally:
            self._nudged.clear()
