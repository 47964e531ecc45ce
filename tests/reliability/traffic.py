"""A load generator for the API: a pool of asyncio clients sending a mix of GraphQL reads
and writes over HTTP to 127.0.0.1, each request timed and its answer classified.

Bounded in count and in time: ``clients`` coroutines share one connection pool of that
size, and stop when told to (or at the deadline). Every write records a fact of its own
under an idempotency key, so a write whose answer was lost can be retried and recognised.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

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

    async def run(self, stop: asyncio.Event, deadline: float) -> list[Outcome]:
        """Send requests until ``stop`` is set or ``time.monotonic()`` passes ``deadline``."""
        limits = httpx.Limits(
            max_connections=self._clients, max_keepalive_connections=self._clients
        )
        async with httpx.AsyncClient(timeout=self._timeout, limits=limits) as client:
            # The first write registers the measure the reads ask about, which would be
            # NOT_FOUND before it.
            primed = await self.send_write(client, f"{self._prefix}-0")
            if not primed.ok:
                raise RuntimeError(f"the first write failed: {primed}")
            # Every read asks for read models that hold it, as a client reading its own
            # write does: the projector applies it a moment after it commits.
            self._primed_at = primed.position
            self.outcomes.append(primed)
            await asyncio.gather(
                *(self._client(client, stop, deadline) for _ in range(self._clients))
            )
        return self.outcomes

    async def send_write(self, client: httpx.AsyncClient, key: str) -> Outcome:
        """The write under ``key`` (again, for a retry)."""
        body = {"query": WRITE, "variables": {"input": write_input(key)}}
        return await self._send(client, "write", body, key)

    async def _client(
        self, client: httpx.AsyncClient, stop: asyncio.Event, deadline: float
    ) -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            if self._rng.random() < self._write_share:
                self._writes += 1
                key = f"{self._prefix}-{self._writes}"
                self.outcomes.append(await self.send_write(client, key))
            else:
                query, variables = self._rng.choice(READS)
                body = {"query": query, "variables": variables}
                self.outcomes.append(await self._send(client, "read", body, None))

    async def _send(
        self, client: httpx.AsyncClient, kind: str, body: Mapping[str, object], key: str | None
    ) -> Outcome:
        headers = {"accept": "application/graphql-response+json"}
        if kind == "write":
            headers["authorization"] = f"Bearer {self._token}"
        elif self._primed_at is not None:
            headers["timeline-min-position"] = str(self._primed_at)
        started = time.monotonic()
        try:
            response = await client.post(self._graphql, json=body, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(
                kind,
                started,
                time.monotonic() - started,
                None,
                key=key,
                failure=f"{type(error).__name__}: {error}",
            )
        seconds = time.monotonic() - started
        try:
            document = response.json()
            codes = tuple(
                str((error.get("extensions") or {}).get("code"))
                for error in document.get("errors") or ()
            )
            written = (document.get("data") or {}).get("recordFact") or {}
        except (json.JSONDecodeError, AttributeError):
            return Outcome(
                kind, started, seconds, response.status_code, key=key, failure="not JSON"
            )
        replayed = written.get("replayed") is True
        position = written.get("position")
        return Outcome(
            kind,
            started,
            seconds,
            response.status_code,
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
