"""What a driver error means to the event store, and the application error it becomes.

Each backend classifies its own driver's errors (by SQLSTATE on PostgreSQL, by extended
result code on SQLite) into a ``Failure``; the recorder turns a ``Failure`` into the
application's errors, so no raw driver error leaves the store for a case it can name.
"""

from __future__ import annotations

import enum

from sqlalchemy.exc import DBAPIError

from timeline.application.errors import (
    ApplicationError,
    IntegrityViolation,
    SchemaMissing,
    StoreUnavailable,
)


class Failure(enum.Enum):
    """What a driver error means for the store; each backend classifies its own errors."""

    UNAVAILABLE = "unavailable"
    DUPLICATE_POSITION = "duplicate position or stream version"
    DUPLICATE_EVENT_ID = "duplicate event id"
    REFUSED = "refused by the database"
    SCHEMA_MISSING = "a table of the schema is missing"


def translate(error: DBAPIError, failure: Failure | None) -> ApplicationError | None:
    """The application error for ``failure``, or None when there is no better name for it.

    ``DUPLICATE_POSITION`` is an ``IntegrityViolation`` here; during an append the recorder
    reports it as a ``ConcurrencyError`` instead, with the stream's actual version.
    """
    if failure is Failure.SCHEMA_MISSING:
        return SchemaMissing()
    if failure is Failure.UNAVAILABLE:
        return StoreUnavailable(f"the event store cannot be reached: {error.orig}")
    if failure is Failure.DUPLICATE_EVENT_ID:
        return IntegrityViolation(f"an event with this id is already in the log: {error.orig}")
    if failure is Failure.REFUSED:
        return IntegrityViolation(f"the database refused to rewrite the log: {error.orig}")
    if failure is Failure.DUPLICATE_POSITION:
        return IntegrityViolation(f"position or stream version already taken: {error.orig}")
    return None
