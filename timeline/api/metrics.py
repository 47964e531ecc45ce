"""``/metrics`` in Prometheus' text format (``prometheus-client``).

Two kinds of figures:

* what this process saw: GraphQL requests by operation, with their latency and outcome.
  Under several uvicorn workers each keeps its own, and ``timeline serve`` points
  ``PROMETHEUS_MULTIPROC_DIR`` at a directory they share, so any worker's scrape adds
  them all up (prometheus-client's multiprocess mode);
* what the database says at scrape time: the log's length (``rate()`` of it is appends per
  second, whoever appended), the projector's checkpoint, its lag in events and seconds,
  who leads, and this process's connection pools. These are read when scraped, so every
  worker reports the same truth and nothing goes stale between scrapes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "timeline_graphql_requests",
    "GraphQL operations answered over HTTP, by operation name and outcome.",
    ["operation", "outcome"],
)
LATENCY = Histogram(
    "timeline_graphql_request_seconds",
    "Time to answer a GraphQL operation over HTTP, by operation name.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_KNOWN_NAMES_LIMIT = 200
_known_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for an operation name: clients choose names, and every distinct
    label value is a series Prometheus keeps, so past a few hundred the rest are "other"."""
    if not name:
        return "anonymous"
    if name in _known_names:
        return name
    if _NAME.fullmatch(name) is None or len(_known_names) >= _KNOWN_NAMES_LIMIT:
        return "other"
    _known_names.add(name)
    return name


def observe(operation: str | None, outcome: str, seconds: float) -> None:
    """Count one answered operation, its outcome ("ok" or an error code) and latency."""
    label = operation_label(operation)
    REQUESTS.labels(label, outcome).inc()
    LATENCY.labels(label).observe(seconds)


@dataclass(frozen=True, kw_only=True, slots=True)
class PoolUse:
    database: str
    """Which of this process's databases: "primary" or "replica"."""
    size: int
    checked_out: int
    overflow: int


@dataclass(frozen=True, kw_only=True, slots=True)
class OperationalState:
    """What the database says, read when ``/metrics`` is scraped."""

    head: int
    projected: int
    lag_seconds: float
    leader: str | None
    """The leading projector's name, whichever process it runs in."""
    leading_here: bool
    """Whether this process's projector is the one leading."""
    pools: Sequence[PoolUse]


StateReader = Callable[[], Awaitable[OperationalState]]


class _StateCollector(Collector):
    def __init__(self, state: OperationalState) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        state = self._state
        yield CounterMetricFamily(
            "timeline_log_events",
            "Events in the log; its rate() is appends per second, by every process.",
            value=state.head,
        )
        yield GaugeMetricFamily(
            "timeline_projected_position",
            "The log position the read models reflect.",
            value=state.projected,
        )
        yield GaugeMetricFamily(
            "timeline_projector_lag_events",
            "Events appended but not yet in the read models.",
            value=max(state.head - state.projected, 0),
        )
        yield GaugeMetricFamily(
            "timeline_projector_lag_seconds",
            "How long the oldest event not yet in the read models has waited.",
            value=state.lag_seconds,
        )
        leader = GaugeMetricFamily(
            "timeline_projector_leader",
            "1 for the projector that holds the leadership, by its name; none while no "
            "projector leads.",
            labels=["name"],
        )
        if state.leader is not None:
            leader.add_metric([state.leader], 1)
        yield leader
        yield GaugeMetricFamily(
            "timeline_projector_leading_here",
            "1 while this process's projector leads.",
            value=int(state.leading_here),
        )
        size = GaugeMetricFamily(
            "timeline_db_pool_size",
            "Connections this process's pool keeps, by database.",
            labels=["database"],
        )
        used = GaugeMetricFamily(
            "timeline_db_pool_checked_out",
            "Connections of this process's pool in use, by database.",
            labels=["database"],
        )
        overflow = GaugeMetricFamily(
            "timeline_db_pool_overflow",
            "Connections opened past the pool's size, by database.",
            labels=["database"],
        )
        for pool in state.pools:
            size.add_metric([pool.database], pool.size)
            used.add_metric([pool.database], pool.checked_out)
            overflow.add_metric([pool.database], pool.overflow)
        yield size
        yield used
        yield overflow


def _process_metrics() -> bytes:
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_endpoint(
    read_state: Callable[[Request], Awaitable[OperationalState]],
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/metrics`` route: this process's (or every worker's) request figures, then
    the database's state as read now."""

    async def metrics(request: Request) -> Response:
        state = await read_state(request)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_StateCollector(state))
        body = _process_metrics() + generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
