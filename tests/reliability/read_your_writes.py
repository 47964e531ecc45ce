"""Read your writes: write-then-read pairs against ``timeline serve --workers 2`` on
PostgreSQL, where projection runs in one place and never inside the write.

    python -m tests.reliability.read_your_writes          # short: 400 pairs
    python -m tests.reliability.read_your_writes --full   # 10,000 pairs

Each pair records a new fact, then asks for it by id with ``Timeline-Min-Position`` set to
the position its write reached. The two requests go out on separate connections, so the
read lands on either worker, whichever accepts it first. A read that answers without the
fact is stale: the server claimed a position its read models did not reflect. The only
other answer allowed is a bounded ``UNAVAILABLE`` wait, counted apart.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import asdict, dataclass, field

import httpx

from tests.api.conftest import make_token
from tests.api.queries import fact_input, source
from tests.api.servers import serving
from tests.reliability.runs import arguments, publish, throwaway_postgres
from tests.reliability.traffic import percentile
from timeline.application.tokens import Role

WORKERS = 2
CLIENTS = 16
SHORT_PAIRS = 400
FULL_PAIRS = 10_000

WRITE = "mutation ($input: RecordFactInput!) { recordFact(input: $input) { position fact { id } } }"
READ = "query ($id: ID!) { fact(id: $id) { id title } }"


@dataclass
class PairFigures:
    pairs: int = 0
    workers: int = WORKERS
    clients: int = CLIENTS
    stale: int = 0
    unavailable: int = 0
    errors: int = 0
    seconds: float = 0.0
    pairs_per_second: float = 0.0
    read_p50_ms: float = 0.0
    read_p99_ms: float = 0.0
    examples: list[str] = field(default_factory=list)


async def _pair(
    writer: httpx.AsyncClient, reader: httpx.AsyncClient, graphql: str, token: str, n: int
) -> tuple[str, float]:
    """One write and the read of it: "ok", "stale", "unavailable" or an error, and how long
    the read took."""
    facts = fact_input(
        n, title=f"Pair {n}", figure=None, source=source(n, url=f"https://news.example/ryw/{n}")
    )
    written = await writer.post(
        graphql,
        json={"query": WRITE, "variables": {"input": facts}},
        headers={"authorization": f"Bearer {token}"},
    )
    payload = written.json()
    if written.status_code != 200 or payload.get("errors"):
        return f"write failed: {payload}", 0.0
    position = payload["data"]["recordFact"]["position"]
    fact_id = payload["data"]["recordFact"]["fact"]["id"]
    started = time.monotonic()
    read = await reader.post(
        graphql,
        json={"query": READ, "variables": {"id": fact_id}},
        headers={"timeline-min-position": str(position)},
    )
    seconds = time.monotonic() - started
    answer = read.json()
    codes = {str((e.get("extensions") or {}).get("code")) for e in answer.get("errors") or ()}
    if codes == {"UNAVAILABLE"}:
        return "unavailable", seconds
    if read.status_code != 200 or codes:
        return f"read failed: {answer}", seconds
    if (answer["data"]["fact"] or {}).get("id") != fact_id:
        return f"stale: position {position}, answered {answer}", seconds
    return "ok", seconds


async def pairs(url: str, count: int) -> PairFigures:
    """Run ``count`` pairs on the migrated, empty PostgreSQL database at ``url``."""
    token = await make_token(url, "pairs-writer", Role.WRITER)
    figures = PairFigures(pairs=count)
    read_seconds: list[float] = []
    with serving(url, workers=WORKERS) as server:
        numbers = iter(range(1, count + 1))
        # Separate pools, so that the read of a pair is never queued behind its own write's
        # connection and lands on whichever worker accepts it.
        async with (
            httpx.AsyncClient(timeout=30) as writer,
            httpx.AsyncClient(timeout=30) as reader,
        ):

            async def client() -> None:
                for n in numbers:
                    outcome, seconds = await _pair(writer, reader, server.graphql, token, n)
                    read_seconds.append(seconds)
                    if outcome == "ok":
                        continue
                    if outcome == "unavailable":
                        figures.unavailable += 1
                    elif outcome.startswith("stale"):
                        figures.stale += 1
                    else:
                        figures.errors += 1
                    if len(figures.examples) < 5:
                        figures.examples.append(outcome)

            started = time.monotonic()
            await asyncio.gather(*(client() for _ in range(CLIENTS)))
            figures.seconds = round(time.monotonic() - started, 1)
    figures.pairs_per_second = round(count / figures.seconds, 1)
    read_ms = [seconds * 1000 for seconds in read_seconds]
    figures.read_p50_ms = round(percentile(read_ms, 0.50), 1)
    figures.read_p99_ms = round(percentile(read_ms, 0.99), 1)
    return figures


async def _main() -> None:
    options = arguments(__doc__ or "")
    load_before = os.getloadavg()
    async with throwaway_postgres("pairs") as url:
        figures = await pairs(url, FULL_PAIRS if options.full else SHORT_PAIRS)
    publish(asdict(figures), options.json, load_before)


if __name__ == "__main__":
    asyncio.run(_main())
