"""Time travel through the service's read side: a page of 50 (without and with its total
count) and a running total, at a random knownAt, p50 and p99.

The log (a million corpus events by default) is loaded once and cached with its read
models (``rebuild_log``). Each query goes through ``TimelineQueries``, as the API's resolvers
call it: ``timeline(known_at, None, FactFilter(), first=50, count=...)`` (GraphQL counts
only when ``totalCount`` is selected) and ``running_total`` of one measure (drawn from the
six) by month, at a ``known_at`` drawn uniformly over the corpus's
twenty years from a fixed seed, recorded before now. Ten queries of each kind warm the
connections first and are not counted. Latency is from the call to the answer in hand
(rows read and turned into domain values, the total folded). "ours /s" is queries per second.
The peer keeps no bitemporal read model: its column is "-".
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.corpus import DAYS, FIRST_DAY
from bench.databases import Databases
from bench.rebuild_log import LoadedLogs
from bench.report import Comparison, Run
from bench.suite import Settings
from timeline.application.queries import TimelineQueries
from timeline.application.read_models import FactFilter
from timeline.domain.projections.totals import Granularity
from timeline.domain.projections.visibility import AsOf
from timeline.store import codec
from timeline.store.clock import SystemClock
from timeline.store.factory import open_event_store, open_projection_store

TIME_TRAVEL_EVENTS = 1_000_000
QUERIES = 200
"""Of each kind per repeat."""
WARM_UP = 10
PAGE_SIZE = 50
P50_TARGET_MS = 10.0
P99_TARGET_MS = 50.0

Query = Callable[[TimelineQueries, dt.date, str], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class LatencyComparison(Comparison):
    """Queries against a log of ``log_events``, with a target on p50 and p99 latency."""

    log_events: int = 0

    def summary(self) -> dict[str, Any]:
        found = Comparison.summary(self)
        found["ours"]["queries"] = found["ours"]["events"]
        found["ours"]["events"] = self.log_events
        found["target"] = {
            "kind": "latency",
            "p50_ms": P50_TARGET_MS,
            "p99_ms": P99_TARGET_MS,
            "text": f"p50 < {P50_TARGET_MS:g}, p99 < {P99_TARGET_MS:g} ms",
        }
        p50, p99 = self.ours.percentile_ms(50), self.ours.percentile_ms(99)
        found["met"] = (
            p50 is not None and p99 is not None and p50 < P50_TARGET_MS and p99 < P99_TARGET_MS
        )
        return found


async def page(queries: TimelineQueries, known_at: dt.date, measure: str) -> object:
    return await queries.timeline(known_at, None, FactFilter(), first=PAGE_SIZE, count=False)


async def counted_page(queries: TimelineQueries, known_at: dt.date, measure: str) -> object:
    return await queries.timeline(known_at, None, FactFilter(), first=PAGE_SIZE, count=True)


async def total(queries: TimelineQueries, known_at: dt.date, measure: str) -> object:
    as_of = AsOf(known_at, dt.datetime.now(dt.UTC))
    return await queries.running_total(measure, as_of, granularity=Granularity.MONTH)


KINDS: dict[str, tuple[Query, str]] = {
    "time-travel-page": (page, f"a timeline page of {PAGE_SIZE} at a random knownAt"),
    "time-travel-count": (
        counted_page,
        f"the same page of {PAGE_SIZE} with its totalCount (every match counted)",
    ),
    "time-travel-total": (total, "a month-by-month running total of one measure"),
}


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = settings.events_or(TIME_TRAVEL_EVENTS)
    logs = LoadedLogs(databases, events, settings.seed)
    results: list[Comparison] = []
    for backend in settings.backends:
        url = await logs.url(backend)
        store = await open_event_store(url)
        projections = await open_projection_store(url)
        try:
            queries = TimelineQueries(store, codec, projections, SystemClock())
            measures = sorted(measure.key for measure in await queries.measures())
            if not measures:
                raise RuntimeError(f"the corpus of {events} events registers no measure")
            rng = random.Random(settings.seed)
            measured: dict[str, list[tuple[float, list[float]]]] = {name: [] for name in KINDS}
            for query, _ in KINDS.values():
                for _ in range(WARM_UP):
                    await query(queries, _known_at(rng), rng.choice(measures))
            for _ in range(settings.repeats):
                for name, (query, _) in KINDS.items():  # the kinds take turns
                    with settings.ours():
                        measured[name].append(await _timed(queries, query, rng, measures))
        finally:
            await projections.close()
            await store.close()
        for name, (_, summary) in KINDS.items():
            results.append(
                LatencyComparison(
                    name,
                    backend,
                    Run(
                        "timeline",
                        QUERIES,
                        [seconds for seconds, _ in measured[name]],
                        [latency for _, latencies in measured[name] for latency in latencies],
                    ),
                    None,
                    None,
                    notes=f"{summary}, through TimelineQueries; /s is queries per second",
                    log_events=events,
                )
            )
    return results


def _known_at(rng: random.Random) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))


async def _timed(
    queries: TimelineQueries, query: Query, rng: random.Random, measures: list[str]
) -> tuple[float, list[float]]:
    latencies = []
    clock = time.perf_counter
    started = clock()
    for _ in range(QUERIES):
        known_at, measure = _known_at(rng), rng.choice(measures)
        before = clock()
        await query(queries, known_at, measure)
        latencies.append((clock() - before) * 1000)
    return clock() - started, latencies
