"""SQLite's writer checkpoints the WAL itself, off the append (``store.sql.sqlite_writer``).

Its connection has SQLite's automatic checkpoint off, so these hold what that checkpoint
gave: the ``-wal`` file stays bounded however much is appended, readers see whole appends
throughout, a reader holding an old snapshot only delays the copying, and what was
committed survives a process that ends without closing its store.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sqlite3
from pathlib import Path

from tests.factories import new_event
from timeline.application.chain import verify_chain
from timeline.application.ports import EventStore
from timeline.application.records import NewEvent
from timeline.store.factory import open_event_store
from timeline.store.sql.sqlite_writer import CHECKPOINT_PAGES, RESTART_PAGES

PAGE = 4096
FRAME = PAGE + 24  # a WAL frame: its header and one page
TEXT = "a fact's summary, long enough to fill pages " * 40  # about 1.8 KB


def wal_bytes(url: str) -> int:
    path = Path(url.removeprefix("sqlite:///") + "-wal")
    return path.stat().st_size if path.exists() else 0


def batch(number: int, size: int) -> list[NewEvent]:
    return [new_event(payload={"text": TEXT, "n": number, "k": k}) for k in range(size)]


async def test_the_wal_stays_bounded_however_much_is_appended(sqlite_database_url: str) -> None:
    store = await open_event_store(sqlite_database_url)
    largest = 0
    try:
        # About 10,000 pages in all, twice the bound: batches of 100 (some 145 pages
        # each), then single appends.
        for number in range(60):
            await store.append(f"batch-{number}", batch(number, 100), expected_version=0)
            largest = max(largest, wal_bytes(sqlite_database_url))
        for number in range(400):
            await store.append(f"single-{number}", batch(number, 1), expected_version=0)
            largest = max(largest, wal_bytes(sqlite_database_url))
    finally:
        await store.close()
    # The writer starts the WAL again past RESTART_PAGES, after the checkpoint that found it.
    # Room for a guess of the pages a little low and the append that crossed it.
    assert largest <= (RESTART_PAGES + 500) * FRAME
    assert largest > 0


async def test_readers_see_whole_appends_while_the_writer_checkpoints(
    sqlite_database_url: str,
) -> None:
    store = await open_event_store(sqlite_database_url)
    reader = await open_event_store(sqlite_database_url)
    done = asyncio.Event()
    seen: list[int] = []

    async def tail() -> None:
        position = 0
        while not done.is_set() or position < 3000:
            async for event in reader.read_all(after_position=position, batch_size=250):
                assert event.position == position + 1
                position = event.position
                seen.append(position)
            # Every append is 100 events: a reader sees whole appends or none of one.
            assert position % 100 == 0
            await asyncio.sleep(0)

    try:
        tailing = asyncio.create_task(tail())
        for number in range(30):
            await store.append(f"batch-{number}", batch(number, 100), expected_version=0)
        done.set()
        await asyncio.wait_for(tailing, 60)
        report = await verify_chain(reader.read_all())
    finally:
        await reader.close()
        await store.close()
    assert seen == list(range(1, 3001))
    assert report.intact
    assert report.events_checked == 3000


async def test_a_reader_on_an_old_snapshot_delays_the_copy_but_sees_its_snapshot(
    sqlite_database_url: str,
) -> None:
    store = await open_event_store(sqlite_database_url)
    await store.append("first", batch(0, 100), expected_version=0)
    path = sqlite_database_url.removeprefix("sqlite:///")
    old = sqlite3.connect(path, isolation_level=None)
    try:
        old.execute("BEGIN")
        [(before,)] = old.execute("SELECT count(*) FROM events")
        # The writer cannot copy past this snapshot nor start its WAL again meanwhile.
        for number in range(1, 40):
            await store.append(f"batch-{number}", batch(number, 100), expected_version=0)
        [(during,)] = old.execute("SELECT count(*) FROM events")
        old.execute("COMMIT")
        grown = wal_bytes(sqlite_database_url)
        for number in range(40, 60):
            await store.append(f"batch-{number}", batch(number, 100), expected_version=0)
        head = await store.head_position()
        report = await verify_chain(store.read_all())
    finally:
        old.close()
        await store.close()
    assert before == during == 100
    assert grown > CHECKPOINT_PAGES * FRAME  # held up by the reader
    assert head == 6000
    assert report.intact
    assert report.events_checked == 6000


def _append_and_vanish(url: str) -> None:
    async def append() -> None:
        store = await open_event_store(url)
        for number in range(12):
            await store.append(f"batch-{number}", batch(number, 100), expected_version=0)
        os._exit(0)  # no close, no last checkpoint: the WAL holds what was not copied

    asyncio.run(append())


async def test_commits_survive_a_process_that_ends_without_closing(
    sqlite_database_url: str,
) -> None:
    child = multiprocessing.get_context("spawn").Process(
        target=_append_and_vanish, args=(sqlite_database_url,)
    )
    child.start()
    await asyncio.to_thread(child.join, 120)
    assert child.exitcode == 0
    store: EventStore = await open_event_store(sqlite_database_url)
    try:
        report = await verify_chain(store.read_all())
    finally:
        await store.close()
    assert report.intact
    assert report.events_checked == 1200
