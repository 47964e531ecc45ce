"""The EventStore contract, run against every backend (see ``backend`` in tests/conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import threading
from types import MappingProxyType
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ManualClock, new_event, new_events
from timeline.application.chain import verify_chain
from timeline.application.errors import (
    ConcurrencyError,
    IdempotencyConflict,
    IntegrityViolation,
    StoreUnavailable,
)
from timeline.application.ports import EventStore
from timeline.application.records import (
    EventMetadata,
    JSONValue,
    NewEvent,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)
from timeline.store.factory import open_event_store

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-directory/for/timeline/tests.db",
    "postgres": "postgresql://postgres@127.0.0.1:1/timeline",
}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    # JSONB keeps numbers as numeric: floats of this size come back as written, but huge
    # ones come back as ints and -0.0 as 0.0 (the chain copes, see chain.py), hence the
    # bounds and the + 0.0.
    | st.floats(min_value=-1e15, max_value=1e15, allow_nan=False).map(lambda x: x + 0.0)
    # PostgreSQL text cannot hold NUL, and UTF-8 cannot hold lone surrogates.
    | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.text(max_size=5).filter(lambda key: "\x00" not in key), children, max_size=3
        )
    ),
    max_leaves=10,
)
payloads = st.dictionaries(
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=6),
    json_values,
    max_size=4,
)
many_examples = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def read_all(
    store: EventStore, *, after_position: int = 0, batch_size: int = 1000
) -> list[RecordedEvent]:
    return [
        event
        async for event in store.read_all(after_position=after_position, batch_size=batch_size)
    ]


# -- append and read --------------------------------------------------------------------


async def test_an_appended_event_reads_back_with_every_field(
    event_store: EventStore, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC))
    metadata = EventMetadata(
        actor="analyst@example.org",
        reason="corrected the figure",
        causation_id=uuid4(),
        correlation_id=uuid4(),
    )
    event = new_event(
        event_type="FactAmended",
        schema_version=3,
        payload={"figure": {"value": "12.50", "unit": "EUR"}, "tags": ["à", "b"], "n": None},
        occurred=OccurredTime(
            edtf="2020-03~", earliest=dt.date(2020, 2, 1), latest=dt.date(2020, 4, 30)
        ),
        reported=ReportedTime(edtf="2020-05", latest=dt.date(2020, 5, 31)),
        metadata=metadata,
    )

    result = await event_store.append("fact-1", [event], expected_version=0)
    [recorded] = await event_store.read_stream("fact-1")

    assert result.first_position == result.last_position == recorded.position == 1
    assert result.stream_version == recorded.stream_version == 1
    assert result.recorded_at == recorded.recorded_at
    assert not result.replayed
    assert recorded.event_id == event.event_id
    assert recorded.stream_id == "fact-1"
    assert recorded.event_type == "FactAmended"
    assert recorded.schema_version == 3
    assert recorded.payload == event.payload
    assert recorded.occurred == event.occurred
    assert recorded.reported == event.reported
    assert recorded.metadata == metadata
    assert recorded.recorded_at == clock.now()
    assert recorded.recorded_at.utcoffset() == dt.timedelta(0)
    assert len(recorded.hash) == 64
    assert int(recorded.hash, 16) >= 0


async def test_times_are_optional_and_recorded_at_is_stored_in_utc(
    event_store: EventStore, clock: ManualClock
) -> None:
    paris_summer = dt.timezone(dt.timedelta(hours=2))
    clock.set(dt.datetime(2026, 7, 1, 14, 0, tzinfo=paris_summer))
    await event_store.append("s", [new_event(occurred=None, reported=None)], expected_version=0)

    [recorded] = await event_store.read_stream("s")

    assert recorded.occurred is None
    assert recorded.reported is None
    assert recorded.recorded_at == dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    assert recorded.recorded_at.tzinfo == dt.UTC


async def test_positions_are_global_and_versions_count_per_stream(event_store: EventStore) -> None:
    await event_store.append("a", new_events(2), expected_version=0)
    await event_store.append("b", new_events(1), expected_version=0)
    await event_store.append("a", new_events(1), expected_version=2)

    log = await read_all(event_store)
    stream_a = await event_store.read_stream("a")

    assert [(e.position, e.stream_id, e.stream_version) for e in log] == [
        (1, "a", 1),
        (2, "a", 2),
        (3, "b", 1),
        (4, "a", 3),
    ]
    assert [e.position for e in stream_a] == [1, 2, 4]
    assert [e.payload for e in stream_a] == [{"n": 0}, {"n": 1}, {"n": 0}]


async def test_an_unknown_stream_reads_empty(event_store: EventStore) -> None:
    assert await event_store.read_stream("nobody") == []


async def test_head_position_is_zero_then_the_last_position(event_store: EventStore) -> None:
    assert await event_store.head_position() == 0
    await event_store.append("a", new_events(3), expected_version=0)
    assert await event_store.head_position() == 3


async def test_an_empty_append_is_refused(event_store: EventStore) -> None:
    with pytest.raises(ValueError, match="at least one event"):
        await event_store.append("a", [], expected_version=0)


# -- atomicity and optimistic concurrency ------------------------------------------------


async def test_a_batch_that_fails_midway_writes_nothing(event_store: EventStore) -> None:
    await event_store.append("a", new_events(1), expected_version=0)
    [existing] = await event_store.read_stream("a")
    batch = [*new_events(2), new_event(event_id=existing.event_id), *new_events(2)]

    with pytest.raises(IntegrityViolation, match="already in the log"):
        await event_store.append("b", batch, expected_version=0)

    assert await event_store.read_stream("b") == []
    assert await event_store.head_position() == 1
    # The failed batch took no positions: the next append continues the log without a gap.
    result = await event_store.append("b", new_events(1), expected_version=0)
    assert result.first_position == 2


@pytest.mark.parametrize("expected_version", [0, 1, 3, 7])
async def test_a_wrong_expected_version_raises_and_writes_nothing(
    event_store: EventStore, expected_version: int
) -> None:
    await event_store.append("a", new_events(2), expected_version=0)

    with pytest.raises(ConcurrencyError) as raised:
        await event_store.append("a", new_events(3), expected_version=expected_version)

    assert raised.value.stream_id == "a"
    assert raised.value.expected_version == expected_version
    assert raised.value.actual_version == 2
    assert len(await event_store.read_stream("a")) == 2
    assert await event_store.head_position() == 2


async def test_concurrent_appends_at_the_same_version_let_exactly_one_win(
    event_store: EventStore,
) -> None:
    outcomes = await asyncio.gather(
        *(event_store.append("contested", new_events(2), expected_version=0) for _ in range(8)),
        return_exceptions=True,
    )

    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, ConcurrencyError) for o in losers)
    assert [e.stream_version for e in await event_store.read_stream("contested")] == [1, 2]
    assert await event_store.head_position() == 2


# -- idempotency ------------------------------------------------------------------------


async def test_a_retry_with_the_same_key_returns_the_original_result(
    event_store: EventStore,
) -> None:
    def attempt() -> list[NewEvent]:
        # Rebuilt on every attempt, as a client would: fresh event ids each time.
        return [new_event(payload={"n": 1}), new_event(payload={"n": 2})]

    original = await event_store.append("a", attempt(), expected_version=0, idempotency_key="k1")
    await event_store.append("b", new_events(1), expected_version=0)
    await event_store.append("a", new_events(1), expected_version=2)

    retry = await event_store.append("a", attempt(), expected_version=0, idempotency_key="k1")

    assert retry.replayed
    assert not original.replayed
    assert (retry.first_position, retry.last_position) == (1, 2)
    assert retry.stream_version == original.stream_version == 2
    assert retry.recorded_at == original.recorded_at
    assert await event_store.head_position() == 4


async def test_the_idempotency_key_is_stored_in_each_events_metadata(
    event_store: EventStore,
) -> None:
    await event_store.append("a", new_events(2), expected_version=0, idempotency_key="req-9")

    assert [e.metadata.idempotency_key for e in await event_store.read_stream("a")] == [
        "req-9",
        "req-9",
    ]


@pytest.mark.parametrize(
    ("stream_id", "events"),
    [
        ("a", [new_event(payload={"n": 1}), new_event(payload={"n": 3})]),
        ("a", [new_event(payload={"n": 1})]),
        ("a", [new_event(payload={"n": 1}), new_event(payload={"n": 2}, event_type="Other")]),
        ("a", [new_event(payload={"n": 1}), new_event(payload={"n": 2}, occurred=None)]),
        ("other-stream", [new_event(payload={"n": 1}), new_event(payload={"n": 2})]),
    ],
    ids=["payload", "fewer-events", "event-type", "occurred", "stream"],
)
async def test_the_same_key_for_different_content_conflicts(
    event_store: EventStore, stream_id: str, events: list[NewEvent]
) -> None:
    first = [new_event(payload={"n": 1}), new_event(payload={"n": 2})]
    await event_store.append("a", first, expected_version=0, idempotency_key="k1")

    with pytest.raises(IdempotencyConflict) as raised:
        await event_store.append(stream_id, events, expected_version=0, idempotency_key="k1")

    assert raised.value.key == "k1"
    assert await event_store.head_position() == 2


async def test_a_refused_append_does_not_consume_its_key(event_store: EventStore) -> None:
    await event_store.append("a", new_events(1), expected_version=0)
    with pytest.raises(ConcurrencyError):
        await event_store.append("a", new_events(1), expected_version=0, idempotency_key="k")

    result = await event_store.append("a", new_events(1), expected_version=1, idempotency_key="k")

    assert not result.replayed
    assert result.first_position == 2


# -- time -------------------------------------------------------------------------------


async def test_recorded_at_never_decreases_when_the_clock_goes_backwards(
    event_store: EventStore, clock: ManualClock
) -> None:
    start = clock.now()
    await event_store.append("a", new_events(1), expected_version=0)
    clock.advance(dt.timedelta(hours=-3))
    behind = await event_store.append("a", new_events(1), expected_version=1)
    clock.set(start + dt.timedelta(seconds=1))
    ahead = await event_store.append("a", new_events(1), expected_version=2)

    times = [e.recorded_at for e in await read_all(event_store)]

    assert behind.recorded_at == start
    assert times == [start, start, start + dt.timedelta(seconds=1)]
    assert ahead.recorded_at == times[-1]
    assert (await verify_chain(event_store.read_all())).intact


async def test_a_naive_clock_is_refused(database_url: str) -> None:
    class NaiveClock:
        def now(self) -> dt.datetime:
            return dt.datetime(2026, 1, 1)

    store = await open_event_store(database_url, NaiveClock())
    try:
        with pytest.raises(ValueError, match="timezone-aware"):
            await store.append("a", new_events(1), expected_version=0)
        assert await store.head_position() == 0
    finally:
        await store.close()


# -- reading the log --------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 4, 7, 25, 1000])
async def test_read_all_returns_the_log_after_a_position_in_order(
    event_store: EventStore, batch_size: int
) -> None:
    for stream in range(5):
        await event_store.append(f"s{stream}", new_events(5), expected_version=0)

    assert [e.position for e in await read_all(event_store, batch_size=batch_size)] == list(
        range(1, 26)
    )
    tail = await read_all(event_store, after_position=7, batch_size=batch_size)
    assert [e.position for e in tail] == list(range(8, 26))
    assert await read_all(event_store, after_position=25, batch_size=batch_size) == []


async def test_read_all_fetches_lazily_in_batches(event_store: EventStore) -> None:
    await event_store.append("a", new_events(4), expected_version=0)
    reader = event_store.read_all(batch_size=2)
    first = [await anext(reader), await anext(reader)]

    # Later batches are queried when reached, so events appended meanwhile are seen: proof
    # that the reader is not holding one result set for the whole log.
    await event_store.append("a", new_events(2), expected_version=4)
    rest = [event async for event in reader]

    assert [e.position for e in first + rest] == [1, 2, 3, 4, 5, 6]


def log_reads(statements: list[str]) -> int:
    return sum("FROM events WHERE position >" in statement for statement in statements)


async def test_a_reader_that_stops_in_its_first_batch_costs_one_statement(
    event_store: EventStore, statements: list[str]
) -> None:
    await event_store.append("a", new_events(6), expected_version=0)
    statements.clear()
    reader = event_store.read_all(batch_size=2)
    taken = [await anext(reader), await anext(reader)]
    await reader.aclose()  # type: ignore[attr-defined]

    assert [e.position for e in taken] == [1, 2]
    assert log_reads(statements) == 1


async def test_a_bulk_reader_has_the_next_batch_fetched_while_it_works(
    event_store: EventStore, statements: list[str]
) -> None:
    await event_store.append("a", new_events(7), expected_version=0)
    statements.clear()
    reader = event_store.read_all(batch_size=2)
    taken = [await anext(reader) for _ in range(3)]  # into the second batch

    # Back for a second batch, the reader reads in bulk: the third is asked for already.
    assert log_reads(statements) == 3
    taken += [event async for event in reader]
    assert [e.position for e in taken] == [1, 2, 3, 4, 5, 6, 7]
    assert log_reads(statements) == 4  # batches of 2, 2, 2 and the last 1


async def test_a_bulk_reader_stopped_early_leaves_no_fetch_running(
    event_store: EventStore,
) -> None:
    await event_store.append("a", new_events(9), expected_version=0)
    reader = event_store.read_all(batch_size=2)
    taken = [await anext(reader) for _ in range(3)]
    await reader.aclose()  # type: ignore[attr-defined]

    assert [e.position for e in taken] == [1, 2, 3]
    others = asyncio.all_tasks() - {asyncio.current_task()}
    assert not [task for task in others if not task.done()]
    assert [e.position for e in await read_all(event_store)] == list(range(1, 10))


async def test_a_bulk_reader_left_unfinished_holds_nothing_once_the_store_closes(
    database_url: str, clock: ManualClock
) -> None:
    """``verify`` stops at the first broken link without closing the reader: the fetch
    that reader had in flight must not outlive the store (a connection left open)."""
    store = await open_event_store(database_url, clock)
    await store.append("a", new_events(9), expected_version=0)
    reader = store.read_all(batch_size=2)
    taken = [await anext(reader) for _ in range(3)]  # a fetch of the third batch in flight

    await store.close()
    del reader
    gc.collect()
    await asyncio.sleep(0.1)  # the abandoned reader's aclose, scheduled by its finaliser

    assert [e.position for e in taken] == [1, 2, 3]


async def test_read_all_refuses_a_batch_size_below_one(event_store: EventStore) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        await read_all(event_store, batch_size=0)


async def test_a_page_of_the_log_is_the_log_after_a_position_with_its_head(
    event_store: EventStore,
) -> None:
    empty = await event_store.read_page(after_position=0, limit=5)
    assert (empty.events, empty.head, empty.has_more) == ((), 0, False)
    for stream in range(5):
        await event_store.append(f"s{stream}", new_events(5), expected_version=0)
    log = await read_all(event_store)

    for after in (0, 7, 24, 25, 30):
        for limit in (0, 1, 7, 25, 100):
            page = await event_store.read_page(after_position=after, limit=limit)
            expected = [e for e in log if e.position > after][:limit]
            assert list(page.events) == expected, (after, limit)
            assert page.head == 25
            assert page.has_more == (bool(expected) and expected[-1].position < 25)


async def test_a_page_of_the_log_refuses_a_negative_limit(event_store: EventStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        await event_store.read_page(after_position=0, limit=-1)


# -- the hash chain ---------------------------------------------------------------------


async def test_the_hash_chain_of_an_intact_log_verifies(event_store: EventStore) -> None:
    await event_store.append("a", new_events(3), expected_version=0)
    await event_store.append("b", new_events(2), expected_version=0, idempotency_key="k")

    report = await verify_chain(event_store.read_all(batch_size=2))

    assert report.intact
    assert report.events_checked == 5
    assert report.reason is None


@many_examples
@given(
    batches=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.lists(payloads, min_size=1, max_size=6)),
        min_size=1,
        max_size=6,
    )
)
async def test_random_batches_keep_the_log_gapless_and_the_chain_intact(
    event_store: EventStore, batches: list[tuple[str, list[dict[str, JSONValue]]]]
) -> None:
    # The store persists across hypothesis examples, so every property is about the whole
    # accumulated log, not only this example's batches.
    head = await event_store.head_position()
    for stream_id, batch_payloads in batches:
        version = len(await event_store.read_stream(stream_id))
        result = await event_store.append(
            stream_id, [new_event(payload=p) for p in batch_payloads], expected_version=version
        )
        assert result.first_position == head + 1
        head = result.last_position

    log = await read_all(event_store, batch_size=5)
    assert [e.position for e in log] == list(range(1, head + 1))
    for stream_id in {e.stream_id for e in log}:
        versions = [e.stream_version for e in await event_store.read_stream(stream_id)]
        assert versions == list(range(1, len(versions) + 1))
    assert (await verify_chain(event_store.read_all(batch_size=5))).intact


@many_examples
@given(payload=payloads)
async def test_payloads_round_trip_exactly(
    event_store: EventStore, payload: dict[str, JSONValue]
) -> None:
    result = await event_store.append(
        f"p-{uuid4()}", [new_event(payload=payload)], expected_version=0
    )

    [recorded] = await read_all(event_store, after_position=result.first_position - 1)

    # Compared as JSON text so that 1.0 coming back as 1 would fail.
    assert json.dumps(recorded.payload, sort_keys=True) == json.dumps(payload, sort_keys=True)


async def test_the_chain_holds_for_numbers_that_jsonb_rewrites(event_store: EventStore) -> None:
    numbers: dict[str, JSONValue] = {
        "big": 1e20,
        "largest": 1.7976931348623157e308,
        "negative_zero": -0.0,
        "one": 1.0,
        "smallest": 5e-324,
        "exponent": 1.5e-7,
        "integer": 2**70,
    }
    await event_store.append("numbers", [new_event(payload=numbers)], expected_version=0)

    [recorded] = await event_store.read_stream("numbers")

    assert (await verify_chain(event_store.read_all())).intact
    assert recorded.payload["big"] == 10**20
    assert recorded.payload["one"] == 1.0
    assert recorded.payload["exponent"] == 1.5e-7


async def test_a_payload_may_be_any_mapping(event_store: EventStore) -> None:
    payload = MappingProxyType({"nested": MappingProxyType({"a": (1, 2)})})
    await event_store.append("a", [new_event(payload=payload)], expected_version=0)

    [recorded] = await event_store.read_stream("a")

    assert recorded.payload == {"nested": {"a": [1, 2]}}
    assert (await verify_chain(event_store.read_all())).intact


# -- failures ---------------------------------------------------------------------------


async def test_an_unreachable_database_raises_store_unavailable(backend: str) -> None:
    threads_before = set(threading.enumerate())
    store = await open_event_store(UNREACHABLE[backend])
    try:
        with pytest.raises(StoreUnavailable):
            await store.head_position()
        with pytest.raises(StoreUnavailable):
            await store.append("a", new_events(1), expected_version=0)
        with pytest.raises(StoreUnavailable):
            await read_all(store)
    finally:
        await store.close()
        # aiosqlite stops the worker thread of a connection that failed to open by posting
        # back to this event loop from that thread; if the test's loop closes first, the
        # thread raises "Event loop is closed". Let the workers this test started finish.
        for thread in set(threading.enumerate()) - threads_before:
            await asyncio.to_thread(thread.join, 5)
