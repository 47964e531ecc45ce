"""A writer process for the concurrency tests.

It appends through the real store, but some of its transactions are held open for a while
after their inserts (while the append lock is held and nothing is committed yet) and some
are rolled back after their inserts. That is exactly where a sequence-based log would let a
tailing reader see a later position first and skip an earlier one for good.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.factories import new_event
from timeline.application.errors import ConcurrencyError
from timeline.application.ports import Clock
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine
from timeline.store.sql.postgres import PostgresEventStore
from timeline.store.sql.recorder import SqlEventStore
from timeline.store.sql.sqlite import SqliteEventStore

SHARED_STREAM = "shared"


class DeliberateRollback(Exception):
    """Raised inside an append's transaction, after its inserts, to roll it back."""


class InterferingStore(SqlEventStore):
    """Delays or fails some appends just before they commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        rng: random.Random,
        delay_probability: float,
        rollback_probability: float,
    ) -> None:
        super().__init__(engine, clock)
        self._rng = rng
        self._delay_probability = delay_probability
        self._rollback_probability = rollback_probability

    async def _announce(self, conn: AsyncConnection, last_position: int) -> None:
        await super()._announce(conn, last_position)
        roll = self._rng.random()
        if roll < self._rollback_probability:
            raise DeliberateRollback
        if roll < self._rollback_probability + self._delay_probability:
            await asyncio.sleep(self._rng.uniform(0.005, 0.03))


class InterferingPostgresStore(InterferingStore, PostgresEventStore):
    pass


class InterferingSqliteStore(InterferingStore, SqliteEventStore):
    pass


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
    engine = create_engine(url)
    kind = InterferingSqliteStore if engine.dialect.name == "sqlite" else InterferingPostgresStore
    store = kind(engine, SystemClock(), rng=rng, delay_probability=0.15, rollback_probability=0.15)
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
            except DeliberateRollback:
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
