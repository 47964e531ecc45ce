"""Crash loop: ``kill -9`` the projection runner at random points of catch-ups and rebuilds,
again and again; after each kill the read models are exactly the fold of the log up to
their checkpoints, and after a restart they equal a clean rebuild, content hash for hash.

    python -m tests.reliability.crash_loop                     # short: 20 kills, PostgreSQL
    python -m tests.reliability.crash_loop --full              # 200 kills, PostgreSQL
    python -m tests.reliability.crash_loop --full --sqlite     # 200 kills, SQLite

Each round starts a worker (``tests.reliability.crash_worker``) that catches both read
models up or rebuilds one of them, in batches of 3 to 8 events, and SIGKILLs it after a
delay drawn uniformly over how long that work last took, so kills land anywhere: mid-batch,
between batches, while filling shadow tables, in the swap. Catch-ups get fresh events to
apply: the log grows between rounds. Only rounds whose worker was killed before it finished
count towards the kills asked for.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.projection_snapshots import (
    content_hash,
    folded_rows,
    logged_events,
    stored_rows,
)
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from tests.reliability.crash_worker import CATCH_UP, MODES, run_worker
from tests.reliability.runs import arguments, publish, throwaway_postgres
from timeline.application.ports import ProjectionStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.domain.projections.logged import LoggedEvent
from timeline.store import codec, migrations
from timeline.store.factory import open_event_store, open_projection_store


@dataclass(frozen=True)
class CrashSize:
    kills: int
    facts: int
    """Facts in the log to begin with (about three events each)."""
    more_facts: int
    """Facts appended before a catch-up that would have nothing to do."""


SHORT = CrashSize(kills=20, facts=50, more_facts=10)
FULL = CrashSize(kills=200, facts=400, more_facts=40)
MODE_WEIGHTS = {CATCH_UP: 5, "rebuild-timeline": 4, "rebuild-measures": 1}


@dataclass
class CrashFigures:
    kills: int = 0
    """Workers killed before they finished."""
    finished_before_the_kill: int = 0
    kills_by_mode: dict[str, int] = field(default_factory=dict)
    checks_after_kills: int = 0
    """Times the stored rows were compared with the fold up to their checkpoint."""
    events: int = 0
    distinct_checkpoints_at_kills: int = 0
    content_hashes: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


async def crash_loop(url: str, size: CrashSize, *, seed: int = 11) -> CrashFigures:
    """Run the loop on the migrated, empty database at ``url``; ``AssertionError`` names
    the first read model that differs from what it should be."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.crash_worker"])
    clock = synthetic_clock()
    events = await open_event_store(url, clock)
    projections = await open_projection_store(url, clock)
    rng = random.Random(seed)
    figures = CrashFigures()
    killed_by_mode: Counter[str] = Counter()
    checkpoints: set[tuple[int, ...]] = set()
    started = time.monotonic()
    try:
        await append_synthetic_log(events, clock, facts=size.facts, seed=seed)
        log = await logged_events(events)
        # How long each kind of work took when last left to finish; None: not known yet,
        # so the first run of each is left to finish, and later kills spread over the work.
        took: dict[str, float | None] = dict.fromkeys(MODES)
        rounds = 0
        while figures.kills < size.kills:
            rounds += 1
            assert rounds <= size.kills * 10, "the workers keep finishing before the kill"
            mode = rng.choices(list(MODE_WEIGHTS), weights=list(MODE_WEIGHTS.values()))[0]
            if mode == CATCH_UP and min(await _positions(projections)) == len(log):
                await append_synthetic_log(
                    events, clock, facts=size.more_facts, seed=seed * 1000 + rounds
                )
                log = await logged_events(events)
            last = took[mode]
            after = 600.0 if last is None else rng.uniform(0, last)
            outcome = await _run_and_kill(context, url, mode, rng.choice((3, 5, 8)), after)
            if isinstance(outcome, float):
                took[mode] = outcome  # it finished: now we know how long that work takes
                figures.finished_before_the_kill += 1
            elif outcome == "killed":
                figures.kills += 1
                killed_by_mode[mode] += 1
                checkpoints.add(tuple(await _positions(projections)))
            await _check_against_fold(url, log)
            figures.checks_after_kills += 1

        # The restart: a runner catches up from whatever the kills left, and must arrive
        # at the very tables a clean rebuild makes, and the fold of the whole log.
        runner = ProjectionRunner(events, codec, projections)
        await runner.catch_up()
        resumed = {name: await stored_rows(url, name) for name in PROJECTIONS}
        for name in PROJECTIONS:
            await runner.rebuild(name)
            rebuilt = await stored_rows(url, name)
            assert content_hash(resumed[name]) == content_hash(rebuilt), name
            assert rebuilt == folded_rows(log, name, len(log)), name
            figures.content_hashes[name] = content_hash(rebuilt)
        figures.events = len(log)
        figures.kills_by_mode = dict(killed_by_mode)
        figures.distinct_checkpoints_at_kills = len(checkpoints)
        figures.seconds = round(time.monotonic() - started, 1)
        return figures
    finally:
        await projections.close()
        await events.close()


async def _run_and_kill(context: Any, url: str, mode: str, batch: int, after: float) -> object:
    """Start a worker, SIGKILL it ``after`` seconds after it is ready: "killed", the
    seconds its work took if it finished first, or "busy" when the lock of a dead
    predecessor was still held (PostgreSQL frees it once it sees the socket close)."""
    parent, child = context.Pipe(duplex=False)
    worker = context.Process(target=run_worker, args=(url, mode, batch, child), daemon=True)
    worker.start()
    child.close()
    try:
        message = await _receive(parent, 60)
        assert message[0] == "ready", message
        if await asyncio.to_thread(parent.poll, after):
            message = parent.recv()
            if message[0] == "done":
                return float(message[1])
            assert "ProjectionBusy" in message[1], message
            return "busy"
        worker.kill()  # SIGKILL: no finally, no rollback, no goodbye to the database
        return "killed"
    finally:
        await asyncio.to_thread(worker.join, 30)
        parent.close()


async def _receive(connection: Any, seconds: float) -> Any:
    if not await asyncio.to_thread(connection.poll, seconds):
        raise AssertionError(f"no word from the worker for {seconds} s")
    return connection.recv()


async def _positions(projections: ProjectionStore) -> list[int]:
    return [checkpoint.position for checkpoint in await projections.checkpoints()]


async def _check_against_fold(url: str, log: list[LoggedEvent]) -> None:
    """Each read model holds exactly the fold of the log up to its checkpoint: whatever
    the kill interrupted was rolled back whole."""
    for name in PROJECTIONS:
        stored = await stored_rows(url, name)
        position = int(stored["checkpoint"][0])
        expected = folded_rows([e for e in log if e.position <= position], name, position)
        assert stored == expected, f"{name} at checkpoint {position} is not the fold"


async def _main() -> None:
    options = arguments(__doc__ or "", ("--sqlite", "on a SQLite file instead"))
    load_before = os.getloadavg()
    size = FULL if options.full else SHORT
    if options.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'timeline.db'}"
            await migrations.upgrade(url)
            figures = await crash_loop(url, size)
    else:
        async with throwaway_postgres("crashes") as url:
            figures = await crash_loop(url, size)
    backend = "sqlite" if options.sqlite else "postgres"
    publish({"backend": backend, **asdict(size), **asdict(figures)}, options.json, load_before)


if __name__ == "__main__":
    asyncio.run(_main())
