"""GraphQL over HTTP: a timeline page of 50 facts with their sources and figures, beside the
same page as plain JSON (the ceiling).

For each backend the corpus goes into a fresh, migrated database, each event appended to its
own stream at its version in log order (so facts are facts, as the service writes them), and
the projections are caught up. Then two servers start on free ports of 127.0.0.1, each a
subprocess with one uvicorn worker: the real API exactly as ``timeline serve`` runs it, and
``bench.ceiling``, a plain Starlette route that answers the same page through the same
``TimelineQueries.timeline`` call (uvicorn with the same options). Both answer before any
load; their pages must be equal (cursors aside, which pin the time of reading), or the run
fails.

Load comes from wrk (``-t2 -c32``, 32 connections on two threads; see
``bench.graphql_http_load``; a Python stand-in when wrk is not installed), one server at a
time for ``--seconds`` each, the two taking turns repeat after repeat, after one second of
warm-up each. Any error (an answer that is not 2xx, a broken connection, a timeout) fails the
run. wrk, the server and whatever else runs on the machine share its cores.

A run's rate is requests per second; its ``seconds`` in the JSON are the time the corpus's
N events' worth of requests would take at that rate (N / rate), so that the report's rate
column is requests per second. Latencies are wrk's 1,000 quantiles of each repeat, pooled.
Issue 16's target: at least the ceiling's requests per second (1.0x), with p99 under
100 ms (the target before it was half the ceiling).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from bench.corpus import CorpusEvent, corpus, frozen
from bench.databases import Databases
from bench.graphql_http_load import CLIENTS, THREADS, Load, generator, post_once, run_load
from bench.report import Comparison, Run, Target
from bench.suite import Settings
from timeline.bootstrap import open_services
from timeline.config import Settings as TimelineSettings
from timeline.store import codec, migrations

EVENTS = 10_000
SECONDS = 10.0
WARM_UP_SECONDS = 1.0
PAGE_SIZE = 50
P99_TARGET_MS = 100.0
TARGET = Target("ratio", 1.0, versus="ceiling", p99_ms=P99_TARGET_MS)
STARTUP_SECONDS = 60.0

PAGE_QUERY = """\
query Page($first: Int, $after: String) {
  timeline(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id kind title summary occurred occurredEarliest occurredLatest topics actors places
      status revision firstReported recordedAt
      figure { measure value unit qualifier basis period lower upper lowerInclusive upperInclusive }
      sources { publisher title url document publishedOn quote }
    } }
  }
}"""
BODY = orjson.dumps({"query": PAGE_QUERY, "variables": {"first": PAGE_SIZE}})


@dataclass(frozen=True, slots=True)
class Server:
    """One of the two servers under load: where to POST, and the process serving it."""

    system: str
    url: str
    process: subprocess.Popen[bytes]


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(EVENTS), settings.seed))
    seconds = SECONDS if settings.seconds is None else settings.seconds
    which = generator()
    results = []
    for backend in settings.backends:
        url = await loaded_database(backend, databases, events)
        with (
            _server("timeline", url, _graphql_command) as graphql,
            _server("starlette-json", url, _ceiling_command) as ceiling,
        ):
            for server in (graphql, ceiling):
                await _ready(server)
            await _same_page(graphql, ceiling)
            loads: dict[str, list[Load]] = {graphql.system: [], ceiling.system: []}
            for server in (graphql, ceiling):
                (await run_load(server.url, BODY, WARM_UP_SECONDS, which)).check(answered=False)
            for _ in range(settings.repeats):
                for server in (graphql, ceiling):
                    load = await run_load(server.url, BODY, seconds, which)
                    loads[server.system].append(load.check())
        ours = _run(graphql.system, len(events), loads[graphql.system])
        ceiling_run = _run(ceiling.system, len(events), loads[ceiling.system])
        results.append(
            Comparison(
                "graphql-http",
                backend,
                ours,
                ceiling_run,
                TARGET,
                notes=f"{which}, {CLIENTS} connections"
                + (f" on {THREADS} threads" if which == "wrk" else "")
                + f", {seconds:g} s per repeat; a page of {PAGE_SIZE} facts with figures and "
                "sources; requests "
                + ", ".join(f"{load.requests}" for load in loads[graphql.system])
                + " against "
                + ", ".join(f"{load.requests}" for load in loads[ceiling.system]),
            )
        )
    return results


def _run(system: str, events: int, loads: Sequence[Load]) -> Run:
    return Run(
        system=system,
        events=events,
        seconds=[events / load.requests_per_second for load in loads],
        latencies_ms=[latency for load in loads for latency in load.latencies_ms],
    )


async def loaded_database(backend: str, databases: Databases, events: list[CorpusEvent]) -> str:
    """A fresh, migrated database holding the corpus with its projections caught up."""
    if backend == "sqlite":
        url = f"sqlite:///{databases.scratch_file()}"
    else:
        url = databases.url(await databases.scratch_database())
    await migrations.upgrade(url)
    async with open_services(TimelineSettings(database_url=url)) as services:
        for item in events:
            await services.store.append(
                item.stream_id, [codec.encode(item.event)], expected_version=item.expected_version
            )
        await services.runner.catch_up()
    return url


def _graphql_command(port: int) -> list[str]:
    serve = ["serve", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    return [sys.executable, "-m", "timeline.cli", *serve]


def _ceiling_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.ceiling", "--port", str(port)]


@contextmanager
def _server(system: str, database_url: str, command: Any) -> Iterator[Server]:
    port = _free_port()
    path = "/graphql" if system == "timeline" else "/page"
    environment = {**os.environ, "TIMELINE_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command(port), env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield Server(system, f"http://127.0.0.1:{port}{path}", process)
        except BaseException:
            process.terminate()
            process.wait(10)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:  # pragma: no cover - uvicorn stops on TERM
                    process.kill()
                    process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _ready(server: Server) -> None:
    """Wait until the server answers the page with 200."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.system} exited with {server.process.returncode}")
        try:
            status, answer = await post_once(server.url, BODY)
        except OSError:
            status, answer = 0, b""
        if status == 200:
            return
        if status or time.monotonic() > deadline:
            raise RuntimeError(f"{server.system} answered {status}: {answer[:500]!r}")
        await asyncio.sleep(0.1)


async def _same_page(graphql: Server, ceiling: Server) -> None:
    """Both servers answer the same facts, field for field."""
    pages = []
    for server in (graphql, ceiling):
        status, answer = await post_once(server.url, BODY)
        document = orjson.loads(answer)
        if status != 200 or "errors" in document:
            raise RuntimeError(f"{server.system} answered {status}: {answer[:500]!r}")
        page = document["data"]["timeline"]
        pages.append((page["totalCount"], page["pageInfo"]["hasNextPage"], _nodes(page["edges"])))
    if pages[0] != pages[1]:
        raise RuntimeError("the GraphQL page and the plain JSON page differ")


def _nodes(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in edges]
