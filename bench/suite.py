"""The benchmarks by name, and the settings every one of them runs with.

A benchmark is a coroutine that takes ``Settings`` and the run's ``Databases`` and returns
one ``Comparison`` per backend. A new benchmark is one more module with a ``run`` coroutine
and one more entry in ``benchmarks()``.
"""

from __future__ import annotations

import cProfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.corpus import SEED
from bench.databases import DEFAULT_POSTGRES_URL, Databases
from bench.report import Comparison


@dataclass(frozen=True, slots=True)
class Settings:
    """What the command line asked for."""

    backends: tuple[str, ...]
    events: int | None = None
    """Events per repeat; None for the benchmark's own default."""
    peer: bool = True
    repeats: int = 3
    seed: int = SEED
    postgres_url: str = DEFAULT_POSTGRES_URL
    seconds: float | None = None
    """Seconds of load per repeat, for benchmarks bounded in time; None for their default."""
    profiler: cProfile.Profile | None = None
    """When given, collects a profile of our side of every timed section (never the peer's
    or the set-up), at the price of slower figures."""

    def events_or(self, default: int) -> int:
        return default if self.events is None else self.events

    @contextmanager
    def ours(self) -> Iterator[None]:
        """Wrap our side of a timed section: profiled when ``--profile`` asked for it."""
        if self.profiler is None:
            yield
            return
        self.profiler.enable()
        try:
            yield
        finally:
            self.profiler.disable()


Runner = Callable[[Settings, Databases], Awaitable[list[Comparison]]]


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    summary: str
    run: Runner


ALL = ("append-single", "append-batch", "read-all")
"""What ``all`` runs: the issue's three. ``limits`` is context for them, run on its own."""


def benchmarks() -> dict[str, Benchmark]:
    """Every benchmark that exists now."""
    from bench import (  # late: they import Settings
        appends,
        graphql_cpu,
        graphql_http,
        limits,
        reads,
        rebuild,
        time_travel,
    )

    found = [
        Benchmark(
            "append-single",
            "append, one event per transaction: rate and latency",
            appends.run_single,
        ),
        Benchmark("append-batch", "append, 1,000 events per transaction", appends.run_batch),
        Benchmark(
            "read-all", "read the whole log in global order, decoded to domain events", reads.run
        ),
        Benchmark(
            "rebuild",
            "every read model rebuilt from zero: events/s and peak memory",
            rebuild.run,
        ),
        Benchmark(
            "time-travel",
            "a page of 50 and a running total at a random knownAt: p50/p99",
            time_travel.run,
        ),
        Benchmark(
            "limits",
            "one bare-driver INSERT per commit: the floor under each system",
            limits.run,
        ),
        Benchmark(
            "graphql-http",
            "a timeline page over GraphQL/HTTP under 32 clients, beside plain JSON",
            graphql_http.run,
        ),
        Benchmark(
            "graphql-cpu",
            "our CPU per request for each of the soak's reads, in process",
            graphql_cpu.run,
        ),
    ]
    return {benchmark.name: benchmark for benchmark in found}
