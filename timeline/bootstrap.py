"""The one place that wires settings, adapters and the service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from timeline.application.feed import AppendSignal
from timeline.application.ports import Clock, EventImporter, EventStore, ProjectionStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.queries import TimelineQueries
from timeline.application.service import TimelineService
from timeline.application.tokens import TokenStore
from timeline.config import Settings
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine, event_store, projection_store
from timeline.store.sql.importer import open_event_importer
from timeline.store.sql.signals import open_append_signal
from timeline.store.sql.tokens import SqlTokenStore


@dataclass(frozen=True, kw_only=True, slots=True)
class Services:
    """Everything an edge (CLI, API) needs, built once per process."""

    settings: Settings
    clock: Clock
    store: EventStore
    service: TimelineService
    queries: TimelineQueries
    tokens: TokenStore
    signal: AppendSignal
    """Wakes the API's subscriptions when the log grows (connects on first use)."""
    projections: ProjectionStore
    """The read models; the service's writes are projected before they return."""
    runner: ProjectionRunner
    """Catches the read models up (inline after writes; ``following`` in a server)."""
    importer: EventImporter
    """Writes an exported log back verbatim (``timeline import``)."""


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    """Open the store named by the settings and close it when the caller is done.

    One engine, so one connection pool, serves every store of the process: the event
    store, the read models, the tokens and the append signal."""
    settings = settings or Settings.from_env()
    clock = SystemClock()
    engine = create_engine(settings.database_url)
    store = event_store(engine, clock)
    tokens = SqlTokenStore(engine)
    signal = open_append_signal(engine)
    projections = projection_store(engine, clock)
    runner = ProjectionRunner(store, codec, projections)
    try:
        yield Services(
            settings=settings,
            clock=clock,
            store=store,
            service=TimelineService(store, codec, after_append=runner.after_append),
            queries=TimelineQueries(store, codec, projections, clock),
            tokens=tokens,
            signal=signal,
            projections=projections,
            runner=runner,
            importer=open_event_importer(store),
        )
    finally:
        await projections.close()
        await signal.close()
        await tokens.close()
        await store.close()
        await engine.dispose()
