"""The migrations are the only source of the schema; they match the tables and can be undone."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.util.exc import CommandError
from sqlalchemy.exc import DBAPIError

from tests.factories import ManualClock, new_event, new_events
from tests.integration.listening import listening
from tests.integration.projection_snapshots import Snapshot, stored_rows
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from tests.integration.test_projection_runner import opened
from tests.integration.test_running_totals import MEASURE, Step, written
from timeline.application.chain import verify_chain
from timeline.application.errors import ConcurrencyError
from timeline.application.ports import Clock, EventStore
from timeline.application.read_models import TIMELINE
from timeline.application.records import NewEvent, RecordedEvent
from timeline.application.service import TimelineService
from timeline.domain.dates import FuzzyDate
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.store import codec, migrations
from timeline.store.factory import create_engine, open_event_store
from timeline.store.sql import tables
from timeline.store.sql.failures import Failure, classify
from timeline.store.sql.postgres import PROJECTED_CHANNEL

REPOSITORY = Path(__file__).resolve().parents[2]


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def scalar(url: str, statement: str) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(statement))).scalar()
    finally:
        await engine.dispose()


async def test_upgrade_check_downgrade_and_upgrade_again(
    unmigrated_database_url: str, backend: str
) -> None:
    url = unmigrated_database_url
    assert await migrations.current(url) is None

    await migrations.upgrade(url)
    assert await migrations.current(url) == migrations.head_revision()
    await migrations.check(url)
    assert {"events", "idempotency_keys"} <= await table_names(url)

    await migrations.downgrade(url)
    assert await migrations.current(url) is None
    assert await table_names(url) <= {"alembic_version"}
    if backend == "postgres":
        functions = "SELECT count(*) FROM pg_proc WHERE proname = 'events_refuse_change'"
        assert await scalar(url, functions) == 0

    await migrations.upgrade(url)
    await migrations.check(url)
    assert await migrations.current(url) == migrations.head_revision()


async def test_check_reports_tables_that_differ_from_the_migrations(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    drifted = sa.MetaData(naming_convention=tables.NAMING_CONVENTION)
    for table in tables.metadata.tables.values():
        table.to_metadata(drifted)
    sa.Table("projections", drifted, sa.Column("name", sa.Text(), primary_key=True))
    monkeypatch.setattr(tables, "metadata", drifted)

    with pytest.raises(migrations.SchemaDrift, match="projections"):
        await migrations.check(database_url)


def test_alembic_works_by_hand_from_the_repository_root(unmigrated_database_url: str) -> None:
    environment = {**os.environ, "TIMELINE_DATABASE_URL": unmigrated_database_url}

    def alembic(*arguments: str) -> str:
        completed = subprocess.run(
            [sys.executable, "-m", "alembic", *arguments],
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout

    alembic("upgrade", "head")
    assert f"{migrations.head_revision()} (head)" in alembic("current")
    alembic("check")
    alembic("downgrade", "base")
    assert "(head)" not in alembic("current")


async def _log(store: EventStore) -> list[RecordedEvent]:
    return [event async for event in store.read_all()]


async def _assert_the_log_is(url: str, clock: Clock, written: list[RecordedEvent]) -> None:
    """The log at ``url`` reads back as ``written``, event for event, and its chain verifies."""
    store = await open_event_store(url, clock=clock)
    try:
        assert await _log(store) == written
        assert (await verify_chain(store.read_all())).intact
    finally:
        await store.close()


async def _written_with_a_key_and_whole_heads(
    url: str, clock: ManualClock, seed: int
) -> tuple[list[NewEvent], list[RecordedEvent]]:
    """A synthetic log, then two events under key "k" (one with a whole head behind its
    mark, and both separators escaped in its payload) and one more: the events under the
    key, and the log as written."""
    odd = [new_event(payload={"x": 1.5, "é": ["\x1e", "\x1f", None]}), new_event()]
    store = await open_event_store(url, clock=clock)
    try:
        await append_synthetic_log(store, clock, facts=6, seed=seed)  # the codec's texts
        await store.append("odd", odd, expected_version=0, idempotency_key="k")
        await store.append("odd", [new_event(payload={"big": 1e20})], expected_version=2)
        return odd, await _log(store)
    finally:
        await store.close()


async def _appends_go_on_at_head(
    url: str, clock: Clock, odd: list[NewEvent], written: list[RecordedEvent]
) -> None:
    """Upgraded to head again, the log of ``_written_with_a_key_and_whole_heads`` replays
    its key, refuses a stale version and takes appends, one event or several, with a key
    or without; what was written reads back as it was and the chain verifies."""
    await migrations.upgrade(url)
    store = await open_event_store(url, clock=clock)
    try:
        again = await store.append("odd", odd, expected_version=0, idempotency_key="k")
        assert again.replayed
        assert (again.first_position, again.last_position) == (
            written[-3].position,
            written[-2].position,
        )
        with pytest.raises(ConcurrencyError):
            await store.append("odd", [new_event()], expected_version=2)
        await store.append("odd", new_events(3), expected_version=3, idempotency_key="k3")
        await store.append("odd", [new_event(payload={"y": 2.0})], expected_version=6)
        assert (await _log(store))[: len(written)] == written
        assert len(await _log(store)) == len(written) + 4
        assert (await verify_chain(store.read_all())).intact
    finally:
        await store.close()
    await migrations.check(url)


async def test_migration_0013_keeps_the_log_as_json_text_and_back(
    database_url: str, backend: str
) -> None:
    """The log's JSON columns retyped both ways on PostgreSQL (nothing to do on SQLite):
    every event reads back as it was written and the chain verifies at either revision, and
    appends go on at head."""
    url, clock = database_url, synthetic_clock()
    store = await open_event_store(url, clock=clock)
    try:
        await append_synthetic_log(store, clock, facts=6, seed=15)  # the codec's texts
        odd = [new_event(payload={"x": 1.5, "big": 1e20, "é": ["\n", None, True]})]
        await store.append("odd", odd, expected_version=0)  # a dict, normalised to hash
        written = await _log(store)
    finally:
        await store.close()
    column = "SELECT data_type FROM information_schema.columns WHERE column_name = 'payload'"

    for revision, kind in (("0012", "jsonb"), ("head", "json")):
        if revision == "head":
            await migrations.upgrade(url)
        else:
            await migrations.downgrade(url, revision)
        if backend == "postgres":
            assert await scalar(url, f"{column} AND table_name = 'events'") == kind
        store = await open_event_store(url, clock=clock)
        try:
            assert (await _log(store))[: len(written)] == written
            assert (await verify_chain(store.read_all())).intact
            # Since 0016 the store sends heads that stop at their payloads, which only
            # 0016's function splices: it appends at head only.
            if revision == "head":
                await store.append("odd", [new_event()], expected_version=1)
                assert (await verify_chain(store.read_all())).intact
        finally:
            await store.close()
    await migrations.check(url)


async def test_migration_0016_splices_payloads_and_downgrades_to_whole_heads(
    database_url: str,
) -> None:
    """A log written with heads that stop at their payloads reads back equal and verifies
    at 0013 (whose function takes whole heads) and at head again, where appends go on."""
    url, clock = database_url, synthetic_clock()
    store = await open_event_store(url, clock=clock)
    try:
        await append_synthetic_log(store, clock, facts=6, seed=16)  # the codec's texts
        odd = [new_event(payload={"x": 1.5, "big": 1e20, "é": ["\n", None, True]})]
        await store.append("odd", odd, expected_version=0)  # stored in another spelling
        written = await _log(store)
    finally:
        await store.close()
    await migrations.downgrade(url, "0013")
    await _assert_the_log_is(url, clock, written)
    await migrations.upgrade(url)
    store = await open_event_store(url, clock=clock)
    try:
        await store.append("odd", [new_event(payload={"y": 2})], expected_version=1)
        assert (await _log(store))[: len(written)] == written
        assert (await verify_chain(store.read_all())).intact
    finally:
        await store.close()
    await migrations.check(url)


async def test_migration_0020_joins_the_append_texts_and_downgrades_to_arrays(
    database_url: str, backend: str
) -> None:
    """Appends written with the joined texts (a separator escaped in a payload among them)
    read back equal and verify at 0018, whose function takes the texts as arrays (its
    signature is back, 0020's gone), and at head again, where a key is replayed, a stale
    version is refused and appends go on, one event or several, with a key or without."""
    url, clock = database_url, synthetic_clock()
    odd, written = await _written_with_a_key_and_whole_heads(url, clock, seed=20)
    signature = (
        "SELECT pg_get_function_identity_arguments(oid) FROM pg_proc "
        "WHERE proname = 'timeline_append'"
    )
    await migrations.downgrade(url, "0018")
    if backend == "postgres":
        assert str(await scalar(url, signature)).endswith("p_befores text[], p_afters text[]")
    await _assert_the_log_is(url, clock, written)
    await migrations.upgrade(url, "0020")
    if backend == "postgres":
        assert str(await scalar(url, signature)).endswith("p_befores text, p_afters text")
    await _appends_go_on_at_head(url, clock, odd, written)


async def test_migration_0021_answers_in_out_parameters_and_downgrades_to_0020(
    database_url: str, backend: str
) -> None:
    """Appends written by 0021's function (whole heads behind their mark among them) read
    back equal and verify at 0020, whose function (a set of rows, whole heads told by
    their suffix) is back, and at head again, where a key is replayed, a stale version is
    refused and appends go on, one event or several, with a key or without."""
    url, clock = database_url, synthetic_clock()
    odd, written = await _written_with_a_key_and_whole_heads(url, clock, seed=21)
    returns_a_set = "SELECT proretset FROM pg_proc WHERE proname = 'timeline_append'"
    if backend == "postgres":
        assert await scalar(url, returns_a_set) is False
    await migrations.downgrade(url, "0020")
    if backend == "postgres":
        assert await scalar(url, returns_a_set) is True
    await _assert_the_log_is(url, clock, written)
    await _appends_go_on_at_head(url, clock, odd, written)


async def test_migration_0023_takes_rows_and_one_text_and_downgrades_to_0021(
    database_url: str, backend: str
) -> None:
    """Appends written by 0023's function (each event's columns one row, its texts in one
    text, the answer a row type) read back equal and verify at 0021, whose function (eight
    arrays and four texts in, OUT parameters out) is back with neither row type left
    behind, and at head again, where a key is replayed, a stale version is refused and
    appends go on, one event or several, with a key or without."""
    url, clock = database_url, synthetic_clock()
    odd, written = await _written_with_a_key_and_whole_heads(url, clock, seed=23)
    function = (
        "SELECT pg_get_function_identity_arguments(oid) || ' -> ' "
        "|| format_type(prorettype, NULL) FROM pg_proc WHERE proname = 'timeline_append'"
    )
    row_types = (
        "SELECT count(*) FROM pg_type "
        "WHERE typname IN ('timeline_append_event', 'timeline_append_result')"
    )
    if backend == "postgres":
        assert str(await scalar(url, function)).endswith(
            "p_events timeline_append_event[], p_texts text -> timeline_append_result"
        )
    await migrations.downgrade(url, "0021")
    if backend == "postgres":
        assert str(await scalar(url, function)).endswith("OUT r_fingerprint text -> record")
        assert await scalar(url, row_types) == 0
    await _assert_the_log_is(url, clock, written)
    await _appends_go_on_at_head(url, clock, odd, written)


@pytest.mark.postgres
async def test_migration_0024_announces_checkpoint_moves_and_downgrades_to_none(
    postgres_database_url: str,
) -> None:
    """At 0024 an upsert of checkpoints NOTIFYs ``timeline_projected`` with the least
    position it wrote, once per statement, on commit; at 0021 nothing does (the leader
    announced), and at head again it does."""
    url = postgres_database_url
    upsert = (
        "INSERT INTO projection_checkpoints (name, position, updated_at) "
        "VALUES ('timeline', {0}, now()), ('measures', {1}, now()) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
    )

    async def announced(*positions: int) -> list[str]:
        engine = create_engine(url)
        try:
            async with listening(url, PROJECTED_CHANNEL) as received:
                async with engine.begin() as conn:
                    await conn.execute(sa.text(upsert.format(*positions)))
                await asyncio.sleep(0.2)
        finally:
            await engine.dispose()
        return [received.get_nowait() for _ in range(received.qsize())]

    assert await announced(7, 5) == ["5"]  # inserted
    assert await announced(9, 8) == ["8"]  # updated
    await migrations.downgrade(url, "0021")
    assert await announced(10, 10) == []
    await migrations.upgrade(url)
    assert await announced(12, 11) == ["11"]
    await migrations.check(url)


READINGS: list[Step] = [
    (
        command,
        which,
        Figure(
            measure=MEASURE,
            quantity=Quantity(Decimal(value), "people", qualifier),
            basis=Basis.CUMULATIVE,
            period=FuzzyDate(period),
        ),
        published,
        days,
    )
    for command, which, value, qualifier, period, published, days in (
        ("record", 0, 1000, Qualifier.MORE_THAN, "2024/2025", "2025-11-01", 0),
        ("record", 0, 1000, Qualifier.MORE_THAN, "2024/2025", "2025-11-01", 0),
        ("record", 0, 1200, Qualifier.AT_LEAST, "2024/2025", "2025-11-01", 1),
        ("record", 0, 900, Qualifier.EXACT, "2024/2025", "2025-10-05", 0),
        ("revise", 1, 1100, Qualifier.MORE_THAN, "2024/2025", "2025-11-02", 1),
        ("record", 0, 50, Qualifier.EXACT, "2025-10", "2025-11-01", 0),
        ("corroborate", 5, 50, Qualifier.EXACT, "2025-10", "2025-11-01", 0),
    )
]
"""Readings of two periods: agreeing, later, in conflict, revised, corroborated."""


async def readings_projected(url: str) -> Snapshot:
    """``READINGS`` written and projected two events a batch: the timeline's tables."""
    async with opened(url, ManualClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))) as stores:
        runner = stores.runner(2)
        service = TimelineService(stores.events, codec)
        await written(READINGS)(service, stores.clock, runner.catch_up)
        await runner.catch_up()
    return await stored_rows(url, TIMELINE)


async def test_migration_0022_settles_the_states_again_and_downgrades_to_readings_in_a_row(
    database_url: str,
) -> None:
    """0022 works the periods' states out again from the readings (the edges are part of a
    state, the readings one a line): upgraded from 0021's rows, the totals' tables are the
    ones the projection writes itself; 0021 gets its columns and its texts back."""
    url = database_url
    written_rows = await readings_projected(url)
    assert any("\\n" in row for row in written_rows["total_amounts"])  # some state of two
    await migrations.downgrade(url, "0021")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("total_amounts")}
            )
            texts = (await conn.execute(sa.text("SELECT readings FROM total_amounts"))).scalars()
            assert all("\n" not in text for text in texts)
    finally:
        await engine.dispose()
    assert {"standing", "edges"}.isdisjoint(columns)
    await migrations.upgrade(url)
    assert await stored_rows(url, TIMELINE) == written_rows
    await migrations.check(url)


# -- immutability -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET event_type = 'Rewritten'",
        "UPDATE events SET payload = event_metadata WHERE position = 1",
        "DELETE FROM events",
        "DELETE FROM events WHERE position = 2",
    ],
)
async def test_the_database_refuses_to_change_or_delete_events(
    event_store: EventStore, database_url: str, backend: str, statement: str
) -> None:
    await event_store.append("a", new_events(3), expected_version=0)
    before = await event_store.read_stream("a")
    engine = create_engine(database_url)

    try:
        with pytest.raises(DBAPIError, match="append-only") as raised:
            async with engine.begin() as conn:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()

    assert classify(raised.value) is Failure.REFUSED
    assert await event_store.read_stream("a") == before


@pytest.mark.postgres
async def test_postgres_refuses_to_truncate_events(postgres_database_url: str) -> None:
    store = await open_event_store(postgres_database_url)
    engine = create_engine(postgres_database_url)
    try:
        await store.append("a", new_events(2), expected_version=0)
        with pytest.raises(DBAPIError, match="TRUNCATE on events is refused") as raised:
            async with engine.begin() as conn:
                await conn.execute(sa.text("TRUNCATE events"))
        assert classify(raised.value) is Failure.REFUSED
        assert await store.head_position() == 2
    finally:
        await engine.dispose()
        await store.close()


def test_a_failed_first_upgrade_leaves_no_sqlite_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "timeline.db"

    with pytest.raises(CommandError, match="nonexistent"):
        asyncio.run(migrations.upgrade(f"sqlite:///{path}", "nonexistent"))

    assert sorted(tmp_path.iterdir()) == []


def test_a_failed_upgrade_keeps_a_database_that_was_there(sqlite_database_url: str) -> None:
    path = Path(sqlite_database_url.removeprefix("sqlite:///"))

    with pytest.raises(CommandError, match="nonexistent"):
        asyncio.run(migrations.upgrade(sqlite_database_url, "nonexistent"))

    assert path.exists()
    assert asyncio.run(migrations.current(sqlite_database_url)) == migrations.head_revision()


async def test_migration_0025_moves_middle_readings_apart_and_downgrades_to_rows_of_all(
    database_url: str,
) -> None:
    """0025 keeps a state's first and last reading in its row and the others in
    ``total_standing``, cut from 0024's row of all of them; 0024 gets them back whole."""
    url = database_url
    written_rows = await readings_projected(url)
    assert written_rows["total_standing"]  # some state of three
    await migrations.downgrade(url, "0024")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
            texts = (
                await conn.execute(sa.text("SELECT standing, readings FROM total_amounts"))
            ).all()
    finally:
        await engine.dispose()
    assert "total_standing" not in tables
    assert any(standing > 2 for standing, _ in texts)
    assert all(text.count(",\n") == standing - 1 for standing, text in texts)
    await migrations.upgrade(url)
    assert await stored_rows(url, TIMELINE) == written_rows
    await migrations.check(url)


async def test_migration_0026_counts_each_labels_facts_as_the_projection_does(
    database_url: str,
) -> None:
    """0026 fills ``label_fact_changes`` from the revisions and their labels: the rows the
    projection's batches wrote for a log with revisions and retractions."""
    url = database_url
    async with opened(url, synthetic_clock()) as stores:
        await append_synthetic_log(stores.events, stores.clock, facts=30, seed=3)
        await stores.runner(7).catch_up()
    written_rows = await stored_rows(url, TIMELINE)
    assert any('"change": -1' in row for row in written_rows["label_fact_changes"])
    await migrations.downgrade(url, "0025")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert "label_fact_changes" not in names
    await migrations.upgrade(url)
    assert await stored_rows(url, TIMELINE) == written_rows
    await migrations.check(url)
