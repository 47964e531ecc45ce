"""Choose the backend named by a database URL: its engine, and the stores on it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from timeline.application.ports import Clock, EventStore, ProjectionStore
from timeline.store.clock import SystemClock
from timeline.store.read_models.backends import (
    PostgresProjectionStore,
    SqliteProjectionStore,
)
from timeline.store.sql.postgres import PostgresEventStore, create_postgres_engine
from timeline.store.sql.sqlite import SqliteEventStore, create_sqlite_engine

# The schemes accepted, each with the async driver it is opened with.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def normalise_database_url(url: str) -> str:
    """``url`` with the async driver made explicit.

    ``sqlite:///path.db`` becomes ``sqlite+aiosqlite:///path.db`` and
    ``postgresql://user@host:port/db`` (or ``postgres://``) becomes
    ``postgresql+asyncpg://...``; the explicit async forms pass through unchanged. Any other
    scheme or driver raises ``ValueError``.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as error:
        raise ValueError(f"not a database URL: {url!r}") from error
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:///path.db "
            "or postgresql://user@host:port/db"
        )
    if driver.startswith("sqlite") and parsed.database in {None, "", ":memory:"}:
        # Every pooled connection would get its own empty in-memory database.
        raise ValueError("an in-memory SQLite database cannot hold the log; give a file path")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url`` configured the way its backend's store needs it."""
    normalised = normalise_database_url(url)
    if normalised.startswith("sqlite"):
        return create_sqlite_engine(normalised)
    return create_postgres_engine(normalised)


def event_store(engine: AsyncEngine, clock: Clock) -> EventStore:
    """The event store on ``engine``'s database (migrated), sharing the engine."""
    if engine.dialect.name == "sqlite":
        return SqliteEventStore(engine, clock)
    return PostgresEventStore(engine, clock)


def projection_store(engine: AsyncEngine, clock: Clock) -> ProjectionStore:
    """The read models on ``engine``'s database (migrated), sharing the engine."""
    if engine.dialect.name == "sqlite":
        return SqliteProjectionStore(engine, clock)
    return PostgresProjectionStore(engine, clock)


# For tools and tests that want one store alone: each opens, and disposes on close, an
# engine of its own. A process that runs the application shares one (timeline.bootstrap).


async def open_event_store(url: str, clock: Clock | None = None) -> EventStore:
    """The event store on the database at ``url`` (migrated), on an engine of its own.

    Opening does not connect: the first call that needs the database does, and raises
    ``StoreUnavailable`` if it cannot.
    """
    engine = create_engine(url)
    kind = SqliteEventStore if engine.dialect.name == "sqlite" else PostgresEventStore
    return kind(engine, clock or SystemClock(), owns_engine=True)


async def open_projection_store(url: str, clock: Clock | None = None) -> ProjectionStore:
    """The read models on the database at ``url`` (migrated), on an engine of their own."""
    engine = create_engine(url)
    kind = SqliteProjectionStore if engine.dialect.name == "sqlite" else PostgresProjectionStore
    return kind(engine, clock or SystemClock(), owns_engine=True)
