"""The export line format: every stored field out and back, and a named reason for each bad
field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from tests.factories import new_event
from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content
from timeline.application.log_lines import BadLine, event_line, parse_line, stated_hash
from timeline.application.records import EventMetadata, RecordedEvent


def recorded(**changes: Any) -> RecordedEvent:
    event = new_event(
        payload={"title": "Café", "n": 12345678901234567890, "ratio": 0.5, "list": [None]},
        metadata=EventMetadata(actor="test", causation_id=uuid4(), idempotency_key="k"),
    )
    unhashed = RecordedEvent(
        position=1,
        event_id=event.event_id,
        stream_id="fact-1",
        stream_version=1,
        event_type=event.event_type,
        schema_version=event.schema_version,
        payload=event.payload,
        occurred=event.occurred,
        reported=event.reported,
        recorded_at=dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        metadata=event.metadata,
        hash="",
    )
    unhashed = msgspec.structs.replace(unhashed, **changes)
    return msgspec.structs.replace(
        unhashed, hash=chain_hash(GENESIS_HASH, recorded_content(unhashed))
    )


def test_a_line_reads_back_as_the_very_event() -> None:
    event = recorded()

    line = event_line(event)

    assert parse_line(line) == event
    assert parse_line(line.encode("utf-8")) == event
    assert "\n" not in line
    assert json.loads(line)["recorded_at"] == "2025-01-02T03:04:05.000006+00:00"


def test_times_may_be_absent() -> None:
    event = recorded(occurred=None, reported=None)

    assert parse_line(event_line(event)) == event


def spoiled(**fields: Any) -> str:
    document = json.loads(event_line(recorded()))
    document.update(fields)
    return json.dumps({k: v for k, v in document.items() if v != "DROP"})


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{", "not JSON"),
        (b"\xff\xfe{", "not JSON"),
        ('{"position": NaN}', "not JSON: NaN is not a JSON number"),
        ("[1, 2]", "not a JSON object but an array"),
        (spoiled(extra=1), "unknown field 'extra'"),
        (spoiled(stream_version="DROP"), "missing field 'stream_version'"),
        (spoiled(hash="ABC"), "field 'hash' must be 64 lowercase hexadecimal digits"),
        (spoiled(position=0), "field 'position' must be a positive integer"),
        (spoiled(position=True), "field 'position' must be a positive integer"),
        (spoiled(event_id="nope"), "field 'event_id' is not a UUID"),
        (spoiled(stream_id=""), "field 'stream_id' must be a non-empty string"),
        (spoiled(payload=[]), "field 'payload' must be an object, not an array"),
        (spoiled(recorded_at="2025-01-02T03:04:05"), "'recorded_at' must be an ISO timestamp"),
        (spoiled(occurred={"edtf": "2021"}), "'occurred' must be an object with exactly"),
        (
            spoiled(reported={"edtf": "2021", "latest": "21-04-15"}),
            "'reported.latest' must be an ISO day",
        ),
        (spoiled(metadata={"actor": "x"}), "'metadata' must be an object with exactly"),
        (
            spoiled(metadata={**EventMetadata().to_json(), "actor": 7}),
            "'metadata.actor' must be a string or null",
        ),
        (
            spoiled(metadata={**EventMetadata().to_json(), "correlation_id": "x"}),
            "'metadata.correlation_id' is not a UUID",
        ),
    ],
)
def test_a_bad_line_names_its_reason(line: str | bytes, reason: str) -> None:
    with pytest.raises(BadLine, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_line(line)


def test_a_bad_line_still_tells_the_hash_it_states() -> None:
    line = spoiled(stream_version="DROP")

    with pytest.raises(BadLine) as bad:
        parse_line(line)

    assert stated_hash(bad.value.raw) == json.loads(line)["hash"]
    assert stated_hash(None) is None
