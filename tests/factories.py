"""Builders for store records, so that tests say only what matters to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from uuid import UUID, uuid4

from timeline.application.records import (
    EventMetadata,
    JSONValue,
    NewEvent,
    OccurredTime,
    ReportedTime,
)

DEFAULT_OCCURRED = OccurredTime(
    edtf="2021-03", earliest=dt.date(2021, 3, 1), latest=dt.date(2021, 3, 31)
)
DEFAULT_REPORTED = ReportedTime(edtf="2021-04-15", latest=dt.date(2021, 4, 15))


def new_event(
    *,
    event_type: str = "FactRecorded",
    schema_version: int = 1,
    payload: Mapping[str, JSONValue] | None = None,
    occurred: OccurredTime | None = DEFAULT_OCCURRED,
    reported: ReportedTime | None = DEFAULT_REPORTED,
    metadata: EventMetadata | None = None,
    event_id: UUID | None = None,
) -> NewEvent:
    """A ``NewEvent`` with a fresh id and plausible defaults for every field not given."""
    return NewEvent(
        event_id=event_id or uuid4(),
        event_type=event_type,
        schema_version=schema_version,
        payload={"value": 1} if payload is None else payload,
        occurred=occurred,
        reported=reported,
        metadata=metadata or EventMetadata(actor="test"),
    )


def new_events(count: int) -> list[NewEvent]:
    """``count`` events whose payloads number them from 0."""
    return [new_event(payload={"n": n}) for n in range(count)]


class ManualClock:
    """A ``Clock`` that tells the time it is set to; tests move it, even backwards."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta
