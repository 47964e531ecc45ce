"""The position watcher, without a database: one reader of the position per process,
however many requests wait, and a bounded wait that says where the read models stood."""

from __future__ import annotations

import asyncio

import pytest

from timeline.application.errors import ProjectionBehind
from timeline.application.positions import ProjectedPositions


class Checkpoint:
    """A read models' position that counts how often it is read."""

    def __init__(self) -> None:
        self.position = 0
        self.reads = 0

    async def read(self) -> int:
        self.reads += 1
        return self.position


class Silence:
    """A signal that never comes: the watcher polls."""

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        return None


async def test_a_hundred_waiters_are_woken_by_one_reader() -> None:
    checkpoint = Checkpoint()
    positions = ProjectedPositions(checkpoint.read, Silence(), poll_seconds=0.05)
    await positions.start()
    try:
        waiters = [asyncio.create_task(positions.reach(7, 5)) for _ in range(100)]
        await asyncio.sleep(0.2)
        assert not any(waiter.done() for waiter in waiters)
        checkpoint.position = 7
        assert await asyncio.gather(*waiters) == [7] * 100
        # Read every 50 ms while anyone waits, whatever their number: not once per waiter.
        assert checkpoint.reads <= 12
        assert positions.current == 7
    finally:
        await positions.stop()


async def test_a_position_a_projector_in_the_process_reports_needs_no_read() -> None:
    checkpoint = Checkpoint()
    positions = ProjectedPositions(checkpoint.read, Silence(), poll_seconds=60, idle_seconds=60)
    await positions.start()
    try:
        waiter = asyncio.create_task(positions.reach(3, 5))
        await asyncio.sleep(0.05)
        reads = checkpoint.reads
        positions.observed(3)
        assert await waiter == 3
        assert checkpoint.reads == reads
    finally:
        await positions.stop()


async def test_a_wait_past_its_bound_says_what_was_asked_and_reached() -> None:
    checkpoint = Checkpoint()
    checkpoint.position = 4
    positions = ProjectedPositions(checkpoint.read, Silence(), poll_seconds=0.01)
    await positions.start()
    try:
        assert await positions.reach(4, 0) == 4  # already there: no wait at all
        with pytest.raises(ProjectionBehind) as behind:
            await positions.reach(9, 0.1)
        assert (behind.value.position, behind.value.projected) == (9, 4)
    finally:
        await positions.stop()
