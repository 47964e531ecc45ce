"""Concurrency soak on PostgreSQL: many writer processes, connections dropped under them,
one tailing reader; then nothing lost, nothing duplicated, nothing skipped, one order.

    python -m tests.reliability.concurrency          # short: 16 writers x 25 appends
    python -m tests.reliability.concurrency --full   # 16 writers x 2,000 appends

The writers (``tests.reliability.writers``) append with random expected versions and retry
with their idempotency keys whenever a connection drops. Meanwhile this process terminates
random backends of the database (``pg_terminate_backend``: writers' and the reader's, idle
or mid-append) and tails the log with ``read_all(after_position=last)``, retrying through
the same drops. Afterwards the log must be exactly what the writers were told: every append
answered as written is there once, at the positions it was given; every refused one is not;
positions run 1..head; the reader saw the same events in the same order; each stream's
versions run 1..n in log order; and the hash chain holds.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from queue import Empty
from typing import Any

import asyncpg

from tests.reliability.runs import arguments, publish, throwaway_postgres
from tests.reliability.writers import WriterTally, run_writer
from timeline.application.chain import verify_chain
from timeline.application.errors import StoreUnavailable
from timeline.application.ports import EventStore
from timeline.store.factory import open_event_store

SHORT = {"writers": 16, "appends": 25}
FULL = {"writers": 16, "appends": 2000}
DROP_EVERY = (0.02, 0.15)
"""Seconds between two terminated backends, drawn uniformly."""


@dataclass(frozen=True)
class Seen:
    """What the reader and the final read keep of an event."""

    position: int
    event_id: str
    stream_id: str
    stream_version: int
    key: str | None


@dataclass(frozen=True)
class ConcurrencyFigures:
    writers: int
    appends_per_writer: int
    attempted: int
    committed: int
    conflicts: int
    retries_after_drops: int
    retries_after_lost_answers: int
    replayed: int
    connections_dropped: int
    reader_retries: int
    reader_polls_with_news: int
    events: int
    seconds: float
    committed_appends_per_second: float


async def soak(url: str, *, writers: int, appends: int, seed: int = 1) -> ConcurrencyFigures:
    """Run the soak on the migrated, empty PostgreSQL database at ``url`` and check it;
    an ``AssertionError`` names the first thing that does not hold."""
    # A fork server imports the writer's modules once and forks each writer from it:
    # sixteen interpreters importing SQLAlchemy side by side take many seconds on two cores.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.writers"])
    outbox: Any = context.Queue()
    start = context.Event()
    processes = [
        context.Process(
            target=run_writer,
            args=(url, writer, appends, seed * 1000 + writer, start, outbox),
            daemon=True,
        )
        for writer in range(writers)
    ]
    for process in processes:
        process.start()
    store = await open_event_store(url)
    try:
        tallies: list[WriterTally] = []
        ready = 0
        began = time.monotonic()
        while ready < writers:
            message = await _get(outbox, 120)
            if isinstance(message, WriterTally):
                raise AssertionError(f"writer {message.writer} failed: {message.failure}")
            ready += 1
        started = time.monotonic()
        print(f"writers ready in {started - began:.1f} s", file=sys.stderr)
        start.set()
        done, stop_dropping = asyncio.Event(), asyncio.Event()
        reader = asyncio.create_task(_tail(store, done))
        dropper = asyncio.create_task(_drop_connections(url, stop_dropping, random.Random(seed)))
        while len(tallies) < writers:
            tallies.append(await _get(outbox, 3600))
        seconds = time.monotonic() - started
        stop_dropping.set()
        dropped = await dropper
        done.set()
        seen, reader_retries, polls_with_news = await reader
        for process in processes:
            process.join(timeout=30)
        failures = [f"writer {t.writer}: {t.failure}" for t in tallies if t.failure]
        assert not failures, failures

        log = [_seen(event) async for event in store.read_all(batch_size=2000)]
        check(log, seen, tallies)
        report = await verify_chain(store.read_all(batch_size=2000))
        assert report.intact, report
        # The soak proves something only if it really conflicted, dropped connections under
        # writers, replayed retries and caught the log while it grew.
        assert sum(t.conflicts for t in tallies) > 0
        assert sum(t.retries_after_drops for t in tallies) > 0
        assert sum(t.replayed for t in tallies) > 0
        assert dropped > 0
        assert polls_with_news >= 3
        committed = sum(len(t.committed) for t in tallies)
        return ConcurrencyFigures(
            writers=writers,
            appends_per_writer=appends,
            attempted=sum(t.attempted for t in tallies),
            committed=committed,
            conflicts=sum(t.conflicts for t in tallies),
            retries_after_drops=sum(t.retries_after_drops for t in tallies),
            retries_after_lost_answers=sum(t.retries_after_lost_answers for t in tallies),
            replayed=sum(t.replayed for t in tallies),
            connections_dropped=dropped,
            reader_retries=reader_retries,
            reader_polls_with_news=polls_with_news,
            events=len(log),
            seconds=round(seconds, 1),
            committed_appends_per_second=round(committed / seconds, 1),
        )
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
        await store.close()


def check(log: list[Seen], seen: list[Seen], tallies: list[WriterTally]) -> None:
    """Everything the soak promises about the final ``log``, the reader's ``seen`` and
    what each writer was told."""
    positions = [event.position for event in log]
    assert positions == list(range(1, len(log) + 1)), "the log has a gap or a repeat"
    assert seen == log, "the tailing reader saw another sequence than the log holds"
    assert len({event.event_id for event in log}) == len(log), "an event id appears twice"

    by_key: dict[str, list[int]] = defaultdict(list)
    versions: dict[str, list[int]] = defaultdict(list)
    for event in log:
        assert event.key is not None, f"no idempotency key at {event.position}"
        by_key[event.key].append(event.position)
        versions[event.stream_id].append(event.stream_version)
    committed = {key: span for t in tallies for key, span in t.committed.items()}
    refused = {key for t in tallies for key in t.refused}
    sizes = {key: size for t in tallies for key, size in t.events.items()}
    lost = committed.keys() - by_key.keys()
    assert not lost, f"answered as written but not in the log: {sorted(lost)[:5]}"
    phantom = by_key.keys() - committed.keys()
    assert not phantom, f"in the log but never answered as written: {sorted(phantom)[:5]}"
    assert not refused & by_key.keys(), "an append refused with a conflict is in the log"
    for key, span in committed.items():
        found = by_key[key]
        assert (found[0], found[-1]) == span, f"{key} is at {found}, was answered {span}"
        assert found == list(range(span[0], span[1] + 1)), f"{key} is not contiguous"
        assert len(found) == sizes[key], f"{key} holds {len(found)} events, not {sizes[key]}"
    for stream, numbers in versions.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{stream}'s versions skip"
    for tally in tallies:
        firsts = [tally.committed[key][0] for key in tally.fresh_order]
        assert firsts == sorted(firsts), f"writer {tally.writer}'s appends out of order"


def _seen(event: Any) -> Seen:
    return Seen(
        event.position,
        str(event.event_id),
        event.stream_id,
        event.stream_version,
        event.metadata.idempotency_key,
    )


async def _get(queue: Any, seconds: float) -> Any:
    """The next message of a multiprocessing queue, without blocking the event loop."""
    try:
        return await asyncio.to_thread(queue.get, True, seconds)
    except Empty:
        raise AssertionError(f"no word from the writers for {seconds} s") from None


async def _tail(store: EventStore, done: asyncio.Event) -> tuple[list[Seen], int, int]:
    """Tail the log until ``done``, through dropped connections; the events seen (each
    checked to follow the last), the retries and the polls that found news."""
    seen: list[Seen] = []
    last = retries = polls_with_news = 0
    while True:
        # Decided before reading: once the writers are done, every commit is, so this
        # last read is complete.
        finished = done.is_set()
        news = 0
        try:
            async for event in store.read_all(after_position=last, batch_size=256):
                assert event.position == last + 1, f"after {last} came {event.position}"
                last = event.position
                seen.append(_seen(event))
                news += 1
        except StoreUnavailable:
            retries += 1
            await asyncio.sleep(0.005)
            continue
        polls_with_news += news > 0
        if finished:
            return seen, retries, polls_with_news
        await asyncio.sleep(0.002)


async def _drop_connections(url: str, stop: asyncio.Event, rng: random.Random) -> int:
    """Terminate one random client backend of the database (not this one) at a time until
    ``stop``; return how many were terminated."""
    connection = await asyncpg.connect(url)
    dropped = 0
    try:
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(*DROP_EVERY))
            terminated = await connection.fetchval(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM ("
                "  SELECT pid FROM pg_stat_activity"
                "  WHERE datname = current_database() AND pid <> pg_backend_pid()"
                "    AND backend_type = 'client backend' ORDER BY random() LIMIT 1) AS victim"
            )
            dropped += int(terminated)
    finally:
        await connection.close()
    return dropped


async def _main() -> None:
    options = arguments(__doc__ or "")
    load_before = os.getloadavg()
    size = FULL if options.full else SHORT
    async with throwaway_postgres("concurrency") as url:
        figures = await soak(url, writers=size["writers"], appends=size["appends"])
    publish(asdict(figures), options.json, load_before)


if __name__ == "__main__":
    asyncio.run(_main())
