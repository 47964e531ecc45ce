"""The floors under both systems: one raw driver statement per commit, and nothing else.

Each corpus payload is inserted as one row of a two-column table (a key and the JSON), one
statement per transaction, straight through a driver: on the left the async driver our
store is built on (aiosqlite, asyncpg with a prepared statement), on the right the
synchronous driver under the peer (sqlite3, psycopg with a prepared statement), at the same
durability as the benchmarks. No system can append one event per transaction faster than its
driver's floor, so these say how much of a gap is the store's and how much the driver's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import aiosqlite
import asyncpg
import psycopg
import sqlalchemy as sa

from bench.corpus import corpus, frozen
from bench.databases import Databases
from bench.report import Comparison, Run
from bench.suite import Settings
from timeline.application.chain import canonical_text
from timeline.store import codec

LIMIT_EVENTS = 2_000
_SQLITE_TABLE = "CREATE TABLE floor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"
_POSTGRES_TABLE = "CREATE TABLE floor (id bigint PRIMARY KEY, payload jsonb NOT NULL)"


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(LIMIT_EVENTS), settings.seed))
    payloads = [canonical_text(codec.encode(item.event).payload) for item in events]
    results = []
    for backend in settings.backends:
        asynchronous: list[float] = []
        synchronous: list[float] = []
        for _ in range(settings.repeats):
            if backend == "sqlite":
                asynchronous.append(await _aiosqlite(databases.scratch_file(), payloads))
                synchronous.append(_sqlite3(databases.scratch_file(), payloads))
            else:
                url = databases.url(await databases.scratch_database())
                asynchronous.append(await _asyncpg(url, payloads))
                url = databases.url(await databases.scratch_database())
                synchronous.append(_psycopg(url, payloads))
        results.append(
            Comparison(
                "limits",
                backend,
                Run("aiosqlite" if backend == "sqlite" else "asyncpg", len(payloads), asynchronous),
                Run("sqlite3" if backend == "sqlite" else "psycopg", len(payloads), synchronous),
                None,
                notes="one INSERT per transaction through the bare driver; "
                "ours is built on the first, the peer on the second",
            )
        )
    return results


async def _aiosqlite(path: str, payloads: Sequence[str]) -> float:
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute(_SQLITE_TABLE)
        started = time.perf_counter()
        for number, payload in enumerate(payloads):
            await conn.execute("INSERT INTO floor VALUES (?, ?)", (number, payload))
        return time.perf_counter() - started


def _sqlite3(path: str, payloads: Sequence[str]) -> float:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(_SQLITE_TABLE)
        started = time.perf_counter()
        for number, payload in enumerate(payloads):
            conn.execute("INSERT INTO floor VALUES (?, ?)", (number, payload))
        return time.perf_counter() - started
    finally:
        conn.close()


async def _asyncpg(url: str, payloads: Sequence[str]) -> float:
    parts = sa.make_url(url)
    conn = await asyncpg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        database=parts.database,
    )
    try:
        await conn.execute(_POSTGRES_TABLE)
        insert = await conn.prepare("INSERT INTO floor VALUES ($1, $2::text::jsonb)")
        started = time.perf_counter()
        for number, payload in enumerate(payloads):
            await insert.fetch(number, payload)
        return time.perf_counter() - started
    finally:
        await conn.close()


def _psycopg(url: str, payloads: Sequence[str]) -> float:
    parts = sa.make_url(url)
    with psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password or None,
        dbname=parts.database,
        autocommit=True,
    ) as conn:
        conn.execute(_POSTGRES_TABLE)
        started = time.perf_counter()
        for number, payload in enumerate(payloads):
            conn.execute(
                "INSERT INTO floor VALUES (%s, %s::jsonb)", (number, payload), prepare=True
            )
        return time.perf_counter() - started
