"""A writer process for the concurrency soak (``tests.reliability.concurrency``).

Each append goes to one of a few streams every writer shares, or to the writer's own, at
the version the writer believes the stream is at, except that now and then it guesses a
version at random. Every append carries an idempotency key and is retried with that key
whenever the connection drops under it (the soak terminates backends at random), so that
an append which committed before its answer was lost is answered, not written twice.
Some answers are also thrown away on purpose after a commit, and the retry must get the
very same positions back.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from tests.factories import new_event
from timeline.application.errors import ConcurrencyError, StoreUnavailable
from timeline.application.ports import EventStore
from timeline.application.records import AppendResult, NewEvent
from timeline.store.factory import open_event_store

SHARED_STREAMS = 8
SHARED_PROBABILITY = 0.5
RANDOM_VERSION_PROBABILITY = 0.2
LOST_ANSWER_PROBABILITY = 0.03
MAX_RETRIES = 200
"""Retries of one append before the writer gives up (and the soak fails)."""


class Signal(Protocol):
    """``multiprocessing.Event``, as far as a writer uses it."""

    def wait(self, timeout: float | None = None) -> bool: ...


class Outbox(Protocol):
    """``multiprocessing.Queue``, as far as a writer uses it."""

    def put(self, item: object) -> None: ...


@dataclass
class WriterTally:
    """What one writer did. Keys map to the positions (first, last) the store answered;
    ``refused`` holds the keys of appends refused with a conflict."""

    writer: int
    attempted: int = 0
    conflicts: int = 0
    retries_after_drops: int = 0
    retries_after_lost_answers: int = 0
    replayed: int = 0
    committed: dict[str, tuple[int, int]] = field(default_factory=dict)
    fresh_order: list[str] = field(default_factory=list)
    """Keys of the appends this writer saw written (not replayed), in its own order."""
    refused: list[str] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    """Events per key, committed or not."""
    failure: str | None = None


def shared_stream(index: int) -> str:
    return f"soak-shared-{index}"


def run_writer(
    url: str, writer: int, appends: int, seed: int, start: Signal, outbox: Outbox
) -> None:
    """Process entry point: say ``ready``, wait for ``start``, write, put the tally."""
    tally = WriterTally(writer=writer)
    try:
        asyncio.run(_write(url, tally, appends, seed, start, outbox))
    except BaseException as error:  # reported, so the soak fails with the reason
        tally.failure = f"{type(error).__name__}: {error}"
    outbox.put(tally)


async def _write(
    url: str, tally: WriterTally, appends: int, seed: int, start: Signal, outbox: Outbox
) -> None:
    rng = random.Random(seed)
    store = await open_event_store(url)
    own = f"soak-writer-{tally.writer}"
    believed: dict[str, int] = {}
    try:
        await _retrying(store.head_position, tally)  # connected: now line up with the others
        outbox.put(("ready", tally.writer))
        await asyncio.to_thread(start.wait, 120)
        for n in range(appends):
            stream = (
                shared_stream(rng.randrange(SHARED_STREAMS))
                if rng.random() < SHARED_PROBABILITY
                else own
            )
            version = believed.get(stream, 0)
            if rng.random() < RANDOM_VERSION_PROBABILITY:
                version = max(0, version + rng.randint(-2, 2))
            key = f"soak-{seed}-{tally.writer}-{n}"
            batch = [
                new_event(payload={"writer": tally.writer, "append": n, "k": k})
                for k in range(rng.randint(1, 3))
            ]
            tally.attempted += 1
            tally.events[key] = len(batch)
            try:
                result = await _append(store, stream, batch, version, key, tally)
            except ConcurrencyError as error:
                tally.conflicts += 1
                tally.refused.append(key)
                believed[stream] = error.actual_version  # as a client re-reading would
                continue
            if rng.random() < LOST_ANSWER_PROBABILITY:
                # The answer "got lost" after the commit: the retry must be answered with
                # the original positions, and write nothing.
                tally.retries_after_lost_answers += 1
                again = await _append(store, stream, batch, version, key, tally)
                if not again.replayed or (again.first_position, again.last_position) != (
                    result.first_position,
                    result.last_position,
                ):
                    raise AssertionError(f"a retry of {key} was not answered with the original")
            tally.committed[key] = (result.first_position, result.last_position)
            if not result.replayed:
                tally.fresh_order.append(key)
            believed[stream] = result.stream_version
    finally:
        await store.close()


async def _append(
    store: EventStore,
    stream: str,
    batch: list[NewEvent],
    version: int,
    key: str,
    tally: WriterTally,
) -> AppendResult:
    """The append, retried with the same key (and the same events) after each dropped
    connection; a ``ConcurrencyError`` is the stream's answer and is not retried."""
    for _ in range(MAX_RETRIES):
        try:
            result = await store.append(
                stream, batch, expected_version=version, idempotency_key=key
            )
        except StoreUnavailable:
            tally.retries_after_drops += 1
            await asyncio.sleep(0.005)
            continue
        tally.replayed += result.replayed
        return result
    raise AssertionError(f"{key}: still unavailable after {MAX_RETRIES} retries")


async def _retrying(call: Callable[[], Awaitable[object]], tally: WriterTally) -> None:
    for _ in range(MAX_RETRIES):
        try:
            await call()
        except StoreUnavailable:
            tally.retries_after_drops += 1
            await asyncio.sleep(0.01)
            continue
        return
    raise AssertionError(f"still unavailable after {MAX_RETRIES} retries")
