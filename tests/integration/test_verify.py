"""``verify_chain`` over a real log finds the first event someone rewrote behind the triggers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories import new_events
from timeline.application.chain import chain_hash, recorded_content, verify_chain
from timeline.application.ports import EventStore
from timeline.application.records import RecordedEvent
from timeline.store.factory import create_engine
from timeline.store.sql.tables import events

EVENTS = 12

Tampering = Callable[[list[RecordedEvent]], list[sa.Executable]]


async def fill(store: EventStore) -> list[RecordedEvent]:
    for n, stream in enumerate(["a", "b", "a", "c"]):
        version = len(await store.read_stream(stream))
        await store.append(stream, new_events(3), expected_version=version, idempotency_key=f"k{n}")
    return [event async for event in store.read_all()]


async def tamper(url: str, statements: list[sa.Executable]) -> None:
    """Run ``statements`` with the immutability triggers out of the way, as an attacker with
    full control of the database could, and put the triggers back afterwards."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.text("ALTER TABLE events DISABLE TRIGGER USER"))
                await _execute(conn, statements)
                await conn.execute(sa.text("ALTER TABLE events ENABLE TRIGGER USER"))
            else:
                triggers = (
                    await conn.execute(
                        sa.text(
                            "SELECT name, sql FROM sqlite_master "
                            "WHERE type = 'trigger' AND tbl_name = 'events'"
                        )
                    )
                ).all()
                assert triggers, "the migration should have installed triggers"
                for name, _ in triggers:
                    await conn.execute(sa.text(f"DROP TRIGGER {name}"))
                await _execute(conn, statements)
                for _, sql in triggers:
                    await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


async def _execute(conn: AsyncConnection, statements: list[sa.Executable]) -> None:
    for statement in statements:
        await conn.execute(statement)


def at(position: int) -> sa.ColumnElement[bool]:
    return events.c.position == position


def change_payload(log: list[RecordedEvent]) -> list[sa.Executable]:
    return [events.update().where(at(5)).values(payload={"n": 999})]


def change_payload_and_its_hash(log: list[RecordedEvent]) -> list[sa.Executable]:
    # A careful forger recomputes the hash of the row they changed; the next row's hash,
    # which covers this one, still gives them away.
    forged = msgspec.structs.replace(log[4], payload={"n": 999})
    new_hash = chain_hash(log[3].hash, recorded_content(forged))
    return [events.update().where(at(5)).values(payload={"n": 999}, hash=new_hash)]


def change_hash(log: list[RecordedEvent]) -> list[sa.Executable]:
    return [events.update().where(at(8)).values(hash="f" * 64)]


def change_event_id(log: list[RecordedEvent]) -> list[sa.Executable]:
    return [events.update().where(at(1)).values(event_id=uuid.uuid4())]


def change_recorded_at(log: list[RecordedEvent]) -> list[sa.Executable]:
    later = log[2].recorded_at + dt.timedelta(microseconds=1)
    return [events.update().where(at(3)).values(recorded_at=later)]


def change_metadata(log: list[RecordedEvent]) -> list[sa.Executable]:
    metadata = {**log[-1].metadata.to_json(), "actor": "someone else"}
    return [events.update().where(at(EVENTS)).values(event_metadata=metadata)]


def delete_an_event(log: list[RecordedEvent]) -> list[sa.Executable]:
    return [events.delete().where(at(6))]


def swap_two_events(log: list[RecordedEvent]) -> list[sa.Executable]:
    return [
        events.update().where(at(9)).values(position=-9),
        events.update().where(at(10)).values(position=9),
        events.update().where(at(-9)).values(position=10),
    ]


@pytest.mark.parametrize(
    ("tampering", "first_broken"),
    [
        (change_payload, 5),
        (change_payload_and_its_hash, 6),
        (change_hash, 8),
        (change_event_id, 1),
        (change_recorded_at, 3),
        (change_metadata, EVENTS),
        (delete_an_event, 7),
        (swap_two_events, 9),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
async def test_verify_reports_the_first_rewritten_position(
    event_store: EventStore, database_url: str, tampering: Tampering, first_broken: int
) -> None:
    log = await fill(event_store)
    assert len(log) == EVENTS

    await tamper(database_url, tampering(log))
    report = await verify_chain(event_store.read_all(batch_size=5))

    assert report.first_broken_position == first_broken
    assert report.reason
    assert not report.intact


async def test_an_intact_log_verifies(event_store: EventStore, database_url: str) -> None:
    await fill(event_store)
    # Disabling and re-enabling the triggers alone changes nothing.
    await tamper(database_url, [])

    report = await verify_chain(event_store.read_all(batch_size=5))

    assert report.intact
    assert report.first_broken_position is None
    assert report.events_checked == EVENTS


async def test_the_triggers_are_back_after_tampering(
    event_store: EventStore, database_url: str
) -> None:
    await fill(event_store)
    await tamper(database_url, change_hash([]))
    engine = create_engine(database_url)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(events.delete())
    finally:
        await engine.dispose()


async def test_an_empty_log_verifies(event_store: EventStore) -> None:
    report = await verify_chain(event_store.read_all())

    assert report.intact
    assert report.events_checked == 0
