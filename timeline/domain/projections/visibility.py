"""What a point in time can see: ``AsOf(known_at, recorded_before)``.

``known_at`` is a calendar day compared with what the sources had published; ``recorded_before``
is an instant compared with when the store recorded each event. Either may be None (no
bound); ``NOW`` (both None) sees everything.

THE KNOWLEDGE RULE. Within one fact's stream an event cannot be known before the events it
builds on: a corroboration published in 2023 of a fact first reported in 2025 tells nobody
anything before 2025. So an event's *effective* knowledge day is the running maximum of
``LoggedEvent.known_on`` over its stream up to and including it, and recorded times never
decrease along the log. Both coordinates are therefore non-decreasing along a stream, hence:

* the events of a stream visible at an ``AsOf`` form a PREFIX of the stream;
* the fact's state at that point is the fold of that prefix;
* each revision (the state after one event) is current on a half-open interval in both
  dimensions, from its own (effective known day, recorded time) until its successor's.

``AsOf.is_current`` is that interval test, kept simple enough to become a SQL WHERE clause:
``known_from <= :known_at AND recorded_from < :recorded_before AND NOT (known_until <=
:known_at AND recorded_until < :recorded_before)``, with a NULL until never seen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from timeline.domain.errors import DomainError


class InvalidAsOf(DomainError):
    """A time that cannot place an event or a query: a naive datetime, a datetime for a date."""


def check_aware(field: str, value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidAsOf(field, f"must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidAsOf(field, "must be timezone aware (UTC)")
    return value


@dataclass(frozen=True, slots=True)
class AsOf:
    """A point of view: sources published by ``known_at``, events recorded before
    ``recorded_before``. None on either side means no bound."""

    known_at: dt.date | None = None
    recorded_before: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.known_at is not None and (
            not isinstance(self.known_at, dt.date) or isinstance(self.known_at, dt.datetime)
        ):
            raise InvalidAsOf("known_at", "must be a date, not a datetime")
        if self.recorded_before is not None:
            check_aware("recorded_before", self.recorded_before)

    @classmethod
    def now(cls) -> AsOf:
        """Everything recorded, everything published: the answer as of now."""
        return NOW

    @property
    def is_now(self) -> bool:
        return self.known_at is None and self.recorded_before is None

    def sees(self, known_from: dt.date, recorded_from: dt.datetime) -> bool:
        """Whether something known from ``known_from`` and recorded at ``recorded_from`` is
        visible from here."""
        return (self.known_at is None or known_from <= self.known_at) and (
            self.recorded_before is None or recorded_from < self.recorded_before
        )

    def is_current(
        self,
        known_from: dt.date,
        recorded_from: dt.datetime,
        known_until: dt.date | None,
        recorded_until: dt.datetime | None,
    ) -> bool:
        """Whether a revision valid from (``known_from``, ``recorded_from``) until its
        successor's (``known_until``, ``recorded_until``) is the one seen from here. A None
        until is never seen: the revision is still current."""
        if not self.sees(known_from, recorded_from):
            return False
        if known_until is None or recorded_until is None:
            return True
        return not self.sees(known_until, recorded_until)


NOW = AsOf()
