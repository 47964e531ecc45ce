"""A load generator for the API: a pool of asyncio clients sending a mix of GraphQL reads
and writes over HTTP to 127.0.0.1, each request timed and its answer classified.

Bounded in count and in time: ``clients`` coroutines, each with one keep-alive connection of
its own, stop when told to (or at the deadline). Every write records a fact of its own
under an idempotency key, so a write whose answer was lost can be retried and recognised.

The client is aiohttp's (``Http``, one session of one connection per client), not httpx:
on this 2-core machine the generator shares the CPU with the server it measures, and
httpx's pool cost about 4 ms of CPU a request (its async-library probe alone tries an
import each time), a third of a core at 70 requests a second; aiohttp, with its C HTTP
parser, costs well under 1 ms (the soak reports it as ``generator_cpu_ms_per_request``).
Every request is still a whole HTTP exchange, timed from before its bytes are written to
after its body is read.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from tests.api.queries import fact_input, figure, source

READS: Sequence[tuple[str, dict[str, object]]] = (
    ("{ timeline(first: 10) { totalCount edges { node { id title occurred } } } }", {}),
    ("{ events(first: 5) { totalCount edges { node { position type actor } } } }", {}),
    ("{ measures { key label unit } }", {}),
    (
        'query ($k: Date) { timeline(first: 20, knownAt: $k, filter: {topics: ["funding"]}) '
        "{ totalCount pageInfo { hasNextPage endCursor } edges { node { title figure { value "
        "unit qualifier lower upper } sources { publisher quote } } } } }",
        {"k": "2025-11-01"},
    ),
    (
        '{ runningTotal(measure: "uk-payments-to-france", granularity: YEAR) '
        "{ unit points { date total lower upper } warnings } }",
        {},
    ),
)
WRITE = "mutation ($input: RecordFactInput!) { recordFact(input: $input) { position replayed } }"


@dataclass(frozen=True)
class Outcome:
    """One request: when it started (monotonic seconds), how long it took, what came back.

    ``status`` is None when no HTTP answer came (a timeout or a refused connection, named
    in ``failure``); ``codes`` are the ``extensions.code`` of the GraphQL errors."""

    kind: str
    started: float
    seconds: float
    status: int | None
    codes: tuple[str, ...] = ()
    key: str | None = None
    failure: str | None = None
    replayed: bool = False
    """A write answered with its original result: it had committed before."""
    position: int | None = None
    """The log position a write reached."""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.codes and self.failure is None

    @property
    def unavailable(self) -> bool:
        """The answer the API owes a request while the database is down."""
        return self.status == 503 and set(self.codes) == {"UNAVAILABLE"}


class HttpFailure(Exception):
    """No HTTP answer: a refused or dropped connection, a timeout, a malformed answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


REQUESTS_PER_CONNECTION = 25
"""How many requests a client sends on one connection before it opens another. uvicorn's
workers share one listening socket and each accepts every connection waiting when it looks:
32 connections opened at once all went to one worker, and stayed there for the whole run,
the other idle. Clients that come and go land on whichever worker is free to accept."""


class Http:
    """One client's keep-alive connection to an http://127.0.0.1 URL (aiohttp, one request
    at a time), opened on first use, after a failure and after every
    ``REQUESTS_PER_CONNECTION`` requests."""

    def __init__(self, url: str, timeout: float) -> None:
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError("the load generator only talks to 127.0.0.1")
        self._url = url
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._sent = 0

    async def post(self, body: Mapping[str, object], headers: Mapping[str, str]) -> Answer:
        """POST ``body`` as JSON; the answer, or ``HttpFailure``."""
        if self._sent >= REQUESTS_PER_CONNECTION:
            await self.close()
        if self._session is None:
            # No accept-encoding: the answers come uncompressed, as the server sends them.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                skip_auto_headers=("Accept-Encoding", "User-Agent"),
            )
            self._sent = 0
        self._sent += 1
        try:
            async with self._session.post(
                self._url,
                data=orjson.dumps(body),
                headers={**headers, "content-type": "application/json"},
            ) as response:
                return Answer(response.status, await response.read())
        except (aiohttp.ClientError, TimeoutError) as error:
            await self.close()
            reason = str(error) or f"no answer within {self._timeout:g} s"
            raise HttpFailure(f"{type(error).__name__}: {reason}") from error

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def write_input(key: str) -> dict[str, Any]:
    """The input of the write under ``key``: the same every time it is asked for. One
    write in ten carries a figure (the first one always does, registering its measure)."""
    number = int(key.rpartition("-")[2] or 0)
    return fact_input(
        title=f"Fact {key}",
        idempotencyKey=key,
        figure=figure() if number % 10 == 0 else None,
        source=source(title=f"Report {key}", url=f"https://news.example/{key}"),
    )


class Traffic:
    """``clients`` clients against ``graphql`` (an http://127.0.0.1 URL), writing with
    ``token`` in a ``write_share`` of their requests."""

    def __init__(
        self,
        graphql: str,
        token: str,
        *,
        clients: int,
        write_share: float,
        timeout: float,
        prefix: str,
        seed: int = 0,
    ) -> None:
        if not graphql.startswith("http://127.0.0.1:"):
            raise ValueError("the load generator only talks to 127.0.0.1")
        self._graphql = graphql
        self._token = token
        self._clients = clients
        self._write_share = write_share
        self._timeout = timeout
        self._prefix = prefix
        self._rng = random.Random(seed)
        self._writes = 0
        self._primed_at: int | None = None
        self.outcomes: list[Outcome] = []

    def http(self) -> Http:
        """A connection of this generator's own (to retry writes with ``send_write``)."""
        return Http(self._graphql, self._timeout)

    async def run(self, stop: asyncio.Event, deadline: float) -> list[Outcome]:
        """Send requests until ``stop`` is set or ``time.monotonic()`` passes ``deadline``."""
        # The first write registers the measure the reads ask about, which would be
        # NOT_FOUND before it.
        first = self.http()
        try:
            primed = await self.send_write(first, f"{self._prefix}-0")
        finally:
            await first.close()
        if not primed.ok:
            raise RuntimeError(f"the first write failed: {primed}")
        # Every read asks for read models that hold it, as a client reading its own
        # write does: the projector applies it a moment after it commits.
        self._primed_at = primed.position
        self.outcomes.append(primed)
        await asyncio.gather(*(self._client(stop, deadline) for _ in range(self._clients)))
        return self.outcomes

    async def send_write(self, http: Http, key: str) -> Outcome:
        """The write under ``key`` (again, for a retry)."""
        body = {"query": WRITE, "variables": {"input": write_input(key)}}
        return await self._send(http, "write", body, key)

    async def _client(self, stop: asyncio.Event, deadline: float) -> None:
        http = self.http()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                if self._rng.random() < self._write_share:
                    self._writes += 1
                    key = f"{self._prefix}-{self._writes}"
                    self.outcomes.append(await self.send_write(http, key))
                else:
                    query, variables = self._rng.choice(READS)
                    body = {"query": query, "variables": variables}
                    self.outcomes.append(await self._send(http, "read", body, None))
        finally:
            await http.close()

    async def _send(
        self, http: Http, kind: str, body: Mapping[str, object], key: str | None
    ) -> Outcome:
        headers = {"accept": "application/graphql-response+json"}
        if kind == "write":
            headers["authorization"] = f"Bearer {self._token}"
        elif self._primed_at is not None:
            headers["timeline-min-position"] = str(self._primed_at)
        started = time.monotonic()
        try:
            answer = await http.post(body, headers)
        except HttpFailure as error:
            return Outcome(
                kind, started, time.monotonic() - started, None, key=key, failure=str(error)
            )
        seconds = time.monotonic() - started
        try:
            document = orjson.loads(answer.body)
            codes = tuple(
                str((error.get("extensions") or {}).get("code"))
                for error in document.get("errors") or ()
            )
            written = (document.get("data") or {}).get("recordFact") or {}
        except (orjson.JSONDecodeError, AttributeError):
            return Outcome(kind, started, seconds, answer.status, key=key, failure="not JSON")
        replayed = written.get("replayed") is True
        position = written.get("position")
        return Outcome(
            kind,
            started,
            seconds,
            answer.status,
            codes,
            key,
            None,
            replayed,
            position if isinstance(position, int) else None,
        )


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0.99 for p99) by the nearest-rank method."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]
