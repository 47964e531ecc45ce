"""The one place that wires settings, adapters and the service together."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from timeline.application.feed import AppendSignal
from timeline.application.ports import Clock, EventImporter, EventStore, ProjectionStore
from timeline.application.positions import IDLE_SECONDS, ProjectedPositions
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.projector import Projector
from timeline.application.queries import TimelineQueries
from timeline.application.service import TimelineService
from timeline.application.tokens import TokenStore
from timeline.config import Settings
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import open_event_store, open_projection_store
from timeline.store.sql.importer import open_event_importer
from timeline.store.sql.leadership import PROJECTED_CHANNEL, open_leadership
from timeline.store.sql.signals import open_append_signal
from timeline.store.sql.tokens import open_token_store


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
    importer: EventImporter
    """Writes an exported log back verbatim (``timeline import``)."""


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    """Open the store named by the settings and close it when the caller is done."""
    settings = settings or Settings.from_env()
    clock = SystemClock()
    store = await open_event_store(settings.database_url, clock)
    tokens = open_token_store(settings.database_url)
    signal = open_append_signal(settings.database_url)
    projections = await open_projection_store(settings.database_url, clock)
    runner = ProjectionRunner(store, codec, projections)
    queries = TimelineQueries(store, codec, projections, clock)
    positions = ProjectedPositions(
        queries.projected_position,
        open_append_signal(settings.database_url, PROJECTED_CHANNEL),
        idle_seconds=max(IDLE_SECONDS, settings.projector_poll_seconds),
    )
    name = settings.projector_name or f"{socket.gethostname()}-{os.getpid()}"
    leadership = open_leadership(settings.database_url, name)
    projector = Projector(
        runner,
        store,
        leadership,
        open_append_signal(settings.database_url),
        poll_seconds=settings.projector_poll_seconds,
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
            importer=open_event_importer(store),
        )
    finally:
        await positions.stop()
        await projector.close()
        await leadership.close()
        await projections.close()
        await signal.close()
        await tokens.close()
        await store.close()
