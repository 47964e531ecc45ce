"""Rows of the ``events`` table to and from ``RecordedEvent``, and the JSON they hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from timeline.application.chain import (
    GENESIS_HASH,
    canonical_form,
    chained_hashes,
    content_before_payload,
    content_tail,
)
from timeline.application.chain import utc_iso as _utc_iso
from timeline.application.records import (
    EventMetadata,
    JSONValue,
    NewEvent,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
    parse_json,
)


def _plain(value: object) -> JSONValue:
    # Payloads are Mappings, not necessarily dicts (a MappingProxyType, say).
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# Compact JSON for the payload and metadata columns (JSONB re-encodes it anyway).
json_serializer = functools.partial(
    json.dumps, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain
)


def utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC; SQLite hands datetimes back naive, and they are stored as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    if moment.tzinfo is dt.UTC:
        return moment
    return moment.astimezone(dt.UTC)


def event_row(
    event: NewEvent,
    *,
    position: int,
    stream_id: str,
    stream_version: int,
    recorded_at: dt.datetime,
    metadata: EventMetadata,
    hash_: str,
) -> dict[str, Any]:
    """The ``events`` row for a new event, with what the store decided about it."""
    occurred, reported = event.occurred, event.reported
    return {
        "position": position,
        "event_id": event.event_id,
        "stream_id": stream_id,
        "stream_version": stream_version,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "occurred_edtf": occurred.edtf if occurred else None,
        "occurred_earliest": occurred.earliest if occurred else None,
        "occurred_latest": occurred.latest if occurred else None,
        "reported_edtf": reported.edtf if reported else None,
        "reported_latest": reported.latest if reported else None,
        "recorded_at": recorded_at,
        "payload": event.payload,
        "event_metadata": metadata.to_json(),
        "hash": hash_,
    }


def recorded_event(row: Sequence[Any]) -> RecordedEvent:
    """The event in an ``events`` row read with the raw driver, the columns in table order
    and the JSON columns as text; the one decoder of both backends.

    The columns come as each driver gives them: asyncpg hands back UUIDs, dates and aware
    times; SQLite holds them as text, in the forms SQLAlchemy's types write
    (``sqlite_event_rows``). Times and dates repeat, so their values are memoised.
    """
    (
        position,
        event_id,
        stream_id,
        stream_version,
        event_type,
        schema_version,
        occurred_edtf,
        occurred_earliest,
        occurred_latest,
        reported_edtf,
        reported_latest,
        recorded_at,
        payload,
        metadata,
        hash_,
    ) = row
    return RecordedEvent(
        position=position,
        event_id=_uuid(event_id, UUID) if isinstance(event_id, str) else event_id,
        stream_id=stream_id,
        stream_version=stream_version,
        event_type=event_type,
        schema_version=schema_version,
        payload=msgspec.UNSET,  # parsed from the text on first use; replay decodes the text
        payload_json=payload,
        occurred=None
        if occurred_edtf is None
        else _occurred(occurred_edtf, occurred_earliest, occurred_latest),
        reported=None if reported_edtf is None else _reported(reported_edtf, reported_latest),
        recorded_at=_recorded_at(recorded_at),
        metadata=metadata_from_text(metadata),
        hash=hash_,
    )


_uuid = msgspec.convert  # SQLite's 32 hex digits, parsed in compiled code


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# A log repeats a few thousand dates, and a batch its one commit time: one frozen value per
# distinct set of column values spares building it again for every row. The columns are the
# whole key, so a row always gets exactly what it holds.


@functools.lru_cache(maxsize=8192)
def _occurred(edtf: str, earliest: dt.date | str, latest: dt.date | str) -> OccurredTime:
    return OccurredTime(edtf=edtf, earliest=_date(earliest), latest=_date(latest))


@functools.lru_cache(maxsize=8192)
def _reported(edtf: str, latest: dt.date | str) -> ReportedTime:
    return ReportedTime(edtf=edtf, latest=_date(latest))


@functools.lru_cache(maxsize=256)
def _recorded_at(value: dt.datetime | str) -> dt.datetime:
    return sqlite_datetime(value) if isinstance(value, str) else utc(value)


def sqlite_datetime(text: str) -> dt.datetime:
    """A DATETIME column's text (naive UTC, as SQLAlchemy writes it) as an aware time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def sqlite_datetime_text(moment: dt.datetime) -> str:
    """How SQLAlchemy's SQLite DATETIME writes ``moment`` (UTC): ``2026-01-01 12:00:00.000000``."""
    return utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@functools.lru_cache(maxsize=4096)
def metadata_from_text(text: str) -> EventMetadata:
    """The metadata in a column's JSON; memoised, as most events repeat their writer's."""
    return EventMetadata.from_json(parse_json(text))


# -- the append path: each event's JSON encoded once, for the hash and for the columns ----


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of the log, as the next append chains to it."""

    position: int
    hash: str
    recorded_at: dt.datetime | None


EMPTY_LOG = Head(position=0, hash=GENESIS_HASH, recorded_at=None)


class EncodedEvent(NamedTuple):
    """A new event with its metadata settled and its JSON encoded, before it has a place.

    A named tuple, not a dataclass: one is built per event on the append path."""

    event: NewEvent
    metadata: EventMetadata
    before: str
    """``chain.content_before_payload`` of the event: its hashed content up to its payload,
    the canonical JSON of its metadata included."""
    payload_text: str
    """The canonical JSON of its payload, hashed between ``before`` and the position."""
    tail: str
    """``chain.content_tail`` of the event at the version the append expects for it: an
    append at any other version is refused before anything is hashed."""
    payload_column: str
    """What the payload column stores: ``payload_text`` itself when it means the same value
    (always, but for integral floats and keys that are not strings), else plain JSON."""
    metadata_text: str


def encode_events(
    events: Sequence[NewEvent],
    *,
    stream_id: str,
    expected_version: int,
    idempotency_key: str | None,
) -> list[EncodedEvent]:
    """``events`` ready to chain as the versions after ``expected_version`` of
    ``stream_id``; the idempotency key, if any, goes into their metadata.

    A record the codec made carries its payload's canonical text (``NewEvent.payload_json``)
    and is taken as it is; any other payload is encoded here."""
    encoded = []
    last_metadata, last_text = None, ""
    for version, event in enumerate(events, expected_version + 1):
        metadata = event.metadata
        if idempotency_key is not None and metadata.idempotency_key != idempotency_key:
            metadata = dataclasses.replace(metadata, idempotency_key=idempotency_key)
        if metadata is not last_metadata:  # a batch's events mostly share one value
            last_metadata, last_text = metadata, _metadata_text(metadata)
        payload = event.payload_json
        if payload is None:
            payload, verbatim = canonical_form(event.payload)
            column = payload if verbatim else json_serializer(event.payload)
        else:
            column = payload
        encoded.append(
            EncodedEvent(
                event,
                metadata,
                content_before_payload(
                    event_id=event.event_id,
                    event_type=event.event_type,
                    occurred=event.occurred,
                    metadata=last_text,
                ),
                payload,
                content_tail(
                    reported=event.reported,
                    schema_version=event.schema_version,
                    stream_id=stream_id,
                    stream_version=version,
                ),
                column,
                last_text,
            )
        )
    return encoded


# Most events of a writer share their metadata (same actor, no ids), so its text is kept.
@functools.lru_cache(maxsize=1024)
def _metadata_text(metadata: EventMetadata) -> str:
    return canonical_form(metadata.to_json())[0]


def sqlite_event_rows(
    events: Sequence[EncodedEvent],
    *,
    stream_id: str,
    head: Head,
    version: int,
    now: dt.datetime,
) -> tuple[list[tuple[Any, ...]], dt.datetime]:
    """``events`` chained after ``head`` as the ``events`` rows of the raw ``sqlite3``
    driver, and the time they are recorded at: ``now`` held to the head's time, so that it
    never decreases along the log. ``version`` is the stream's before them, the one they
    were encoded after (their tails hold their versions). Each column is in the form
    SQLAlchemy's types give it (UUID as 32 hex digits, dates and times as ISO text).

    SQLite's append hashes here, in Python; PostgreSQL's ``timeline_append`` does the same
    on the server (migration 0009), on the same canonical bytes (``chain.content_parts``)."""
    recorded_at = utc(now)
    if head.recorded_at is not None and recorded_at < head.recorded_at:
        recorded_at = head.recorded_at
    hashes = chained_hashes(
        head.hash,
        head.position + 1,
        _utc_iso(recorded_at),
        [item.before for item in events],
        [item.payload_text for item in events],
        [item.tail for item in events],
    )
    at = sqlite_datetime_text(recorded_at)
    rows = []
    position, version_after = head.position, version - head.position
    for item, hash_ in zip(events, hashes, strict=True):
        position += 1
        event = item.event
        occurred, reported = event.occurred, event.reported
        rows.append(
            (
                position,
                event.event_id.hex,
                stream_id,
                version_after + position,
                event.event_type,
                event.schema_version,
                None if occurred is None else occurred.edtf,
                None if occurred is None else occurred.earliest.isoformat(),
                None if occurred is None else occurred.latest.isoformat(),
                None if reported is None else reported.edtf,
                None if reported is None else reported.latest.isoformat(),
                at,
                item.payload_column,
                item.metadata_text,
                hash_,
            )
        )
    return rows, recorded_at
