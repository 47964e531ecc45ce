"""A process for the crash tests: catches the projections up, or rebuilds one, in small
batches, until it is done or killed.

    python -m tests.integration.projection_worker URL catch-up|rebuild BATCH_SIZE

It prints ``ready`` once its stores are open, so the test can time its kill from there.
"""

from __future__ import annotations

import asyncio
import sys

from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import TIMELINE
from timeline.store import codec
from timeline.store.factory import open_event_store, open_projection_store


async def work(url: str, mode: str, batch_size: int) -> None:
    events = await open_event_store(url)
    projections = await open_projection_store(url)
    runner = ProjectionRunner(events, codec, projections, batch_size=batch_size)
    try:
        await events.head_position()  # connect before saying ready
        print("ready", flush=True)
        if mode == "catch-up":
            await runner.catch_up()
        else:
            await runner.rebuild(TIMELINE)
        print("done", flush=True)
    finally:
        await projections.close()
        await events.close()


if __name__ == "__main__":
    url, mode, batch_size = sys.argv[1:4]
    asyncio.run(work(url, mode, int(batch_size)))
