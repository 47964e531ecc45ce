"""The hash chain, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.application.chain import (
    GENESIS_HASH,
    canonical_json,
    chain_hash,
    recorded_content,
    verify_chain,
)
from timeline.application.records import (
    EventMetadata,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def chained_log(count: int) -> list[RecordedEvent]:
    log: list[RecordedEvent] = []
    previous = GENESIS_HASH
    for position in range(1, count + 1):
        event = RecordedEvent(
            position=position,
            event_id=uuid.UUID(int=position),
            stream_id="s",
            stream_version=position,
            event_type="FactRecorded",
            schema_version=1,
            payload={"n": position, "text": "é"},
            occurred=OccurredTime(
                edtf="2020", earliest=dt.date(2020, 1, 1), latest=dt.date(2020, 12, 31)
            ),
            reported=ReportedTime(edtf="2021", latest=dt.date(2021, 12, 31)),
            recorded_at=START + dt.timedelta(seconds=position),
            metadata=EventMetadata(actor="a"),
            hash="",
        )
        previous = chain_hash(previous, recorded_content(event))
        log.append(dataclasses.replace(event, hash=previous))
    return log


async def stream(events: Iterable[RecordedEvent]) -> AsyncIterator[RecordedEvent]:
    for event in events:
        yield event


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": [1, {"d": None, "c": "é"}], "a": True}) == (
        '{"a":true,"b":[1,{"c":"é","d":null}]}'.encode()
    )


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_an_integral_float_hashes_like_the_integer_its_decimal_form_denotes(value: float) -> None:
    # What JSONB gives back for a float: its shortest decimal form, parsed as a number.
    decimal = Decimal(repr(value))
    back: float | int = int(decimal) if value.is_integer() else float(decimal)
    assert canonical_json({"x": value}) == canonical_json({"x": back})


def test_canonical_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError, match="set is not a JSON value"):
        canonical_json({"x": {1, 2}})


def test_the_content_pins_recorded_at_to_utc_with_microseconds() -> None:
    [event] = chained_log(1)
    elsewhere = dataclasses.replace(
        event, recorded_at=event.recorded_at.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    )

    assert b'"recorded_at":"2026-01-01T00:00:01.000000+00:00"' in recorded_content(event)
    assert recorded_content(elsewhere) == recorded_content(event)


def test_chain_hash_is_sha256_of_the_previous_hash_newline_and_content() -> None:
    expected = hashlib.sha256(GENESIS_HASH.encode() + b"\n" + b"{}").hexdigest()
    assert chain_hash(GENESIS_HASH, b"{}") == expected


async def test_an_intact_chain_verifies() -> None:
    report = await verify_chain(stream(chained_log(5)))

    assert report.intact
    assert report.events_checked == 5


def _alter(log: list[RecordedEvent], index: int, **changes: Any) -> list[RecordedEvent]:
    return [*log[:index], dataclasses.replace(log[index], **changes), *log[index + 1 :]]


@pytest.mark.parametrize(
    ("tampered", "first_broken", "reason"),
    [
        (lambda log: _alter(log, 2, payload={"n": 0}), 3, "hash does not match"),
        (lambda log: _alter(log, 0, stream_id="t"), 1, "hash does not match"),
        (lambda log: _alter(log, 4, hash=GENESIS_HASH), 5, "hash does not match"),
        (lambda log: [*log[:2], *log[3:]], 4, "expected position 3, found 4"),
        (lambda log: [log[0], log[2], log[1], *log[3:]], 3, "expected position 2, found 3"),
        (lambda log: log[1:], 2, "expected position 1, found 2"),
        (lambda log: _alter(log, 3, recorded_at=START), 4, "recorded_at is earlier"),
    ],
    ids=["payload", "stream", "hash", "gap", "reorder", "missing-start", "time-backwards"],
)
async def test_verify_names_the_first_broken_position(
    tampered: Callable[[list[RecordedEvent]], list[RecordedEvent]], first_broken: int, reason: str
) -> None:
    report = await verify_chain(stream(tampered(chained_log(6))))

    assert report.first_broken_position == first_broken
    assert report.reason is not None
    assert reason in report.reason
