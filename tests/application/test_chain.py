"""The hash chain, without a database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.application.chain import (
    GENESIS_HASH,
    canonical_form,
    canonical_json,
    chain_hash,
    normalise_json,
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
        log.append(msgspec.structs.replace(event, hash=previous))
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
    elsewhere = msgspec.structs.replace(
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
    return [*log[:index], msgspec.structs.replace(log[index], **changes), *log[index + 1 :]]


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


# -- the spliced content is the content encoded whole ----------------------------------

_texts = st.text(max_size=12)
_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _texts
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_texts, children, max_size=3),
    max_leaves=12,
)
_days = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


def _whole_content(event: RecordedEvent) -> bytes:
    """The definition ``canonical_content`` must meet: one canonical JSON object."""
    occurred = event.occurred
    reported = event.reported
    return canonical_json(
        {
            "position": event.position,
            "event_id": str(event.event_id),
            "stream_id": event.stream_id,
            "stream_version": event.stream_version,
            "event_type": event.event_type,
            "schema_version": event.schema_version,
            "occurred": None
            if occurred is None
            else {
                "edtf": occurred.edtf,
                "earliest": occurred.earliest.isoformat(),
                "latest": occurred.latest.isoformat(),
            },
            "reported": None
            if reported is None
            else {"edtf": reported.edtf, "latest": reported.latest.isoformat()},
            "recorded_at": event.recorded_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "payload": event.payload,
            "metadata": event.metadata.to_json(),
        }
    )


@given(
    position=st.integers(1, 2**62),
    version=st.integers(1, 2**31 - 1),
    schema_version=st.integers(1, 2**31 - 1),
    texts=st.tuples(_texts, _texts, _texts, _texts, st.none() | _texts, st.none() | _texts),
    payload=st.dictionaries(_texts, _json_values, max_size=4),
    occurred=st.none() | st.tuples(_days, _days),
    reported=st.none() | _days,
    recorded_at=st.datetimes(timezones=st.just(dt.UTC)),
    ids=st.tuples(st.uuids(), st.none() | st.uuids()),
)
def test_the_spliced_content_equals_the_content_encoded_whole(
    position: int,
    version: int,
    schema_version: int,
    texts: tuple[str, str, str, str, str | None, str | None],
    payload: dict[str, Any],
    occurred: tuple[dt.date, dt.date] | None,
    reported: dt.date | None,
    recorded_at: dt.datetime,
    ids: tuple[uuid.UUID, uuid.UUID | None],
) -> None:
    stream_id, event_type, occurred_edtf, reported_edtf, actor, key = texts
    event = RecordedEvent(
        position=position,
        event_id=ids[0],
        stream_id=stream_id,
        stream_version=version,
        event_type=event_type,
        schema_version=schema_version,
        payload=payload,
        occurred=None
        if occurred is None
        else OccurredTime(edtf=occurred_edtf, earliest=occurred[0], latest=occurred[1]),
        reported=None if reported is None else ReportedTime(edtf=reported_edtf, latest=reported),
        recorded_at=recorded_at,
        metadata=EventMetadata(actor=actor, causation_id=ids[1], idempotency_key=key),
        hash="",
    )
    assert recorded_content(event) == _whole_content(event)


_any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
_any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _any_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(_any_text | st.integers() | st.booleans(), children, max_size=4)
    ),
    max_leaves=16,
)
_reference_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


@given(_any_json)
def test_canonical_text_is_the_sorted_compact_json_of_the_normalised_value(value: Any) -> None:
    text, verbatim = canonical_form(value)
    assert text == _reference_encode(normalise_json(value))
    if verbatim:
        # The canonical text then also reads back as the value itself.
        assert json.loads(text) == json.loads(json.dumps(value))
