"""The export format of the log: one JSON object per line, one line per stored event.

A line holds every field the store keeps, in the forms the hash chain covers (ISO days,
``recorded_at`` in UTC with microseconds and offset, the payload and metadata as JSON, the
payload's keys sorted), so an import can write the event back verbatim and its hash still
holds, and one log exports to the same bytes from either backend. Reading a line checks
each field's presence and type and names the first one at fault; whether the event belongs
where the line puts it is ``log_checks``'s business.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Final, NoReturn
from uuid import UUID

from timeline.application.chain import occurred_json, reported_json, utc_iso
from timeline.application.records import (
    EventMetadata,
    JSONValue,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)

LINE_FIELDS: Final = (
    "position",
    "event_id",
    "stream_id",
    "stream_version",
    "event_type",
    "schema_version",
    "occurred",
    "reported",
    "recorded_at",
    "payload",
    "metadata",
    "hash",
)
_METADATA_FIELDS: Final = frozenset(EventMetadata().to_json())
_HASH = re.compile(r"[0-9a-f]{64}")


class BadLine(ValueError):
    """A line that is not one stored event; ``reason`` says which field and why."""

    def __init__(self, reason: str, raw: Mapping[str, JSONValue] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw
        """The line's JSON object when it parsed as one, for what can still be read."""


def event_line(event: RecordedEvent) -> str:
    """The export line of ``event``, without its newline."""
    document = {
        "position": event.position,
        "event_id": str(event.event_id),
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "occurred": occurred_json(event.occurred),
        "reported": reported_json(event.reported),
        "recorded_at": utc_iso(event.recorded_at),
        "payload": _sorted(event.payload),
        "metadata": event.metadata.to_json(),
        "hash": event.hash,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def parse_line(text: str | bytes) -> RecordedEvent:
    """The event a line holds; raises ``BadLine`` naming the first field at fault. A line
    read as bytes is decoded here, so that one that is not UTF-8 is a bad line too."""
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise BadLine(f"not JSON: {error}") from None
    except RecursionError:
        raise BadLine("not JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise BadLine(f"not a JSON object but {_json_type(raw)}")
    try:
        return _event(raw)
    except BadLine as error:
        raise BadLine(error.reason, raw) from None


def stated_hash(raw: Mapping[str, JSONValue] | None) -> str | None:
    """The hash a line states, if it states a well-formed one (even when other fields are
    bad): the next line chains to it."""
    value = None if raw is None else raw.get("hash")
    return value if isinstance(value, str) and _HASH.fullmatch(value) else None


def _event(raw: Mapping[str, JSONValue]) -> RecordedEvent:
    unknown = sorted(set(raw) - set(LINE_FIELDS))
    if unknown:
        raise BadLine(f"unknown field {unknown[0]!r}")
    for name in LINE_FIELDS:
        if name not in raw:
            raise BadLine(f"missing field {name!r}")
    hash_ = stated_hash(raw)
    if hash_ is None:
        raise BadLine("field 'hash' must be 64 lowercase hexadecimal digits")
    payload = raw["payload"]
    if not isinstance(payload, dict):
        raise BadLine(f"field 'payload' must be an object, not {_json_type(payload)}")
    return RecordedEvent(
        position=_count(raw, "position"),
        event_id=_uuid(raw["event_id"], "event_id"),
        stream_id=_text(raw, "stream_id"),
        stream_version=_count(raw, "stream_version"),
        event_type=_text(raw, "event_type"),
        schema_version=_count(raw, "schema_version"),
        occurred=_occurred(raw["occurred"]),
        reported=_reported(raw["reported"]),
        recorded_at=_instant(raw["recorded_at"]),
        payload=payload,
        metadata=_metadata(raw["metadata"]),
        hash=hash_,
    )


def _count(raw: Mapping[str, JSONValue], name: str) -> int:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadLine(f"field {name!r} must be a positive integer, not {value!r}")
    return value


def _text(raw: Mapping[str, JSONValue], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str) or not value:
        raise BadLine(f"field {name!r} must be a non-empty string")
    return value


def _uuid(value: JSONValue, name: str) -> UUID:
    try:
        return UUID(value) if isinstance(value, str) else _fail(name, "a UUID string")
    except ValueError:
        raise BadLine(f"field {name!r} is not a UUID: {value!r}") from None


def _day(value: JSONValue, name: str) -> dt.date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    return _fail(name, "an ISO day (YYYY-MM-DD)")


def _instant(value: JSONValue) -> dt.datetime:
    moment: dt.datetime | None = None
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.utcoffset() is None:
        return _fail("recorded_at", "an ISO timestamp with an offset")
    return moment


def _object(value: JSONValue, name: str, keys: frozenset[str]) -> Mapping[str, JSONValue]:
    if not isinstance(value, dict):
        return _fail(name, "an object")
    if set(value) != keys:
        expected = ", ".join(sorted(keys))
        return _fail(name, f"an object with exactly the fields {expected}")
    return value


def _occurred(value: JSONValue) -> OccurredTime | None:
    if value is None:
        return None
    data = _object(value, "occurred", frozenset({"edtf", "earliest", "latest"}))
    return OccurredTime(
        edtf=_text(data, "edtf"),
        earliest=_day(data["earliest"], "occurred.earliest"),
        latest=_day(data["latest"], "occurred.latest"),
    )


def _reported(value: JSONValue) -> ReportedTime | None:
    if value is None:
        return None
    data = _object(value, "reported", frozenset({"edtf", "latest"}))
    return ReportedTime(edtf=_text(data, "edtf"), latest=_day(data["latest"], "reported.latest"))


def _metadata(value: JSONValue) -> EventMetadata:
    data = _object(value, "metadata", _METADATA_FIELDS)
    for name, item in data.items():
        if item is not None and not isinstance(item, str):
            _fail(f"metadata.{name}", "a string or null")
    for name in ("causation_id", "correlation_id"):
        if data[name] is not None:
            _uuid(data[name], f"metadata.{name}")
    return EventMetadata.from_json(data)


def _fail(name: str, expected: str) -> NoReturn:
    raise BadLine(f"field {name!r} must be {expected}")


def _no_constant(name: str) -> NoReturn:
    # json.loads reads NaN and Infinity, which are not JSON and which no hash can cover.
    raise ValueError(f"{name} is not a JSON number")


def _json_type(value: JSONValue) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _sorted(value: JSONValue) -> JSONValue:
    # JSONB hands objects back in its own key order; sorted keys make the export of one log
    # the same bytes from either backend.
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
