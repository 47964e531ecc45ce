"""PostgreSQL hashes on the server exactly the bytes the chain defines in Python.

``timeline_append`` (migration 0009) splices each event's position and ``recorded_at`` into
the canonical content the store sends in two parts, and hashes with ``sha256()``. Logs
written before it were hashed in Python, and ``timeline verify`` checks every log in Python,
so the server's bytes must be ``chain.canonical_content``'s for any content: text in any
script, escapes, numbers JSONB rewrites, times of any microsecond, batches, a clock that
goes backwards. Each event's stored hash is compared with the hash computed in Python from
what was appended, not from what was read back.
"""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import asyncpg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.test_event_store import payloads
from tests.factories import ManualClock, new_event
from timeline.application.chain import GENESIS_HASH, canonical_content, chain_hash, verify_chain
from timeline.application.records import EventMetadata, JSONValue, OccurredTime, ReportedTime
from timeline.store.factory import open_event_store
from timeline.store.sql import postgres
from timeline.store.sql.rows import encode_events

pytestmark = pytest.mark.postgres

texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
moments = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2200, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=dt.UTC)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    contents=st.lists(st.tuples(payloads, texts, st.booleans()), min_size=1, max_size=3),
    stream_id=texts.filter(bool),
    event_type=texts.filter(bool),
    moment=moments,
    backwards=st.booleans(),
)
async def test_server_hashes_equal_the_chain_computed_in_python(
    postgres_database_url: str,
    contents: list[tuple[dict[str, JSONValue], str, bool]],
    stream_id: str,
    event_type: str,
    moment: dt.datetime,
    backwards: bool,
) -> None:
    clock = ManualClock(moment)
    store = await open_event_store(postgres_database_url, clock)
    try:
        head = await store.head_position()
        previous = GENESIS_HASH
        previous_at: dt.datetime | None = None
        if head:
            [last] = [event async for event in store.read_all(after_position=head - 1)]
            previous, previous_at = last.hash, last.recorded_at
        if backwards:
            clock.set(moment - dt.timedelta(days=400, microseconds=7))
        stream = f"{stream_id}-{uuid4()}"
        events = [
            new_event(
                event_type=event_type,
                payload=payload,
                metadata=EventMetadata(actor=reason or "a", reason=reason),
                occurred=OccurredTime(
                    edtf="2025-10", earliest=dt.date(2025, 10, 1), latest=dt.date(2025, 10, 31)
                )
                if dated
                else None,
                reported=ReportedTime(edtf="1999-01-02", latest=dt.date(1999, 1, 2))
                if dated
                else None,
            )
            for payload, reason, dated in contents
        ]
        result = await store.append(stream, events, expected_version=0)
        expected_at = clock.now() if previous_at is None else max(clock.now(), previous_at)
        assert result.recorded_at == expected_at

        stored = await store.read_stream(stream)
        for offset, (event, recorded) in enumerate(zip(events, stored, strict=True)):
            content = canonical_content(
                position=result.first_position + offset,
                event_id=event.event_id,
                stream_id=stream,
                stream_version=offset + 1,
                event_type=event.event_type,
                schema_version=event.schema_version,
                occurred=event.occurred,
                reported=event.reported,
                recorded_at=expected_at,
                payload=event.payload,
                metadata=event.metadata,
            )
            previous = chain_hash(previous, content)
            assert recorded.hash == previous
        assert (await verify_chain(store.read_all())).intact
    finally:
        await store.close()


@pytest.mark.parametrize("change", ["a text too many", "a text too few"])
async def test_the_server_refuses_texts_that_do_not_match_the_events(
    postgres_database_url: str, change: str
) -> None:
    """Each event's four texts come joined in one argument (migration 0023): a piece too
    many or too few is refused, and nothing is written."""
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    encoded = encode_events(
        [new_event(), new_event()], stream_id="s", expected_version=0, idempotency_key=None
    )
    arguments = list(postgres._arguments("s", encoded, 0, None, None, now))
    texts = arguments[-1]
    arguments[-1] = texts + "\x1f{}" if change == "a text too many" else texts.rpartition("\x1f")[0]
    url = sa.make_url(postgres_database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(asyncpg.RaiseError, match=r"2 events but [79] texts"):
            await connection.fetchval(postgres._APPEND, *arguments)
        assert await connection.fetchval("SELECT count(*) FROM events") == 0
    finally:
        await connection.close()
