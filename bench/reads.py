"""Reading the whole log in global order, decoded to domain events.

Each system's log is loaded once with the corpus (in batches of 1,000: the read does not
care how the events came in), then read from the start to the end as many times as there
are repeats. Ours is ``EventStore.read_all`` with ``codec.decode`` on every record, so each
event comes back as the domain's value objects (fuzzy dates, decimals, sources, figures);
the peer's is ``select_notifications`` with its mapper's ``to_domain_event``. Before each of
our reads the fuzzy-date and read-path caches are emptied, so every read pays for its dates
as a fresh process replaying the log would.

Beside the wall-clock rates, the notes give each side's CPU an event (this process, all its
threads; a PostgreSQL server's own work is not in it), the medians of the repeats: on a
machine shared with other work the wall clock moves with the load, and the CPU much less
(bench/README item 35).
"""

from __future__ import annotations

import statistics
import time
from contextlib import AsyncExitStack

from bench.appends import BATCH_SIZE, ours_batches, peer_batches
from bench.corpus import corpus, frozen
from bench.databases import Databases
from bench.peer import PeerStore
from bench.report import Comparison, Run, Target
from bench.suite import Settings
from timeline.application.ports import EventStore
from timeline.store import codec
from timeline.store.sql import rows

READ_EVENTS = 50_000
TARGET = Target("rate", 100_000)


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(READ_EVENTS), settings.seed))
    batches = [events[start : start + BATCH_SIZE] for start in range(0, len(events), BATCH_SIZE)]
    results = []
    for backend in settings.backends:
        ours: list[float] = []
        peer: list[float] = []
        ours_cpu: list[float] = []
        peer_cpu: list[float] = []
        async with AsyncExitStack() as stack:
            store = await stack.enter_async_context(databases.ours(backend))
            await ours_batches(store, batches)
            peer_store = None
            if settings.peer:
                peer_store = await stack.enter_async_context(databases.peer(backend))
                peer_batches(peer_store, batches)
            for _ in range(settings.repeats):
                with settings.ours():
                    seconds, cpu = await _read_ours(store, len(events))
                ours.append(seconds)
                ours_cpu.append(cpu)
                if peer_store is not None:
                    seconds, cpu = _read_peer(peer_store, len(events))
                    peer.append(seconds)
                    peer_cpu.append(cpu)
        results.append(
            Comparison(
                "read-all",
                backend,
                Run("timeline", len(events), ours),
                Run("eventsourcing", len(events), peer) if peer else None,
                TARGET,
                notes="decoded to domain events; date and read caches emptied before each read; "
                + _cpu_note(len(events), ours_cpu, peer_cpu),
            )
        )
    return results


def _cpu_note(events: int, ours: list[float], peer: list[float]) -> str:
    def per_event(seconds: list[float]) -> str:
        return f"{statistics.median(seconds) / events * 1e6:.2f}"

    note = f"CPU µs an event (process, median): ours {per_event(ours)}"
    return f"{note}, peer {per_event(peer)}" if peer else note


def forget_dates() -> None:
    """Empty the codec's fuzzy-date cache and the read path's shared time values and
    metadata, as a fresh process starts (private names: no port should offer this)."""
    codec._fuzzy_date.cache_clear()
    for cache in (
        rows._occurred,
        rows._reported,
        rows._recorded_at,
        rows.metadata_from_text,
    ):
        cache.cache_clear()


async def _read_ours(store: EventStore, expected: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one read of the log."""
    forget_dates()
    decode = codec.decode
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    async for record in store.read_all(batch_size=1000):
        decode(record)
        count += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if count != expected:
        raise RuntimeError(f"read {count} events of {expected}")
    return seconds, cpu


def _read_peer(store: PeerStore, expected: int) -> tuple[float, float]:
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    for _ in store.read_all(batch_size=1000):
        count += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if count != expected:
        raise RuntimeError(f"the peer read {count} events of {expected}")
    return seconds, cpu
