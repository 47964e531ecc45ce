"""Logged events: a domain event with its place in the log and the two times that matter.

``recorded_at`` is when the store appended the event (transaction time); ``reported_on`` is
the last day its source can have been published (``Source.known_from``), the day from which
what the event says counts as public knowledge. An event without a source (a curator's
correction, a retraction on our own judgement, a measure's registration) is known from the
day it was recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from timeline.domain.events import DomainEvent, MeasureRegistered
from timeline.domain.projections.visibility import InvalidAsOf, check_aware
from timeline.domain.sources import Source


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """``event`` at ``position`` in the log, appended at ``recorded_at`` (UTC aware)."""

    position: int
    recorded_at: dt.datetime
    reported_on: dt.date | None
    event: DomainEvent

    def __post_init__(self) -> None:
        if isinstance(self.position, bool) or not isinstance(self.position, int):
            raise InvalidAsOf("position", "must be an int")
        check_aware("recorded_at", self.recorded_at)
        if self.reported_on is not None and (
            not isinstance(self.reported_on, dt.date) or isinstance(self.reported_on, dt.datetime)
        ):
            raise InvalidAsOf("reported_on", "must be a date")

    @classmethod
    def of(cls, position: int, recorded_at: dt.datetime, event: DomainEvent) -> LoggedEvent:
        """The logged event, with ``reported_on`` taken from the event's own source."""
        source = source_of(event)
        return cls(position, recorded_at, None if source is None else source.known_from, event)

    @property
    def known_on(self) -> dt.date:
        """The day this event is known from: its source's, else the UTC day it was recorded."""
        if self.reported_on is not None:
            return self.reported_on
        return self.recorded_at.astimezone(dt.UTC).date()

    @property
    def fact_id(self) -> UUID | None:
        """The fact whose stream the event belongs to; None for a measure's registration."""
        return None if isinstance(self.event, MeasureRegistered) else self.event.fact_id

    @property
    def event_type(self) -> str:
        return type(self.event).__name__


def source_of(event: DomainEvent) -> Source | None:
    """The publication an event rests on, if it names one."""
    return None if isinstance(event, MeasureRegistered) else event.source
