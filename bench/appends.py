"""Appends: one event per transaction, and 1,000 events per transaction.

Both systems start every repeat on a fresh, empty database and take turns (ours, then the
peer, repeat after repeat), so that load from elsewhere on the machine falls on both alike.
The clock runs from a domain event in hand to the event committed: our codec and store, the
peer's mapper and recorder. The corpus is made before any clock starts.

One event per transaction appends the corpus in log order, each event to its own stream at
its stream's version. Our store appends to one stream per call, so for 1,000 per transaction
each batch of 1,000 corpus events goes to a stream of its own (``bulk-<n>``), as an import
would write it; the peer gets the same batches under one originator id each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from bench.corpus import CorpusEvent, corpus, frozen
from bench.databases import Databases
from bench.peer import LoggedEvent, PeerStore, logged_event
from bench.report import Comparison, Run, Target
from bench.suite import Settings
from timeline.application.ports import EventStore
from timeline.store import codec

SINGLE_EVENTS = 2_000
BATCH_EVENTS = 20_000
BATCH_SIZE = 1_000

SINGLE_TARGETS = {"postgres": Target("ratio", 2.5), "sqlite": Target("ratio", 1.3)}
BATCH_TARGETS = {"postgres": Target("rate", 40_000), "sqlite": Target("rate", 50_000)}


async def run_single(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(SINGLE_EVENTS), settings.seed))
    results = []
    for backend in settings.backends:
        ours: list[tuple[float, list[float]]] = []
        peer: list[tuple[float, list[float]]] = []
        for _ in range(settings.repeats):
            async with databases.ours(backend) as store:
                with settings.ours():
                    ours.append(await _ours_single(store, events))
            if settings.peer:
                async with databases.peer(backend) as peer_store:
                    peer.append(_peer_single(peer_store, events))
        results.append(
            Comparison(
                "append-single",
                backend,
                _run("timeline", len(events), ours),
                _run("eventsourcing", len(events), peer) if peer else None,
                SINGLE_TARGETS[backend],
            )
        )
    return results


async def run_batch(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(BATCH_EVENTS), settings.seed))
    batches = [events[start : start + BATCH_SIZE] for start in range(0, len(events), BATCH_SIZE)]
    results = []
    for backend in settings.backends:
        ours: list[tuple[float, list[float]]] = []
        peer: list[tuple[float, list[float]]] = []
        for _ in range(settings.repeats):
            async with databases.ours(backend) as store:
                with settings.ours():
                    ours.append(await ours_batches(store, batches))
            if settings.peer:
                async with databases.peer(backend) as peer_store:
                    peer.append(peer_batches(peer_store, batches))
        results.append(
            Comparison(
                "append-batch",
                backend,
                _run("timeline", len(events), ours),
                _run("eventsourcing", len(events), peer) if peer else None,
                BATCH_TARGETS[backend],
                notes=f"{BATCH_SIZE:,} events per transaction",
            )
        )
    return results


async def _ours_single(
    store: EventStore, events: Sequence[CorpusEvent]
) -> tuple[float, list[float]]:
    latencies = []
    clock = time.perf_counter
    started = clock()
    for item in events:
        before = clock()
        await store.append(
            item.stream_id, [codec.encode(item.event)], expected_version=item.expected_version
        )
        latencies.append((clock() - before) * 1000)
    return clock() - started, latencies


def _peer_single(store: PeerStore, events: Sequence[CorpusEvent]) -> tuple[float, list[float]]:
    latencies = []
    clock = time.perf_counter
    started = clock()
    for item in events:
        before = clock()
        store.append([logged_event(item.stream_id, item.expected_version + 1, item.event)])
        latencies.append((clock() - before) * 1000)
    return clock() - started, latencies


async def ours_batches(
    store: EventStore, batches: Sequence[Sequence[CorpusEvent]]
) -> tuple[float, list[float]]:
    """Append each batch to a stream of its own; the time and each batch's latency."""
    latencies = []
    clock = time.perf_counter
    started = clock()
    for number, batch in enumerate(batches):
        before = clock()
        records = [codec.encode(item.event) for item in batch]
        await store.append(f"bulk-{number}", records, expected_version=0)
        latencies.append((clock() - before) * 1000)
    return clock() - started, latencies


def peer_batches(
    store: PeerStore, batches: Sequence[Sequence[CorpusEvent]]
) -> tuple[float, list[float]]:
    latencies = []
    clock = time.perf_counter
    started = clock()
    for number, batch in enumerate(batches):
        before = clock()
        stream = f"bulk-{number}"
        logged: list[LoggedEvent] = [
            logged_event(stream, version, item.event) for version, item in enumerate(batch, start=1)
        ]
        store.append(logged)
        latencies.append((clock() - before) * 1000)
    return clock() - started, latencies


def _run(system: str, events: int, repeats: list[tuple[float, list[float]]]) -> Run:
    return Run(
        system=system,
        events=events,
        seconds=[seconds for seconds, _ in repeats],
        latencies_ms=[latency for _, latencies in repeats for latency in latencies],
    )
