"""How far the read models have got, and waiting for them to get somewhere: one watcher per
process, shared by every request that asks for a minimum position.

A reader that has just written (or seen an event by subscription) at position N asks for
read models at N or past it. The watcher keeps the read models' position as last seen and
one background task that refreshes it when the ``ProjectedSignal`` says the projector
committed a batch (PostgreSQL's LISTEN on ``timeline_projected``), and every
``poll_seconds`` anyway (SQLite, a replica the notification does not reach, a lost
notification). Waiters only wait on an ``asyncio.Event``: a thousand waiting requests cost
one query per wake-up, not a thousand.

The position is read from the read models themselves (their checkpoints), never taken from
the notification, so a watcher on a read replica reports what the replica has replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from timeline.application.errors import ProjectionBehind
from timeline.application.feed import AppendSignal
from timeline.application.waits import finish, first_of

logger = logging.getLogger("timeline.positions")

IDLE_SECONDS = 1.0
"""How often the position is refreshed, at most, when nobody waits and nothing signals."""

STOP_SECONDS = 5.0
"""How long ``stop`` lets a read of the position in flight finish."""

ReadPosition = Callable[[], Awaitable[int]]
"""The position every read model has applied (the slowest one's)."""


class ProjectedPositions:
    """The read models' position as this process last saw it, and waits for a later one."""

    def __init__(
        self,
        read_position: ReadPosition,
        signal: AppendSignal,
        *,
        poll_seconds: float = 0.05,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        """``signal`` wakes the watcher when the projector may have committed; while a
        request waits, the position is also read every ``poll_seconds``, and otherwise
        every ``idle_seconds``."""
        self._read_position = read_position
        self._signal = signal
        self._poll_seconds = poll_seconds
        self._idle_seconds = idle_seconds
        self._current = 0
        self._moved = asyncio.Event()
        self._waiting = 0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def current(self) -> int:
        """The position the read models had reached when last looked at: they reflect at
        least the log up to here."""
        return self._current

    async def start(self) -> None:
        """Read the position and watch it from now on (again: nothing)."""
        if self._task is not None:
            return
        try:
            await self._refresh()
        except Exception:  # the database may come up later: the watch reads it then
            logger.warning("the position watcher starts without the position", exc_info=True)
        self._task = asyncio.create_task(self._watch(), name="timeline-projected-positions")

    async def stop(self) -> None:
        """Stop watching (between two reads) and release the signal."""
        self._stopping.set()
        if self._task is not None:
            await finish(self._task, STOP_SECONDS)
            self._task = None
        await self._signal.close()

    def observed(self, position: int) -> None:
        """A projector in this process committed up to ``position``: no need to read it."""
        if position > self._current:
            self._current = position
            self._moved.set()
            self._moved = asyncio.Event()

    async def reach(self, position: int, bound: float) -> int:
        """Return the read models' position once it is at least ``position``; raise
        ``ProjectionBehind`` if it is not there within ``bound`` seconds."""
        if self._current >= position:
            return self._current
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound
        if not self._waiting:
            self._wake.set()  # look now, and every poll_seconds while anyone waits
        self._waiting += 1
        try:
            while self._current < position:
                remaining = deadline - loop.time()
                if remaining <= 0 or self._task is None:
                    raise ProjectionBehind(position, self._current)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._moved.wait(), remaining)
        finally:
            self._waiting -= 1
        return self._current

    async def _watch(self) -> None:
        while not self._stopping.is_set():
            await self._wait()
            if self._stopping.is_set():
                return
            try:
                await self._refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be down for a moment: waiters time out with the position
                # last seen, and the next wake-up tries again.
                logger.warning("cannot read the read models' position", exc_info=True)

    async def _wait(self) -> None:
        seconds = self._poll_seconds if self._waiting else self._idle_seconds
        try:
            await first_of(self._signal.wait(seconds), self._wake.wait(), self._stopping.wait())
        finally:
            self._wake.clear()

    async def _refresh(self) -> None:
        self.observed(await self._read_position())
