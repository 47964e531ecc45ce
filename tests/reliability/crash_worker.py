"""A projection runner to kill: catches the read models up, or rebuilds one, in small
batches, telling its parent ``ready`` once connected and ``done`` when finished.

Run in a process forked from a fork server that imported this module, so a worker starts in
milliseconds and the crash loop spends its time crashing, not importing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.store import codec
from timeline.store.factory import open_event_store, open_projection_store

CATCH_UP = "catch-up"
REBUILDS = tuple(f"rebuild-{name}" for name in PROJECTIONS)
MODES = (CATCH_UP, *REBUILDS)


class Pipe(Protocol):
    """The child's end of a ``multiprocessing.Pipe``."""

    def send(self, obj: object) -> None: ...


def run_worker(url: str, mode: str, batch_size: int, pipe: Pipe) -> None:
    """Process entry point: sends ("ready", t), then ("done", seconds) or ("error", text)."""
    try:
        asyncio.run(_work(url, mode, batch_size, pipe))
    except Exception as error:
        pipe.send(("error", f"{type(error).__name__}: {error}"))


async def _work(url: str, mode: str, batch_size: int, pipe: Pipe) -> None:
    events = await open_event_store(url)
    projections = await open_projection_store(url)
    runner = ProjectionRunner(events, codec, projections, batch_size=batch_size)
    try:
        await events.head_position()  # connected: the kill is timed from here
        started = time.monotonic()
        pipe.send(("ready", started))
        if mode == CATCH_UP:
            await runner.catch_up()
        else:
            await runner.rebuild(mode.removeprefix("rebuild-"))
        pipe.send(("done", time.monotonic() - started))
    finally:
        await projections.close()
        await events.close()
