"""Our CPU per GraphQL request, in process: each of the soak's reads
(``tests.reliability.traffic.READS``) sent to the ASGI app, timed by the process's CPU clock.

For each backend the corpus (5,000 events unless ``--events``) goes into a fresh, migrated
database with its projections caught up (``graphql_http.loaded_database``), then the
soak's first write (a fact with a figure, through the API, by a writer's token), and the app
runs in this process with its lifespan, as ``timeline serve --no-projector`` runs it: the
middleware, Strawberry's view, the schema's extensions, the compiled plans, the services
and the store. Each request is an ASGI call with the headers the soak sends (its
``Timeline-Min-Position`` the log's head); no HTTP client or server is in the figure, so a
figure is the part of a request's cost that is ours. The database server's own CPU
(PostgreSQL's backend) is another process and not counted; SQLite's, in its thread, is.

``{ __typename }`` goes first as the floor: what any request costs before its root
field's work. The soak's write (``recordFact``, by a writer's token, one write in ten with a
figure as the soak's) comes last, each request a new fact under a key of its own: its
figure includes the append's round trips as our side of them (no projector runs, so the
read models stay where they were and the reads' figures do not move with the writes).

Every query is answered once and must answer 200 without errors, then warms
up (``WARM_UP`` requests); a repeat sends each query ``REQUESTS`` times, the queries taking
turns repeat after repeat. A request's figure is ``time.process_time_ns`` across its call
(every thread of the process); a repeat's figure is the mean over its requests, and the
table's rate is requests per CPU second (its median repeat), p50/p99 the requests' own
CPU in ms. The µs per request (each repeat's mean, and the median request of them all,
which a collection or a busy machine moves less) are printed beside the table and kept in
the notes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import FieldNode, OperationDefinitionNode, parse
from starlette.applications import Starlette
from starlette.types import Message

from bench.corpus import corpus, frozen
from bench.databases import Databases
from bench.graphql_http import loaded_database
from bench.report import Comparison, Run
from bench.suite import Settings
from tests.reliability.traffic import READS, WRITE, write_input
from timeline.api.app import create_app
from timeline.api.settings import ApiSettings
from timeline.application.tokens import Role, issue_token
from timeline.bootstrap import open_services
from timeline.config import Settings as TimelineSettings

EVENTS = 5_000
REQUESTS = 300
"""Of each query per repeat."""
WARM_UP = 30
FLOOR: tuple[str, dict[str, object]] = ("{ __typename }", {})


WRITES = "recordFact"
"""The name of the soak's write among the queries measured."""


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    body: bytes


def queries() -> list[Query]:
    """The floor and the soak's reads, each named by its root field (numbered when a root
    field comes again)."""
    found: list[Query] = []
    seen: dict[str, int] = {}
    for text, variables in (FLOOR, *READS):
        operation = parse(text).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        first = operation.selection_set.selections[0]
        assert isinstance(first, FieldNode)
        root = "floor" if text == FLOOR[0] else first.name.value
        seen[root] = seen.get(root, 0) + 1
        name = root if seen[root] == 1 else f"{root}-{seen[root]}"
        found.append(Query(name, orjson.dumps({"query": text, "variables": variables})))
    return found


def _writes() -> Iterator[bytes]:
    """The soak's writes, each under a key not used before (``cpu-0`` is the app's first)."""
    for number in itertools.count(1):
        yield orjson.dumps({"query": WRITE, "variables": {"input": write_input(f"cpu-{number}")}})


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = frozen(corpus(settings.events_or(EVENTS), settings.seed))
    results = []
    for backend in settings.backends:
        url = await loaded_database(backend, databases, events)
        async with _app(url) as (app, head, token):
            cpu = await _measure(settings, app, head, token)
        for name in [query.name for query in queries()] + [WRITES]:
            per_request = [statistics.fmean(repeat) for repeat in cpu[name]]
            micros = [seconds * 1e6 for seconds in per_request]
            middle = statistics.median(s for repeat in cpu[name] for s in repeat) * 1e6
            print(
                f"graphql-cpu {backend} {name}: {statistics.median(micros):,.0f} µs "
                f"of CPU per request (repeats {', '.join(f'{m:,.0f}' for m in micros)}; "
                f"the median request {middle:,.0f})"
            )
            results.append(
                Comparison(
                    f"graphql-cpu {name}",
                    backend,
                    Run(
                        system="requests per CPU s",
                        events=REQUESTS,
                        seconds=[REQUESTS * seconds for seconds in per_request],
                        latencies_ms=[s * 1e3 for repeat in cpu[name] for s in repeat],
                    ),
                    None,
                    None,
                    notes=f"{len(events):,} events; µs of CPU per request, by repeat: "
                    + ", ".join(f"{m:.0f}" for m in micros),
                )
            )
    return results


@asynccontextmanager
async def _app(url: str) -> AsyncIterator[tuple[Starlette, int, str]]:
    """The API on ``url`` with its lifespan run, once the soak's first write is in and the
    read models have it (it registers the measure the running total asks for, which a
    small corpus may not have); the log's head then, and the writer's token."""
    app = create_app(
        lambda: open_services(TimelineSettings(database_url=url)), ApiSettings(projector=False)
    )
    async with (
        app.router.lifespan_context(app),
        open_services(TimelineSettings(database_url=url)) as services,
    ):
        now = dt.datetime.now(dt.UTC)
        writer = await issue_token(services.tokens, "graphql-cpu", Role.WRITER, now)
        body = orjson.dumps({"query": WRITE, "variables": {"input": write_input("cpu-0")}})
        status, answer = await _post(app, body, 0, writer.token)
        if status != 200 or b'"errors"' in answer:
            raise RuntimeError(f"the soak's first write answered {status}: {answer[:500]!r}")
        await services.runner.catch_up()
        yield app, await services.store.head_position(), writer.token


async def _measure(
    settings: Settings, app: Starlette, head: int, token: str
) -> dict[str, list[list[float]]]:
    """CPU seconds of each request, by query name and repeat."""
    # Each query's bodies, one per request: the same read every time, a new write each.
    chosen: list[tuple[str, Iterator[bytes], str | None]] = [
        (query.name, itertools.repeat(query.body), None) for query in queries()
    ]
    chosen.append((WRITES, _writes(), token))
    for name, bodies, writer in chosen:
        status, answer = await _post(app, next(bodies), head, writer)
        document = orjson.loads(answer)
        if status != 200 or "errors" in document:
            raise RuntimeError(f"{name} answered {status}: {answer[:500]!r}")
        for _ in range(WARM_UP):
            await _post(app, next(bodies), head, writer)
    found: dict[str, list[list[float]]] = {name: [] for name, _, _ in chosen}
    for _ in range(settings.repeats):
        for name, bodies, writer in chosen:
            seconds = []
            with settings.ours():
                for _ in range(REQUESTS):
                    sent = next(bodies)
                    started = time.process_time_ns()
                    await _post(app, sent, head, writer)
                    seconds.append((time.process_time_ns() - started) / 1e9)
            found[name].append(seconds)
    return found


async def _post(
    app: Starlette, body: bytes, head: int, token: str | None = None
) -> tuple[int, bytes]:
    """POST ``body`` to /graphql as one ASGI call, with the soak's headers (a writer's
    ``token`` for a write)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/graphql-response+json"),
            (b"timeline-min-position", str(head).encode()),
            (b"content-length", str(len(body)).encode()),
            *([(b"authorization", f"Bearer {token}".encode())] if token else []),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)
