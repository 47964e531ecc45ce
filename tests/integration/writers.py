"""A writer process for the concurrency tests.

It appends through the store as shipped, on a database whose triggers
(``tests.integration.interference``) hold some appends open for a while after their inserts
(while the append lock is held and nothing is committed yet) and roll some back after
their inserts. That is exactly where a sequence-based log would let a tailing reader see a
later position first and skip an earlier one for good.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Protocol

from tests.factories import new_event
from tests.integration.interference import is_deliberate
from timeline.application.errors import ConcurrencyError, IntegrityViolation
from timeline.store.factory import open_event_store

SHARED_STREAM = "shared"


@dataclass
class WriterReport:
    """What one writer did; event ids as strings so the report pickles plainly."""

    committed: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    conflicts: int = 0


class Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


def run_writer(url: str, writer: int, appends: int, seed: int, start: Barrier) -> WriterReport:
    """Entry point in the child process; ``start`` lines all writers up before they write."""
    return asyncio.run(_write(url, writer, appends, seed, start))


async def _write(url: str, writer: int, appends: int, seed: int, start: Barrier) -> WriterReport:
    rng = random.Random(seed)
    store = await open_event_store(url)
    report = WriterReport()
    own_stream = f"writer-{writer}"
    versions = {own_stream: 0, SHARED_STREAM: 0}
    try:
        await store.head_position()  # connected and warmed up: now wait for the others
        await asyncio.to_thread(start.wait, 60)
        for n in range(appends):
            stream = SHARED_STREAM if rng.random() < 0.2 else own_stream
            batch = [
                new_event(payload={"writer": writer, "append": n, "k": k})
                for k in range(rng.randint(1, 4))
            ]
            ids = [str(event.event_id) for event in batch]
            try:
                result = await store.append(stream, batch, expected_version=versions[stream])
            except IntegrityViolation as error:
                if not is_deliberate(error):
                    raise
                report.rolled_back.extend(ids)
            except ConcurrencyError as error:
                # Another writer moved the shared stream on; learn its version, as a real
                # client would after re-reading the stream.
                report.conflicts += 1
                versions[stream] = error.actual_version
            else:
                report.committed.extend(ids)
                versions[stream] = result.stream_version
    finally:
        await store.close()
    return report
