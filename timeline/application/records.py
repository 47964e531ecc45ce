"""The envelopes in which events cross the event-store boundary.

The store is generic: it knows streams, versions, the three times and a JSON payload, never
what a fact is. The codec (``timeline.store.codec``) turns domain events into these records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import msgspec

JSONValue = Any
"""A value that ``json.dumps`` accepts: dicts, lists, str, int, bool, None (never float money)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class OccurredTime:
    """Valid time: when the fact happened, as EDTF text with its earliest and latest day."""

    edtf: str
    earliest: dt.date
    latest: dt.date


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportedTime:
    """When the source published it: EDTF text and its latest day (knowledge counts from it)."""

    edtf: str
    latest: dt.date


@dataclass(frozen=True, kw_only=True, slots=True)
class EventMetadata:
    """Who wrote an event and why; stored beside the payload, covered by the hash chain."""

    actor: str | None = None
    reason: str | None = None
    causation_id: UUID | None = None
    correlation_id: UUID | None = None
    idempotency_key: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "actor": self.actor,
            "reason": self.reason,
            "causation_id": str(self.causation_id) if self.causation_id else None,
            "correlation_id": str(self.correlation_id) if self.correlation_id else None,
            "idempotency_key": self.idempotency_key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> EventMetadata:
        causation = data.get("causation_id")
        correlation = data.get("correlation_id")
        return cls(
            actor=data.get("actor"),
            reason=data.get("reason"),
            causation_id=UUID(causation) if causation else None,
            correlation_id=UUID(correlation) if correlation else None,
            idempotency_key=data.get("idempotency_key"),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class NewEvent:
    """An event on its way into the store; the store adds position, version, time and hash."""

    event_id: UUID
    event_type: str
    schema_version: int
    payload: Mapping[str, JSONValue]
    occurred: OccurredTime | None = None
    reported: ReportedTime | None = None
    metadata: EventMetadata = field(default_factory=EventMetadata)
    payload_json: str | None = field(default=None, compare=False, repr=False)
    """The payload's canonical text (``chain.canonical_text``), for a record the codec made.

    The codec writes a payload's canonical text in compiled code from its typed shape
    (``timeline.store.codec.encode``), and the store hashes and stores that text as it is,
    so no dict is built or walked on the append path. Such a record leaves ``payload``
    unset, and it is parsed from this text the first time it is read (an idempotency
    fingerprint, a test). A record built through its constructor holds the payload it is
    given and no text, so that the two can never disagree."""

    def __post_init__(self) -> None:
        _set_new_payload_json(self, None)

    if not TYPE_CHECKING:  # so that mypy still refuses any other attribute

        def __getattr__(self, name: str) -> Any:
            return _payload_from_text(self, name)


class _RecordedFields(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``RecordedEvent``'s fields, in the log's column order; read them through it."""

    position: int
    event_id: UUID
    stream_id: str
    stream_version: int
    event_type: str
    schema_version: int
    payload: Mapping[str, JSONValue] | msgspec.UnsetType
    occurred: OccurredTime | None
    reported: ReportedTime | None
    recorded_at: dt.datetime
    metadata: EventMetadata
    hash: str
    """Hex SHA-256 over this event's canonical content and the previous event's hash."""
    payload_json: str | None = None
    """The payload column's JSON text, for a record the store read from its log.

    Replay never needs the payload as a dict: the codec decodes the text straight into the
    payload's typed shape. So a store builds its records with ``payload=msgspec.UNSET``
    and this text, and the payload is parsed from the text the first time it is read. A
    record given a payload (by its constructor, or ``msgspec.structs.replace``) holds that
    payload and no text, so that the two can never disagree."""


class RecordedEvent(_RecordedFields, frozen=True, kw_only=True, gc=False):
    """An event as the store holds it: immutable, positioned, timestamped and chained.

    A msgspec Struct, not a dataclass: a read of the log builds one per event, and a Struct
    is built in compiled code (0.20 µs against 0.66 for a slotted dataclass's trusted
    constructor) and is not tracked by the garbage collector (it can be in no cycle: it
    holds values, never a record): a decoded read of the log took 5-8% less CPU
    (``bench/README.md`` item 36). Copy one with ``msgspec.structs.replace``.
    Equality and ``repr`` are the dataclass's before it: every field but ``payload_json``."""

    def __post_init__(self) -> None:
        if _get_payload(self) is not msgspec.UNSET:
            _set_payload_json(self, None)

    @property  # type: ignore[misc]  # read-only, over the slot of the fields' class
    def payload(self) -> Mapping[str, JSONValue]:
        payload = _get_payload(self)
        if payload is msgspec.UNSET:
            text = self.payload_json
            if text is None:
                raise AttributeError("'RecordedEvent' object has no attribute 'payload'")
            payload = parse_json(text)
            _set_payload(self, payload)  # the slot's own setter, past the frozen setattr
        return payload  # type: ignore[no-any-return]

    def _compared(self) -> tuple[object, ...]:
        return (
            self.position,
            self.event_id,
            self.stream_id,
            self.stream_version,
            self.event_type,
            self.schema_version,
            self.payload,
            self.occurred,
            self.reported,
            self.recorded_at,
            self.metadata,
            self.hash,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not RecordedEvent:
            return NotImplemented
        return self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # its payload is a dict, as before

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={value!r}" for name, value in zip(_COMPARED, self._compared(), strict=True)
        )
        return f"RecordedEvent({shown})"


_COMPARED = tuple(name for name in _RecordedFields.__struct_fields__ if name != "payload_json")
_get_payload = _RecordedFields.__dict__["payload"].__get__
_set_payload = _RecordedFields.__dict__["payload"].__set__
_set_payload_json = _RecordedFields.__dict__["payload_json"].__set__


def _payload_from_text(record: NewEvent, name: str) -> Any:
    # Reached only when normal lookup fails: for ``payload`` only while it is unset.
    if name == "payload" and record.payload_json is not None:
        payload = parse_json(record.payload_json)
        type(record).__dict__["payload"].__set__(record, payload)  # past the frozen setattr
        return payload
    raise AttributeError(f"{type(record).__name__!r} object has no attribute {name!r}")


_set_new_payload_json = NewEvent.__dict__["payload_json"].__set__

parse_json: Final = msgspec.json.Decoder().decode
"""A JSON column's text as a value, in compiled code; malformed text raises
``msgspec.DecodeError``, a ``ValueError``. What differs from ``json.loads``, the columns never
hold: JSON written with ``allow_nan=False`` and no lone surrogates (neither SQLite's UTF-8
text nor PostgreSQL's JSONB can store one)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EventPage:
    """Up to a page's size of events after a position, and the log's length, read together
    (``EventStore.read_page``): the head is never behind the page's last event."""

    events: tuple[RecordedEvent, ...]
    head: int

    @property
    def has_more(self) -> bool:
        """Whether events follow the page's last one."""
        return bool(self.events) and self.events[-1].position < self.head


@dataclass(frozen=True, kw_only=True, slots=True)
class AppendResult:
    """Where an append landed. ``replayed`` is true when an idempotency key matched a retry."""

    stream_id: str
    first_position: int
    last_position: int
    stream_version: int
    recorded_at: dt.datetime
    replayed: bool = False
