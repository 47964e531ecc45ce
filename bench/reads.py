"""Reading the whole log in global order, decoded to domain events.

Each system's log is loaded once with the corpus (in batches of 1,000: the read does not
care how the events came in), then read from the start to the end as many times as there
are repeats. Ours is ``EventStore.read_all`` with ``codec.decode`` on every record, so each
event comes back as the domain's value objects (fuzzy dates, decimals, sources, figures);
the peer's is ``select_notifications`` with its mapper's ``to_domain_event``. Before each of
our reads the fuzzy-date and read-path caches are emptied, so every read pays for its dates
as a fresh process replaying the log would.
"""

from __future__ import annotations

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
        async with AsyncExitStack() as stack:
            store = await stack.enter_async_context(databases.ours(backend))
            await ours_batches(store, batches)
            peer_store = None
            if settings.peer:
                peer_store = await stack.enter_async_context(databases.peer(backend))
                peer_batches(peer_store, batches)
            for _ in range(settings.repeats):
                with settings.ours():
                    ours.append(await _read_ours(store, len(events)))
                if peer_store is not None:
                    peer.append(_read_peer(peer_store, len(events)))
        results.append(
            Comparison(
                "read-all",
                backend,
                Run("timeline", len(events), ours),
                Run("eventsourcing", len(events), peer) if peer else None,
                TARGET,
                notes="decoded to domain events; date and read caches emptied before each read",
            )
        )
    return results


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


async def _read_ours(store: EventStore, expected: int) -> float:
    forget_dates()
    decode = codec.decode
    count = 0
    started = time.perf_counter()
    async for record in store.read_all(batch_size=1000):
        decode(record)
        count += 1
    seconds = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"read {count} events of {expected}")
    return seconds


def _read_peer(store: PeerStore, expected: int) -> float:
    count = 0
    started = time.perf_counter()
    for _ in store.read_all(batch_size=1000):
        count += 1
    seconds = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"the peer read {count} events of {expected}")
    return seconds
