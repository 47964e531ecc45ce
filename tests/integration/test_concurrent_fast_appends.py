"""The stores as shipped, racing: their one-trip appends keep the log gapless and ordered.

test_concurrent_writers.py has the database interfere inside the appends' transactions;
here nothing does: the writers race each other for the head and for a shared stream at full
speed (one trip per append, see timeline.store.sql.recorder). A reader tails the log all
along.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.factories import new_event
from tests.integration.writers import Barrier
from timeline.application.chain import verify_chain
from timeline.application.errors import ConcurrencyError
from timeline.store.factory import open_event_store

SHARED_STREAM = "shared"


def run_plain_writer(
    url: str, writer: int, appends: int, seed: int, start: Barrier
) -> tuple[list[str], int]:
    """Entry point in the child process: the ids it committed and its conflicts."""
    return asyncio.run(_write(url, writer, appends, seed, start))


async def _write(
    url: str, writer: int, appends: int, seed: int, start: Barrier
) -> tuple[list[str], int]:
    rng = random.Random(seed)
    store = await open_event_store(url)
    committed: list[str] = []
    conflicts = 0
    versions = {f"writer-{writer}": 0, SHARED_STREAM: 0}
    try:
        await store.head_position()
        await asyncio.to_thread(start.wait, 60)
        for n in range(appends):
            stream = SHARED_STREAM if rng.random() < 0.3 else f"writer-{writer}"
            # Mostly single events, some batches.
            size = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            batch = [new_event(payload={"writer": writer, "n": n, "k": k}) for k in range(size)]
            try:
                result = await store.append(stream, batch, expected_version=versions[stream])
            except ConcurrencyError as error:
                conflicts += 1
                versions[stream] = error.actual_version
            else:
                committed.extend(str(event.event_id) for event in batch)
                versions[stream] = result.stream_version
    finally:
        await store.close()
    return committed, conflicts


async def race(url: str, *, writers: int, appends: int) -> None:
    context = multiprocessing.get_context("spawn")
    store = await open_event_store(url)
    seen: list[str] = []
    last = 0
    try:
        with (
            context.Manager() as manager,
            ProcessPoolExecutor(max_workers=writers, mp_context=context) as pool,
        ):
            start = manager.Barrier(writers)
            loop = asyncio.get_running_loop()
            writing = asyncio.gather(
                *(
                    loop.run_in_executor(
                        pool, run_plain_writer, url, writer, appends, 7000 + writer, start
                    )
                    for writer in range(writers)
                )
            )
            while True:
                finished = writing.done()
                async for event in store.read_all(after_position=last, batch_size=50):
                    assert event.position == last + 1, f"after {last} came {event.position}"
                    last = event.position
                    seen.append(str(event.event_id))
                if finished:
                    break
                await asyncio.sleep(0.002)
            reports = writing.result()

        committed = {event_id for ids, _ in reports for event_id in ids}
        assert len(seen) == len(set(seen)), "an event was seen twice"
        assert set(seen) == committed
        assert await store.head_position() == last == len(committed)
        report = await verify_chain(store.read_all())
        assert report.intact, report.reason
        # Proof that the writers really raced for the shared stream.
        assert sum(conflicts for _, conflicts in reports) > 0
    finally:
        await store.close()


@pytest.mark.slow
@pytest.mark.postgres
async def test_postgres_fast_appends_race_without_gaps(postgres_database_url: str) -> None:
    await race(postgres_database_url, writers=6, appends=60)


@pytest.mark.slow
async def test_sqlite_fast_appends_race_without_gaps(sqlite_database_url: str) -> None:
    await race(sqlite_database_url, writers=4, appends=40)
