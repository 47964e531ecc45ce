"""The projector: the one place per database where the read models are advanced.

Any number of projectors may run (``timeline projector``, and one in every ``timeline
serve`` worker by default); a ``Leadership`` elects one. The leader catches the read models
up whenever the ``AppendSignal`` says the log grew (PostgreSQL's NOTIFY on
``timeline_events``, or an append in this process) and every ``poll_seconds`` anyway. Each
batch's commit announces the position it reached (on PostgreSQL ``timeline_projected``, from
the checkpoints' own trigger, so no round trip of the projector's), which wakes the readers
waiting for their writes; this process's own readers are told at once (``reached``). The
others retry the election every ``retry_seconds``: the leader's lock goes with its
connection (or its process), so a standby leads within about that time after the leader
dies.

The leadership is for efficiency, not for safety: every batch still takes its projection's
lock and moves the checkpoint in its own transaction (``ProjectionRunner``), so a leader that
lost its lock without noticing yet cannot apply an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from timeline.application.feed import AppendSignal
from timeline.application.ports import EventStore
from timeline.application.positions import ProjectedPositions
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.waits import first_of

logger = logging.getLogger("timeline.projector")

RETRY_SECONDS = 0.5
"""How often a standby tries to take the lead: well inside the 2 s a takeover may take."""
REPORT_SECONDS = 10.0
"""How often the leader logs its position (every batch only at DEBUG)."""
STATISTICS_SECONDS = 5.0
"""How often the leader, after a batch, has the planner's statistics of the read models
gathered again where they changed much (``ProjectionStore.refresh_statistics``): the soak's
tables grow by a tenth every few seconds at first, and a check costs one statement."""


class Leadership(Protocol):
    """The election of one projector per database (``timeline.store.sql.leadership``)."""

    async def acquire(self) -> bool:
        """Try once, without waiting, to become the leader; True when this process leads."""
        ...

    async def held(self) -> bool:
        """Whether this process still leads (False once its lock went with its connection)."""
        ...

    async def release(self) -> None:
        """Stop leading (and let a standby take over at once)."""
        ...

    async def leader(self) -> str | None:
        """The name of whichever projector leads now, in any process; None while none does."""
        ...


Reached = Callable[[int], None]
"""Told every position the leader reaches (this process's waiting readers)."""


class Projector:
    """Elects itself or stands by; while it leads, keeps the read models caught up."""

    def __init__(
        self,
        runner: ProjectionRunner,
        store: EventStore,
        leadership: Leadership,
        signal: AppendSignal,
        *,
        poll_seconds: float = 1.0,
        retry_seconds: float = RETRY_SECONDS,
        reached: Reached | None = None,
        name: str = "projector",
        statistics_seconds: float = STATISTICS_SECONDS,
    ) -> None:
        self._runner = runner
        self._store = store
        self._leadership = leadership
        self._signal = signal
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        self._reached = reached
        self.name = name
        self._leading = False
        self._unreachable = False
        self._reported = 0.0
        self._statistics_seconds = statistics_seconds
        self._statistics = 0.0
        self._nudged = asyncio.Event()
        self.position = 0
        """The last position the read models were seen at by this projector."""

    @property
    def leading(self) -> bool:
        return self._leading

    def nudge(self, position: int = 0) -> None:
        """This process appended: look at the log now, without waiting for a signal."""
        self._nudged.set()

    async def close(self) -> None:
        """Release the signal's connection (stop ``running`` first)."""
        await self._signal.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Projector]:
        """Take part in the election in the background while the block runs."""
        task = asyncio.create_task(self.run(), name="timeline-projector")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Stand by or lead until cancelled."""
        standing_by = False
        try:
            while True:
                if await self._try_to_lead():
                    standing_by = False
                    await self._lead()
                elif not standing_by and not self._unreachable:
                    standing_by = True
                    logger.info("%s stands by: another projector leads", self.name)
                await asyncio.sleep(self._retry_seconds)
        finally:
            await self._step_down()

    async def settle(self, position: int, positions: ProjectedPositions, bound: float) -> int:
        """For a one-shot process (the CLI) that wrote up to ``position``: the read models'
        position once they reach it. With no leader anywhere this process leads for as long
        as that takes; otherwise it waits for the leader, up to ``bound`` seconds
        (``ProjectionBehind`` past it)."""
        if not self._leading and await self._try_to_lead():
            self._leading = True
            try:
                reached = await self._runner.catch_up()
                self.position = min(p for p in reached.values() if p is not None)
                positions.observed(self.position)
                return self.position
            finally:
                await self._step_down()
        await positions.start()
        return await positions.reach(position, bound)

    async def _try_to_lead(self) -> bool:
        try:
            won = await self._leadership.acquire()
        except Exception:
            # Said once per outage, not every retry_seconds while the database is down.
            if not self._unreachable:
                self._unreachable = True
                logger.warning(
                    "%s cannot take part in the election; retrying", self.name, exc_info=True
                )
            return False
        if self._unreachable:
            self._unreachable = False
            logger.info("%s takes part in the election again", self.name)
        return won

    async def _lead(self) -> None:
        self._leading = True
        logger.info("%s leads: this process projects the log", self.name)
        try:
            while await self._leadership.held():
                await self._catch_up()
                await self._wait()
            logger.warning("%s lost the lead; standing by", self.name)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Whatever broke (the database, a bad event), step down and stand again: a
            # healthy standby may take over meanwhile.
            logger.exception("the projector failed; standing by")
        finally:
            await self._step_down()

    async def _catch_up(self) -> None:
        head = await self._store.head_position()
        if head <= self.position:
            return  # nothing new: no batch (on SQLite, no write lock) for a poll
        started = asyncio.get_running_loop().time()
        positions = await self._runner.catch_up()
        reached = min((p for p in positions.values() if p is not None), default=self.position)
        if reached > self.position:
            now = asyncio.get_running_loop().time()
            logger.debug(
                "projected %d events up to %d in %.1f ms",
                reached - self.position,
                reached,
                (now - started) * 1000,
            )
            self.position = reached
            if now - self._reported >= REPORT_SECONDS:
                self._reported = now
                logger.info("projected up to position %d (the log's head: %d)", reached, head)
            if self._reached is not None:
                self._reached(reached)
            if now - self._statistics >= self._statistics_seconds:
                self._statistics = now
                await self._refresh_statistics()

    async def _refresh_statistics(self) -> None:
        # Statistics only make plans better: a failure is said, and the leader goes on.
        try:
            gathered = await self._runner.refresh_statistics()
        except Exception:
            logger.warning("%s could not gather the planner's statistics", self.name, exc_info=True)
            return
        if gathered:
            logger.debug("gathered the planner's statistics of %s", ", ".join(gathered))

    async def _wait(self) -> None:
        try:
            await first_of(self._signal.wait(self._poll_seconds), self._nudged.wait())
        finally:
            self._nudged.clear()

    async def _step_down(self) -> None:
        was_leading, self._leading = self._leading, False
        if was_leading:
            with contextlib.suppress(Exception):
                await self._leadership.release()
