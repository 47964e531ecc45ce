"""Driver errors reach callers as the application's errors, never as raw driver errors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.contract.projection_corpus import content, source
from tests.factories import new_events
from tests.integration.interference import race_each_append
from timeline.application.errors import ConcurrencyError, SchemaMissing, StoreUnavailable
from timeline.application.ports import EventStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import FactFilter
from timeline.application.service import TimelineService
from timeline.domain.projections.visibility import AsOf
from timeline.store import codec, migrations
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine, open_event_store, open_projection_store
from timeline.store.sql.failures import Failure, classify
from timeline.store.sql.postgres import PostgresEventStore
from timeline.store.sql.tables import events


async def drop_connections(admin: AsyncEngine, database: str | None) -> None:
    """Have the server close every connection to ``database`` but the admin's own."""
    async with admin.begin() as conn:
        await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :database AND pid <> pg_backend_pid()"
            ),
            {"database": database},
        )


async def copy_of_first_row(conn: AsyncConnection, **changes: Any) -> None:
    row = (await conn.execute(sa.select(events).where(events.c.position == 1))).one()
    await conn.execute(events.insert().values({**row._asdict(), **changes}))


@pytest.mark.parametrize(
    ("changes", "failure"),
    [
        ({"position": 100, "event_id": uuid.uuid4()}, Failure.DUPLICATE_POSITION),
        ({"position": 100, "stream_version": 100}, Failure.DUPLICATE_EVENT_ID),
        ({"event_id": uuid.uuid4(), "stream_version": 100}, Failure.DUPLICATE_POSITION),
    ],
    ids=["stream-version", "event-id", "position"],
)
async def test_unique_violations_are_told_apart(
    event_store: EventStore,
    database_url: str,
    backend: str,
    changes: dict[str, Any],
    failure: Failure,
) -> None:
    await event_store.append("a", new_events(1), expected_version=0)
    engine = create_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.begin() as conn:
                await copy_of_first_row(conn, **changes)
    finally:
        await engine.dispose()

    assert classify(raised.value) is failure


async def test_a_unique_key_violation_during_an_append_is_a_concurrency_error(
    database_url: str,
) -> None:
    await race_each_append(database_url)  # its stream version taken under its feet
    store = await open_event_store(database_url)
    try:
        with pytest.raises(ConcurrencyError) as raised:
            await store.append("a", new_events(1), expected_version=0)
        assert raised.value.actual_version == 0
        assert await store.head_position() == 0
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_dropped_postgres_connection_is_store_unavailable_then_recovers(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    store = PostgresEventStore(engine, SystemClock(), owns_engine=True)
    database = sa.make_url(postgres_database_url).database
    admin = create_engine(postgres_database_url.rpartition("/")[0] + "/postgres")
    try:
        await store.append("a", new_events(1), expected_version=0)  # a pooled connection
        await drop_connections(admin, database)

        # The pool replaces a connection it already knows the server closed; one whose
        # termination asyncpg has not read yet fails once. Either way the caller sees
        # nothing but StoreUnavailable, and the next call works without a restart.
        try:
            head = await store.head_position()
        except StoreUnavailable:
            head = await store.head_position()
        assert head == 1
    finally:
        await admin.dispose()
        await store.close()


async def test_a_page_read_after_the_kept_position_connection_was_dropped_is_answered(
    postgres_database_url: str,
) -> None:
    # The position is read on a kept connection (held_connection); the server may close it
    # at any time, and the read must then go the ordinary way.
    clock = SystemClock()
    engine = create_engine(postgres_database_url)
    store = PostgresEventStore(engine, clock, owns_engine=True)
    projections = await open_projection_store(postgres_database_url, clock)
    runner = ProjectionRunner(store, codec, projections)
    service = TimelineService(store, codec)
    database = sa.make_url(postgres_database_url).database
    admin = create_engine(postgres_database_url.rpartition("/")[0] + "/postgres")
    try:
        await service.record_fact(
            content("MEETING", "Sarajevo meeting", "2025-10-09"), source(1, "2025-10-10")
        )
        await runner.catch_up()
        before = await projections.fact_page(AsOf(), FactFilter(), first=10)
        await drop_connections(admin, database)

        # As for any pooled connection (above), the snapshot's own may fail once; the kept
        # one must neither leak its driver's error nor fail every read after.
        try:
            after = await projections.fact_page(AsOf(), FactFilter(), first=10)
        except StoreUnavailable:
            after = await projections.fact_page(AsOf(), FactFilter(), first=10)
        again = await projections.fact_page(AsOf(), FactFilter(), first=10)
        assert after == again == before
        assert before.total == 1
    finally:
        await admin.dispose()
        await projections.close()
        await store.close()


async def append_one(url: str) -> None:
    store = await open_event_store(url)
    try:
        await store.append("a", new_events(1), expected_version=0)
    finally:
        await store.close()


async def read_a_running_totals_states(url: str) -> None:
    # The states' read takes the driver's rows itself (one hop to aiosqlite's thread on
    # SQLite), and must still report the application's error, not the driver's.
    projections = await open_projection_store(url)
    try:
        await projections.measure_states("small-boat-arrivals", AsOf())
    finally:
        await projections.close()


@pytest.mark.parametrize(
    "call", [append_one, read_a_running_totals_states], ids=["append", "running-total"]
)
async def test_a_call_on_a_database_without_the_schema_says_so(
    unmigrated_database_url: str, call: Callable[[str], Awaitable[None]]
) -> None:
    with pytest.raises(SchemaMissing):
        await call(unmigrated_database_url)


@pytest.mark.postgres
async def test_an_append_before_the_append_function_migration_says_so(
    postgres_unmigrated_database_url: str,
) -> None:
    # The tables are there, timeline_append (revision 0009) is not.
    await migrations.upgrade(postgres_unmigrated_database_url, "0008")
    store = await open_event_store(postgres_unmigrated_database_url)
    try:
        with pytest.raises(SchemaMissing):
            await store.append("a", new_events(1), expected_version=0)
    finally:
        await store.close()
