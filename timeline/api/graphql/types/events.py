"""Event: one entry of the raw log, for integrations that follow it by position."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from timeline.api.graphql.types.pages import PageInfo, encode_cursor
from timeline.application.records import RecordedEvent
from timeline.domain.dates import FuzzyDate

CURSOR_KIND = "event"


@strawberry.type(name="Event")
class Event:
    record: strawberry.Private[RecordedEvent]

    @strawberry.field(description="Global, gapless position in the log.")
    def position(self) -> int:
        return self.record.position

    @strawberry.field
    def event_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.event_id))

    @strawberry.field
    def stream_id(self) -> str:
        return self.record.stream_id

    @strawberry.field
    def stream_version(self) -> int:
        return self.record.stream_version

    @strawberry.field
    def type(self) -> str:
        return self.record.event_type

    @strawberry.field
    def schema_version(self) -> int:
        return self.record.schema_version

    @strawberry.field
    def occurred(self) -> FuzzyDate | None:
        return None if self.record.occurred is None else FuzzyDate(self.record.occurred.edtf)

    @strawberry.field
    def reported(self) -> FuzzyDate | None:
        return None if self.record.reported is None else FuzzyDate(self.record.reported.edtf)

    @strawberry.field
    def recorded_at(self) -> dt.datetime:
        return self.record.recorded_at

    @strawberry.field(description="The name of the token (or tool) that wrote the event.")
    def actor(self) -> str | None:
        return self.record.metadata.actor

    @strawberry.field
    def reason(self) -> str | None:
        return self.record.metadata.reason

    @strawberry.field
    def idempotency_key(self) -> str | None:
        return self.record.metadata.idempotency_key

    @strawberry.field(description="The event's payload as stored (decimals as strings).")
    def payload(self) -> JSON:
        return JSON(dict(self.record.payload))

    @strawberry.field(description="SHA-256 chaining this event to the previous one.")
    def hash(self) -> str:
        return self.record.hash


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Events in the whole log.")


def event_cursor(position: int) -> str:
    return encode_cursor(CURSOR_KIND, [position])
