"""The EventImporter contract, on every backend: events recorded elsewhere go in verbatim,
continue the log exactly, or are refused whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

import msgspec
import pytest

from tests.factories import ManualClock, new_event
from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content, verify_chain
from timeline.application.errors import ImportRefused, IntegrityViolation
from timeline.application.ports import EventStore
from timeline.application.records import EventMetadata, NewEvent, RecordedEvent
from timeline.store.sql.importer import open_event_importer

START = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def recorded(
    events: Sequence[NewEvent],
    *,
    stream_id: str = "fact-imported",
    after: RecordedEvent | None = None,
    version: int = 0,
) -> list[RecordedEvent]:
    """``events`` as a store elsewhere recorded them: one stream, a second apart, chained
    after ``after`` (or from the start of a log)."""
    position = 0 if after is None else after.position
    previous = GENESIS_HASH if after is None else after.hash
    out = []
    for offset, event in enumerate(events, start=1):
        unhashed = RecordedEvent(
            position=position + offset,
            event_id=event.event_id,
            stream_id=stream_id,
            stream_version=version + offset,
            event_type=event.event_type,
            schema_version=event.schema_version,
            payload=event.payload,
            occurred=event.occurred,
            reported=event.reported,
            recorded_at=START + dt.timedelta(seconds=position + offset),
            metadata=event.metadata,
            hash="",
        )
        previous = chain_hash(previous, recorded_content(unhashed))
        out.append(msgspec.structs.replace(unhashed, hash=previous))
    return out


async def log(store: EventStore) -> list[RecordedEvent]:
    return [event async for event in store.read_all()]


async def test_imported_events_read_back_exactly(event_store: EventStore) -> None:
    events = recorded([new_event(payload={"n": n, "text": "é"}) for n in range(5)])

    head = await open_event_importer(event_store).import_events([events[:2], events[2:]])

    assert head == 5
    assert await log(event_store) == events
    assert await event_store.read_stream("fact-imported") == events
    assert (await verify_chain(event_store.read_all())).intact


async def test_appends_after_an_import_continue_its_log(
    event_store: EventStore, clock: ManualClock
) -> None:
    events = recorded([new_event() for _ in range(3)])
    await open_event_importer(event_store).import_events([events])
    clock.set(START - dt.timedelta(days=1))  # behind the imported times

    result = await event_store.append("fact-imported", [new_event()], expected_version=3)

    assert (result.first_position, result.stream_version) == (4, 4)
    assert result.recorded_at == events[-1].recorded_at  # never earlier than the head
    assert (await verify_chain(event_store.read_all())).intact


async def test_an_import_continues_a_log_that_is_not_empty_and_appends_follow_it(
    event_store: EventStore,
) -> None:
    await event_store.append("fact-imported", [new_event(), new_event()], expected_version=0)
    [head] = [event async for event in event_store.read_all(after_position=1)]
    more = recorded([new_event(), new_event()], after=head, version=2)
    more = [msgspec.structs.replace(e, recorded_at=head.recorded_at) for e in more]
    more = _rechained(more, head.hash)

    assert await open_event_importer(event_store).import_events([more]) == 4
    # This store appended before the import moved the head under it.
    after = await event_store.append("fact-imported", [new_event()], expected_version=4)

    assert after.first_position == 5
    assert (await verify_chain(event_store.read_all())).intact


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda e: msgspec.structs.replace(e, position=e.position + 1), "the log's head is at 3"),
        (lambda e: msgspec.structs.replace(e, hash="0" * 64), "does not chain"),
        (lambda e: msgspec.structs.replace(e, payload={"forged": True}), "does not chain"),
        (
            lambda e: msgspec.structs.replace(e, recorded_at=START - dt.timedelta(days=1)),
            "earlier than the head's",
        ),
    ],
)
async def test_an_event_that_does_not_continue_the_log_refuses_the_whole_import(
    event_store: EventStore, spoil: Callable[[RecordedEvent], RecordedEvent], reason: str
) -> None:
    events = recorded([new_event() for _ in range(6)])
    events[3] = spoil(events[3])

    with pytest.raises(ImportRefused, match=reason) as refused:
        # The first batch is fine and written before the bad one is seen: it goes too.
        await open_event_importer(event_store).import_events([events[:3], events[3:]])

    assert refused.value.position == events[3].position
    assert await log(event_store) == []
    assert await event_store.head_position() == 0


async def test_a_duplicate_event_id_refuses_the_import(event_store: EventStore) -> None:
    first = new_event()
    events = recorded([first, dataclasses.replace(new_event(), event_id=first.event_id)])

    with pytest.raises(IntegrityViolation):
        await open_event_importer(event_store).import_events([events])

    assert await log(event_store) == []


async def test_the_idempotency_keys_of_imported_appends_answer_retries(
    event_store: EventStore,
) -> None:
    keyed = EventMetadata(actor="test", idempotency_key="request-7")
    attempt = [new_event(payload={"n": n}) for n in range(2)]
    events = recorded([dataclasses.replace(e, metadata=keyed) for e in attempt])
    events += recorded([new_event()], after=events[-1], version=2)
    await open_event_importer(event_store).import_events([events])

    retry = await event_store.append(
        "fact-imported", attempt, expected_version=0, idempotency_key="request-7"
    )

    assert retry.replayed
    assert (retry.first_position, retry.last_position, retry.stream_version) == (1, 2, 2)
    assert retry.recorded_at == events[0].recorded_at
    assert await event_store.head_position() == 3


def _rechained(events: list[RecordedEvent], previous: str) -> list[RecordedEvent]:
    out = []
    for event in events:
        previous = chain_hash(previous, recorded_content(event))
        out.append(msgspec.structs.replace(event, hash=previous))
    return out
