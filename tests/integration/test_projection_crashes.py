"""``kill -9`` in the middle of a catch-up or a rebuild: what is left is consistent, and the
next run carries on to the same tables a clean rebuild makes."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from pathlib import Path

import pytest

from tests.integration.projection_snapshots import (
    content_hash,
    folded_rows,
    logged_events,
    stored_rows,
)
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import TIMELINE
from timeline.store import codec
from timeline.store.factory import open_event_store, open_projection_store

REPOSITORY = Path(__file__).resolve().parents[2]
KILLS = 3

pytestmark = pytest.mark.slow


async def run_and_kill(url: str, mode: str, batch_size: int, after: float) -> bool:
    """Start a worker, SIGKILL it ``after`` seconds into its work; True if it was killed
    before it finished."""
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.projection_worker",
        url,
        mode,
        str(batch_size),
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
    )
    assert worker.stdout is not None
    assert await asyncio.wait_for(worker.stdout.readline(), timeout=30) == b"ready\n"
    await asyncio.sleep(after)
    if worker.returncode is None:
        worker.send_signal(signal.SIGKILL)
    await worker.wait()
    return worker.returncode == -signal.SIGKILL


async def test_a_killed_catch_up_stops_at_a_checkpoint_and_resumes(database_url: str) -> None:
    clock = synthetic_clock()
    events = await open_event_store(database_url, clock)
    projections = await open_projection_store(database_url, clock)
    rng = random.Random(7)
    try:
        head = await append_synthetic_log(events, clock, facts=700, seed=31)
        log = await logged_events(events)
        positions = []
        for _ in range(KILLS):
            killed = await run_and_kill(database_url, "catch-up", 5, rng.uniform(0.3, 0.8))
            stored = await stored_rows(database_url, TIMELINE)
            position = int(stored["checkpoint"][0])
            # Rows and checkpoint agree: exactly the fold of the log up to the checkpoint.
            assert stored == folded_rows(
                [e for e in log if e.position <= position], TIMELINE, position
            )
            assert killed or position == head
            positions.append(position)
        assert 0 < positions[0] < head, "the first kill should land mid-way"
        assert positions == sorted(positions)

        await ProjectionRunner(events, codec, projections).catch_up()
        resumed = await stored_rows(database_url, TIMELINE)
        await ProjectionRunner(events, codec, projections).rebuild(TIMELINE)
        assert content_hash(resumed) == content_hash(await stored_rows(database_url, TIMELINE))
        assert resumed == folded_rows(log, TIMELINE, head)
    finally:
        await projections.close()
        await events.close()


async def test_a_killed_rebuild_leaves_the_live_tables_and_can_run_again(
    database_url: str,
) -> None:
    clock = synthetic_clock()
    events = await open_event_store(database_url, clock)
    projections = await open_projection_store(database_url, clock)
    rng = random.Random(8)
    try:
        await append_synthetic_log(events, clock, facts=300, seed=41)
        await ProjectionRunner(events, codec, projections).catch_up()
        head = await append_synthetic_log(events, clock, facts=300, seed=42)
        live = await stored_rows(database_url, TIMELINE)  # behind the head: not caught up
        killed = [
            await run_and_kill(database_url, "rebuild", 5, rng.uniform(0.3, 0.8))
            for _ in range(KILLS)
        ]
        assert any(killed)
        if all(killed):
            assert await stored_rows(database_url, TIMELINE) == live

        # The kills left shadow tables (and, on PostgreSQL, a dead session's lock): neither
        # stops the next rebuild.
        position = await ProjectionRunner(events, codec, projections).rebuild(TIMELINE)
        assert position == head
        log = await logged_events(events)
        assert await stored_rows(database_url, TIMELINE) == folded_rows(log, TIMELINE, head)
    finally:
        await projections.close()
        await events.close()
