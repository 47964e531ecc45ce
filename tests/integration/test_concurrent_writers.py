"""Many writer processes, one tailing reader: every committed event seen once, in order.

The database's triggers (tests/integration/interference.py) hold some of the writers'
(tests/integration/writers.py) transactions open after inserting and roll some back, so
that if positions could commit out of order the reader, polling
``read_all(after_position=last_seen)`` all the while, would skip an event for good.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.integration.interference import interfere
from tests.integration.writers import WriterReport, run_writer
from timeline.application.chain import verify_chain
from timeline.store.factory import open_event_store


async def tail_while_writing(url: str, *, writers: int, appends: int) -> list[WriterReport]:
    context = multiprocessing.get_context("spawn")
    await interfere(url, rollback=0.15, delay=0.15)
    store = await open_event_store(url)
    seen: list[str] = []
    stream_of: dict[str, str] = {}
    last = 0
    polls_with_news_during_writes = 0
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
                        pool, run_writer, url, writer, appends, 1000 + writer, start
                    )
                    for writer in range(writers)
                )
            )
            while True:
                # Decided before reading: once every writer has returned, every commit is
                # done, so this last read is complete.
                finished = writing.done()
                news = 0
                async for event in store.read_all(after_position=last, batch_size=64):
                    assert event.position == last + 1, f"after {last} came {event.position}"
                    last = event.position
                    seen.append(str(event.event_id))
                    stream_of[str(event.event_id)] = event.stream_id
                    news += 1
                if finished:
                    break
                polls_with_news_during_writes += news > 0
                await asyncio.sleep(0.002)
            reports: list[WriterReport] = writing.result()

        committed = {event_id for report in reports for event_id in report.committed}
        rolled_back = {event_id for report in reports for event_id in report.rolled_back}
        assert len(seen) == len(set(seen)), "an event was seen twice"
        assert set(seen) == committed
        assert not rolled_back & set(seen)
        assert await store.head_position() == last == len(committed)
        assert (await verify_chain(store.read_all())).intact

        # The test proves something only if the writers really interleaved, some appends
        # were rolled back, and the reader caught the log while it was growing.
        assert rolled_back
        assert sum(report.conflicts for report in reports) > 0
        assert polls_with_news_during_writes >= 3
        streams_in_log_order = [stream_of[event_id] for event_id in seen]
        switches = sum(a != b for a, b in itertools.pairwise(streams_in_log_order))
        assert switches > writers * 2
        return reports
    finally:
        await store.close()


@pytest.mark.slow
@pytest.mark.postgres
async def test_postgres_tailing_reader_misses_nothing(postgres_database_url: str) -> None:
    await tail_while_writing(postgres_database_url, writers=10, appends=60)


@pytest.mark.slow
async def test_sqlite_tailing_reader_misses_nothing(sqlite_database_url: str) -> None:
    await tail_while_writing(sqlite_database_url, writers=4, appends=30)
