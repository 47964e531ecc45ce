"""The one place that wires settings, adapters and the service together."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from timeline.application.feed import AppendSignal
from timeline.application.ports import Clock, EventImporter, EventStore, ProjectionStore
from timeline.application.positions import IDLE_SECONDS, ProjectedPositions
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.projector import Leadership, Projector
from timeline.application.queries import TimelineQueries
from timeline.application.service import TimelineService
from timeline.application.tokens import TokenStore
from timeline.config import Settings
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import create_engine, event_store, projection_store
from timeline.store.sql.importer import open_event_importer
from timeline.store.sql.leadership import open_leadership
from timeline.store.sql.postgres import PROJECTED_CHANNEL
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
    """The read models, advanced only by the projector that leads."""
    runner: ProjectionRunner
    """Applies the log to the read models: the projector's, and rebuilds'."""
    projector: Projector
    """This process's candidate in the projector election; runs only when an edge starts
    it (``timeline projector``, ``timeline serve``)."""
    positions: ProjectedPositions
    """The read models' position and waits for it; watches only once started."""
    leadership: Leadership
    """Who leads the projection of this database (whichever process)."""
    importer: EventImporter
    """Writes an exported log back verbatim (``timeline import``)."""
    engines: Mapping[str, AsyncEngine]
    """The process's connection pools by role ("primary", and "replica" when reads go to
    a standby), for the operator's metrics."""


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    """Open the store named by the settings and close it when the caller is done.

    One engine, so one connection pool, serves every store of the process on the primary:
    the event store, the read models, the tokens, the signals and the election. With
    ``read_database_url`` a second engine serves the reads (``queries``) from a standby;
    the position they wait for is then the standby's, woken by the primary's
    notifications."""
    settings = settings or Settings.from_env()
    clock = SystemClock()
    engine = create_engine(settings.database_url)
    engines = {"primary": engine}
    store = event_store(engine, clock)
    tokens = SqlTokenStore(engine)
    signal = open_append_signal(engine)
    projections = projection_store(engine, clock)
    runner = ProjectionRunner(store, codec, projections)
    read_store, read_projections = store, projections
    if settings.read_database_url:
        engines["replica"] = create_engine(settings.read_database_url)
        read_store = event_store(engines["replica"], clock)
        read_projections = projection_store(engines["replica"], clock)
    queries = TimelineQueries(read_store, codec, read_projections, clock, log=store)
    positions = ProjectedPositions(
        queries.projected_position,
        open_append_signal(engine, PROJECTED_CHANNEL),
        idle_seconds=max(IDLE_SECONDS, settings.projector_poll_seconds),
    )
    name = settings.projector_name or f"{socket.gethostname()}-{os.getpid()}"
    leadership = open_leadership(engine, name)
    projector = Projector(
        runner,
        store,
        leadership,
        open_append_signal(engine),
        poll_seconds=settings.projector_poll_seconds,
        statistics_seconds=settings.projector_statistics_seconds,
        reached=positions.observed,
        name=name,
    )
    try:
        yield Services(
            settings=settings,
            clock=clock,
            store=store,
            service=TimelineService(store, codec, appended=projector.nudge),
            queries=queries,
            tokens=tokens,
            signal=signal,
            projections=projections,
            runner=runner,
            projector=projector,
            positions=positions,
            leadership=leadership,
            importer=open_event_importer(store),
            engines=engines,
        )
    finally:
        await positions.stop()
        await projector.close()
        await leadership.close()
        await projections.close()
        await signal.close()
        await tokens.close()
        await store.close()
        if read_store is not store:
            await read_projections.close()
            await read_store.close()
        for each in engines.values():
            await each.dispose()
