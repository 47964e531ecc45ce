"""Rows of the ``events`` table to and from ``RecordedEvent``, and the JSON they hold."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from timeline.application.records import (
    EventMetadata,
    JSONValue,
    NewEvent,
    OccurredTime,
    RecordedEvent,
    ReportedTime,
)
from timeline.store.sql.tables import events


def _plain(value: object) -> JSONValue:
    # Payloads are Mappings, not necessarily dicts (a MappingProxyType, say).
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# Compact JSON for the payload and metadata columns (JSONB re-encodes it anyway).
json_serializer = functools.partial(
    json.dumps, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain
)

# In the order recorded_event() unpacks them.
EVENT_COLUMNS = (
    events.c.position,
    events.c.event_id,
    events.c.stream_id,
    events.c.stream_version,
    events.c.event_type,
    events.c.schema_version,
    events.c.occurred_edtf,
    events.c.occurred_earliest,
    events.c.occurred_latest,
    events.c.reported_edtf,
    events.c.reported_latest,
    events.c.recorded_at,
    events.c.payload,
    events.c.event_metadata,
    events.c.hash,
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
    """The event in a row selected with ``EVENT_COLUMNS``."""
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
        event_id=event_id,
        stream_id=stream_id,
        stream_version=stream_version,
        event_type=event_type,
        schema_version=schema_version,
        payload=payload,
        occurred=None
        if occurred_edtf is None
        else OccurredTime(edtf=occurred_edtf, earliest=occurred_earliest, latest=occurred_latest),
        reported=None
        if reported_edtf is None
        else ReportedTime(edtf=reported_edtf, latest=reported_latest),
        recorded_at=utc(recorded_at),
        metadata=EventMetadata.from_json(metadata),
        hash=hash_,
    )
