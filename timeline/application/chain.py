"""The hash chain that makes a rewrite of the log detectable.

Each event's hash is the SHA-256 of the previous event's hash and the event's canonical
content, so changing, removing or reordering any stored event breaks every hash after it.
The content is canonical JSON (sorted keys, compact separators, UTF-8) of everything the
store holds about the event except the hash itself.

JSON numbers need one normalisation to survive PostgreSQL: JSONB keeps numbers as
``numeric``, so a float written as ``1e+20`` reads back as the integer
``100000000000000000000``. Integral floats are therefore hashed as the integer their
shortest decimal form denotes, which is what either backend gives back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from timeline.application.records import (
    EventMetadata,
    JSONValue,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)

GENESIS_HASH = "0" * 64
"""The hash the first event of the log chains to."""


_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
_PLAIN = frozenset({str, int, bool, type(None)})


def canonical_json(value: JSONValue) -> bytes:
    """Deterministic UTF-8 JSON for ``value``; raises ``ValueError`` on NaN or infinity."""
    return _encode(normalise_json(value)).encode("utf-8")


def normalise_json(value: JSONValue) -> JSONValue:
    """``value`` as plain dicts and lists, integral floats as ints (see the module doc)."""
    # Exact-type checks first: this walks every payload on the append path.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {
            key if type(key) is str else str(key): item
            if type(item) in _PLAIN
            else normalise_json(item)
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _PLAIN else normalise_json(item) for item in value]
    if isinstance(value, float):
        if value.is_integer():
            return int(Decimal(repr(value)))
        return value
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, Mapping):
        return {str(key): normalise_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_json(item) for item in value]
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def utc_iso(moment: dt.datetime) -> str:
    """The UTC ISO-8601 form, always with microseconds, that the chain hashes."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def occurred_json(occurred: OccurredTime | None) -> dict[str, JSONValue] | None:
    if occurred is None:
        return None
    return {
        "edtf": occurred.edtf,
        "earliest": occurred.earliest.isoformat(),
        "latest": occurred.latest.isoformat(),
    }


def reported_json(reported: ReportedTime | None) -> dict[str, JSONValue] | None:
    if reported is None:
        return None
    return {"edtf": reported.edtf, "latest": reported.latest.isoformat()}


def canonical_content(
    *,
    position: int,
    event_id: UUID,
    stream_id: str,
    stream_version: int,
    event_type: str,
    schema_version: int,
    occurred: OccurredTime | None,
    reported: ReportedTime | None,
    recorded_at: dt.datetime,
    payload: Mapping[str, JSONValue],
    metadata: EventMetadata,
) -> bytes:
    """The bytes an event's hash covers: everything stored about it but the hash."""
    # Only the payload can hold what needs normalising; the rest is plain by construction.
    content = _encode(
        {
            "position": position,
            "event_id": str(event_id),
            "stream_id": stream_id,
            "stream_version": stream_version,
            "event_type": event_type,
            "schema_version": schema_version,
            "occurred": occurred_json(occurred),
            "reported": reported_json(reported),
            "recorded_at": utc_iso(recorded_at),
            "payload": normalise_json(payload),
            "metadata": metadata.to_json(),
        }
    )
    return content.encode("utf-8")


def recorded_content(event: RecordedEvent) -> bytes:
    """``canonical_content`` of an event read back from the store."""
    return canonical_content(
        position=event.position,
        event_id=event.event_id,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        event_type=event.event_type,
        schema_version=event.schema_version,
        occurred=event.occurred,
        reported=event.reported,
        recorded_at=event.recorded_at,
        payload=event.payload,
        metadata=event.metadata,
    )


def chain_hash(previous_hash: str, content: bytes) -> str:
    """Hex SHA-256 of the previous hash (as ASCII hex), a newline, and the content."""
    digest = hashlib.sha256(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(content)
    return digest.hexdigest()


@dataclass(frozen=True, kw_only=True, slots=True)
class ChainReport:
    """What ``verify_chain`` found; ``first_broken_position`` is None when the chain holds."""

    events_checked: int
    first_broken_position: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_position is None


async def verify_chain(events: AsyncIterable[RecordedEvent]) -> ChainReport:
    """Walk the log from its first event and stop at the first event that breaks the chain.

    An event breaks the chain when its position is not its predecessor's plus one (a gap
    or a reorder; the first event must be at position 1), when its hash does not match its
    content and its predecessor's hash, or when it was recorded before its predecessor.
    ``events_checked`` counts the events examined, the broken one included.
    """
    checked = 0
    previous_hash = GENESIS_HASH
    previous_position = 0
    previous_recorded_at: dt.datetime | None = None
    async for event in events:
        checked += 1
        reason: str | None = None
        if event.position != previous_position + 1:
            reason = f"expected position {previous_position + 1}, found {event.position}"
        elif previous_recorded_at is not None and event.recorded_at < previous_recorded_at:
            reason = "recorded_at is earlier than the previous event's"
        elif event.hash != chain_hash(previous_hash, recorded_content(event)):
            reason = "hash does not match the event's content and the previous hash"
        if reason is not None:
            return ChainReport(
                events_checked=checked, first_broken_position=event.position, reason=reason
            )
        previous_hash = event.hash
        previous_position = event.position
        previous_recorded_at = event.recorded_at
    return ChainReport(events_checked=checked)
