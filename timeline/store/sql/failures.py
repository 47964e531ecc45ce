"""Driver errors, translated once for every store: what an error means, and the
application error it becomes.

``classify`` names an error of either driver (by SQLSTATE on PostgreSQL, by extended result
code on SQLite) as a ``Failure``; ``translated`` is the one place that turns a ``Failure``
into the application's errors, so no raw driver error leaves a store (the event store, the
importer, the read models) for a case it can name. Errors raised by a raw driver
connection, outside SQLAlchemy, are first wrapped as SQLAlchemy would have raised them
(``wrapped``), so that they are classified as any other.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from timeline.application.errors import (
    ApplicationError,
    IntegrityViolation,
    SchemaMissing,
    StoreUnavailable,
)

# What the raw asyncpg driver raises: refusals by the server, and failures of the client
# side (a closed connection, a protocol left mid-operation).
ASYNCPG_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)

# SQLSTATE classes and codes that mean "the server is not there or not taking work".
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNIQUE_VIOLATION = "23505"
_RESTRICT_VIOLATION = "23001"  # raised by the immutability triggers of the migration
_UNDEFINED_TABLE = "42P01"
_UNDEFINED_FUNCTION = "42883"  # timeline_append, before the migration that makes it
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
)


class Failure(enum.Enum):
    """What a driver error means for a store."""

    UNAVAILABLE = "unavailable"
    DUPLICATE_POSITION = "duplicate position or stream version"
    DUPLICATE_EVENT_ID = "duplicate event id"
    REFUSED = "refused by the database"
    SCHEMA_MISSING = "a table of the schema is missing"


def classify(error: DBAPIError) -> Failure | None:
    """What ``error`` means, or None when no store has a better name for it."""
    if isinstance(error.orig, sqlite3.Error):
        return _classify_sqlite(error)
    return _classify_postgres(error)


def _classify_postgres(error: DBAPIError) -> Failure | None:
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if sqlstate == _UNIQUE_VIOLATION:
        if "uq_events_event_id" in str(error.orig):
            return Failure.DUPLICATE_EVENT_ID
        return Failure.DUPLICATE_POSITION
    if sqlstate == _RESTRICT_VIOLATION:
        return Failure.REFUSED
    if sqlstate == _UNDEFINED_TABLE or (
        sqlstate == _UNDEFINED_FUNCTION and "timeline_append" in str(error.orig)
    ):
        return Failure.SCHEMA_MISSING
    if (
        sqlstate.startswith(_UNAVAILABLE_CLASSES)
        or error.connection_invalidated
        or (not sqlstate and isinstance(error, InterfaceError | OperationalError))
    ):
        return Failure.UNAVAILABLE
    return None


def _classify_sqlite(error: DBAPIError) -> Failure | None:
    original = error.orig
    name = getattr(original, "sqlite_errorname", "")
    if name == "SQLITE_CONSTRAINT_TRIGGER":
        return Failure.REFUSED
    if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}:
        if "events.event_id" in str(original):
            return Failure.DUPLICATE_EVENT_ID
        return Failure.DUPLICATE_POSITION
    if name == "SQLITE_ERROR" and str(original).startswith("no such table"):
        return Failure.SCHEMA_MISSING
    if name.startswith(_SQLITE_UNAVAILABLE) or error.connection_invalidated:
        # Busy past the timeout, unopenable file, disk I/O: nothing was written.
        return Failure.UNAVAILABLE
    return None


def translate(error: DBAPIError, what: str = "the event store") -> ApplicationError | None:
    """The application error for ``error``, or None when there is no better name for it.

    ``DUPLICATE_POSITION`` is an ``IntegrityViolation`` here; during an append the event
    store reports it as a ``ConcurrencyError`` instead, with the stream's actual version.
    """
    failure = classify(error)
    if failure is Failure.SCHEMA_MISSING:
        return SchemaMissing()
    if failure is Failure.UNAVAILABLE:
        return StoreUnavailable(f"{what} cannot be reached: {error.orig}")
    if failure is Failure.DUPLICATE_EVENT_ID:
        return IntegrityViolation(f"an event with this id is already in the log: {error.orig}")
    if failure is Failure.REFUSED:
        return IntegrityViolation(f"the database refused to rewrite the log: {error.orig}")
    if failure is Failure.DUPLICATE_POSITION:
        return IntegrityViolation(f"position or stream version already taken: {error.orig}")
    return None


@asynccontextmanager
async def translated(what: str = "the event store") -> AsyncIterator[None]:
    """Raise the application's error for any driver error the block raises that
    ``translate`` can name; an error it cannot name is a bug, and is left as it is."""
    try:
        yield
    except DBAPIError as error:
        application_error = translate(error, what)
        if application_error is None:
            raise
        raise application_error from error
    except OSError as error:
        raise StoreUnavailable(f"{what} cannot be reached: {error}") from error


def wrapped(error: Exception, *, closed: bool = False) -> DBAPIError:
    """``error`` from a raw driver connection as SQLAlchemy would have raised it.

    It is marked ``connection_invalidated`` whenever the connection cannot be used again
    (``closed``: the driver saw it close): the server closed it (SQLSTATE class 08, or
    57P: shut down, terminated, starting up), or asyncpg's protocol was left
    mid-operation. Such a connection must leave the pool, and the store reports the
    database as unavailable; returned to the pool, it would fail every later call with
    "connection is closed"."""
    sqlstate = getattr(error, "sqlstate", "") or ""
    invalidated = (
        closed
        or isinstance(error, asyncpg.ConnectionDoesNotExistError | asyncpg.InternalClientError)
        or sqlstate.startswith(("08", "57P"))
    )
    return DBAPIError(None, None, error, connection_invalidated=invalidated)
