"""The one place that wires settings, adapters and the service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from timeline.application.ports import Clock, EventStore
from timeline.application.service import TimelineService
from timeline.config import Settings
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import open_event_store


@dataclass(frozen=True, kw_only=True, slots=True)
class Services:
    """Everything an edge (CLI, API) needs, built once per process."""

    settings: Settings
    clock: Clock
    store: EventStore
    service: TimelineService


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    """Open the store named by the settings and close it when the caller is done."""
    settings = settings or Settings.from_env()
    clock = SystemClock()
    store = await open_event_store(settings.database_url, clock)
    try:
        yield Services(
            settings=settings,
            clock=clock,
            store=store,
            service=TimelineService(store, codec),
        )
    finally:
        await store.close()
