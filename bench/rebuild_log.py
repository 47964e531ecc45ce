"""The log the rebuild and time-travel benchmarks read: N corpus events, loaded once, cached.

Making a million corpus events takes minutes (every one comes from the domain's decisions),
so the loaded database is kept between runs, keyed by seed and N: a SQLite file under
``bench/results/cache`` and a PostgreSQL database ``timeline_bench_cache_<seed>_<N>_<v>`` on
the server, each holding the log and its read models rebuilt once. The events go in through
the importer (``timeline import``'s way in: one transaction, batches of rows), each to its
own stream at its own version, chained, recorded a millisecond apart. PostgreSQL's copy is
imported from the SQLite file's log, so both hold the very same events.

``TIMELINE_BENCH_CACHE`` moves the cache; ``off`` keeps nothing (the smoke test's tiny
corpora): the databases are then made in the run's own places and dropped after it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from itertools import islice
from pathlib import Path
from uuid import UUID

import asyncpg
import msgspec
import sqlalchemy as sa

from bench.corpus import _log
from bench.databases import Databases
from bench.report import RESULTS_DIRECTORY
from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content
from timeline.application.ports import EventImporter
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.application.records import RecordedEvent
from timeline.store import codec, migrations
from timeline.store.factory import open_event_store, open_projection_store
from timeline.store.sql.importer import open_event_importer

CACHE_ENV = "TIMELINE_BENCH_CACHE"
TAG_ENV = "TIMELINE_BENCH_CACHE_TAG"
"""Appended to the PostgreSQL cache's name, so that branches whose migrations differ each
keep their own (the SQLite file follows ``TIMELINE_BENCH_CACHE``)."""
DEFAULT_CACHE = RESULTS_DIRECTORY / "cache"
FORMAT = "v1"
"""Part of every cache key: bump it when the recorded log changes shape."""
FIRST_RECORDED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IMPORT_BATCH = 2_000
SLICE = 100_000


def recorded_log(events: int, seed: int) -> Iterator[RecordedEvent]:
    """The corpus of ``events`` for ``seed`` as the store would have recorded it, streamed
    (a million corpus events held at once would be gigabytes)."""
    ids = random.Random(seed ^ 0x5EED)
    previous = GENESIS_HASH
    # corpus.corpus() is this generator made into a list; here it is streamed.
    made = islice(_log(random.Random(seed), events), events)
    for position, item in enumerate(made, start=1):
        new = codec.encode(item.event, event_id=UUID(int=ids.getrandbits(128), version=4))
        unhashed = RecordedEvent(
            position=position,
            event_id=new.event_id,
            stream_id=item.stream_id,
            stream_version=item.expected_version + 1,
            event_type=new.event_type,
            schema_version=new.schema_version,
            payload=new.payload,
            occurred=new.occurred,
            reported=new.reported,
            recorded_at=FIRST_RECORDED + dt.timedelta(milliseconds=position),
            metadata=new.metadata,
            hash="",
        )
        previous = chain_hash(previous, recorded_content(unhashed))
        yield msgspec.structs.replace(unhashed, hash=previous)


def batches(records: Iterable[RecordedEvent], size: int) -> Iterator[list[RecordedEvent]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def cache_directory() -> Path | None:
    """Where loaded logs are kept between runs; None when caching is off."""
    found = os.environ.get(CACHE_ENV)
    if found == "off":
        return None
    return Path(found) if found else DEFAULT_CACHE


async def fill(url: str, records: Iterable[RecordedEvent] | str) -> int:
    """Import ``records`` (or the log at that URL) into the migrated, empty log at ``url``
    and build every read model from it; the head."""
    store = await open_event_store(url)
    try:
        importer = open_event_importer(store)
        if isinstance(records, str):
            head = await _import_from(records, importer)
        else:
            head = await importer.import_events(batches(records, IMPORT_BATCH))
        projections = await open_projection_store(url)
        try:
            await ProjectionRunner(store, codec, projections).rebuild_all(PROJECTIONS)
        finally:
            await projections.close()
    finally:
        await store.close()
    return head


async def _import_from(url: str, importer: EventImporter) -> int:
    """The log at ``url`` imported a slice at a time (each slice one transaction), so that
    memory holds one slice, not the log."""
    source = await open_event_store(url)
    head = 0
    try:
        pending: list[RecordedEvent] = []
        async for record in source.read_all(batch_size=5_000):
            pending.append(record)
            if len(pending) == SLICE:
                head = await importer.import_events(batches(pending, IMPORT_BATCH))
                pending = []
        if pending:
            head = await importer.import_events(batches(pending, IMPORT_BATCH))
    finally:
        await source.close()
    return head


class LoadedLogs:
    """The loaded, projected log of ``events`` events for ``seed`` on each backend."""

    def __init__(self, databases: Databases, events: int, seed: int) -> None:
        self._databases = databases
        self._events = events
        self._seed = seed
        self._cache = cache_directory()
        self._uncached: dict[str, str] = {}

    @property
    def name(self) -> str:
        tag = os.environ.get(TAG_ENV, "")
        return f"timeline_bench_cache_{self._seed}_{self._events}_{FORMAT}{tag and '_' + tag}"

    async def url(self, backend: str) -> str:
        """The URL of the loaded database, made on first use, migrated to head. Readers
        only: a benchmark that writes takes a ``copy``."""
        if backend == "sqlite":
            url = await self._sqlite()
        else:
            url = await self._postgres()
        await migrations.upgrade(url)  # a cache made before the newest migration
        return url

    @asynccontextmanager
    async def copy(self, backend: str) -> AsyncIterator[str]:
        """A fresh copy of the loaded database, for a benchmark that writes; the URL."""
        source = await self.url(backend)
        if backend == "sqlite":
            path = self._databases.scratch_file()
            shutil.copyfile(sa.make_url(source).database or "", path)
            yield f"sqlite:///{path}"
            return
        name = await self._databases.scratch_database()
        await _admin(self._databases.postgres_url, f"DROP DATABASE {name}")
        template = sa.make_url(source).database
        await _admin(
            self._databases.postgres_url,
            f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY",
        )
        yield self._databases.url(name)

    async def _sqlite(self) -> str:
        if self._cache is None:
            if "sqlite" not in self._uncached:
                scratch = self._databases.scratch_file()
                self._uncached["sqlite"] = await _made(
                    f"sqlite:///{scratch}", recorded_log(self._events, self._seed)
                )
            return self._uncached["sqlite"]
        path = self._cache / f"{self.name}.db"
        if not path.exists():
            self._cache.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            await _made(f"sqlite:///{partial}", recorded_log(self._events, self._seed))
            partial.rename(path)
            # The rebuild's lock files are named after the database they locked.
            for lock in partial.parent.glob(f"{partial.name}-rebuild-*.lock"):
                lock.unlink()
        return f"sqlite:///{path}"

    async def _postgres(self) -> str:
        if self._cache is None:
            if "postgres" not in self._uncached:
                url = self._databases.url(await self._databases.scratch_database())
                self._uncached["postgres"] = await _made(url, await self._sqlite())
            return self._uncached["postgres"]
        admin = self._databases.postgres_url
        if not await _exists(admin, self.name):
            partial = f"{self.name}_partial"
            await _admin(admin, f"DROP DATABASE IF EXISTS {partial} WITH (FORCE)")
            await _admin(admin, f"CREATE DATABASE {partial}")
            await _made(self._databases.url(partial), await self.url("sqlite"))
            await _admin(admin, f"ALTER DATABASE {partial} RENAME TO {self.name}")
        return self._databases.url(self.name)


async def _made(url: str, records: Iterable[RecordedEvent] | str) -> str:
    await migrations.upgrade(url)
    await fill(url, records)
    return url


async def _connect(admin_url: str) -> asyncpg.Connection:
    url = sa.make_url(admin_url)
    return await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )


async def _admin(admin_url: str, statement: str) -> None:
    conn = await _connect(admin_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _exists(admin_url: str, name: str) -> bool:
    conn = await _connect(admin_url)
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    return found is not None
