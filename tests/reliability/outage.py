"""Database outage: restart PostgreSQL under the API while clients read and write.

    python -m tests.reliability.outage          # short: 1 restart, 8 clients
    python -m tests.reliability.outage --full   # 5 restarts, 16 clients

The cluster is our own (``tests.reliability.clusters``), never the shared server. The API
is ``timeline serve --workers 2`` on it. While the clients (``tests.reliability.traffic``)
run, the server is stopped (``pg_ctl stop -m fast``, which ends every session as a restart
does), left down for a while and started again. Then:

* every answer is a success, or 503 with only ``UNAVAILABLE`` errors: no 500, no INTERNAL,
  no other code, no dropped connection, and no request takes longer than ``HANG_SECONDS``;
* the 503s come fast, within ``FAST_SECONDS`` (their slowest and p99 are reported);
* the API recovers by itself: a short while after the server is back, every request
  succeeds again (how long is reported);
* no write is half-done: every write answered with success is in the log once; every
  write answered 503, retried with its idempotency key, is then in the log once (and the
  retry says whether it had committed after all); the hash chain holds; the read models
  catch up with the log and equal a clean rebuild, content hash for content hash.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import httpx

from tests.api.conftest import make_token
from tests.api.servers import serving
from tests.integration.projection_snapshots import content_hash, stored_rows
from tests.reliability.clusters import LocalCluster, local_cluster
from tests.reliability.runs import arguments, publish
from tests.reliability.traffic import Outcome, Traffic, percentile
from timeline.application.chain import verify_chain
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.application.tokens import Role
from timeline.store import codec, migrations
from timeline.store.factory import open_event_store, open_projection_store

HANG_SECONDS = 10.0
"""No request may take longer, outage or not (the clients give up at three times this)."""
FAST_SECONDS = 5.0
"""No 503 may take longer: it says at once that the database is down. Generous, since
the machine may be busy: what it rules out is waiting on a connection that never comes."""
RECOVERY_SECONDS = 10.0
"""After the server is back, every request must succeed again within this long."""
TOKEN_NAME = "outage-writer"


@dataclass(frozen=True)
class OutageSize:
    restarts: int
    clients: int
    down_seconds: float
    steady_seconds: float
    """Traffic before each stop and after the last start."""


SHORT = OutageSize(restarts=1, clients=8, down_seconds=2.0, steady_seconds=2.0)
FULL = OutageSize(restarts=5, clients=16, down_seconds=5.0, steady_seconds=5.0)


@dataclass
class OutageFigures:
    requests: int = 0
    succeeded: int = 0
    unavailable: int = 0
    other_answers: dict[str, int] = field(default_factory=dict)
    slowest_seconds: float = 0.0
    slowest_unavailable_seconds: float = 0.0
    p99_unavailable_seconds: float = 0.0
    recovery_seconds: list[float] = field(default_factory=list)
    writes_answered: int = 0
    writes_answered_unavailable: int = 0
    unavailable_writes_that_had_committed: int = 0
    events: int = 0
    seconds: float = 0.0


async def outage(size: OutageSize, *, seed: int = 5) -> OutageFigures:
    """Run the outage scenario; an ``AssertionError`` names what did not hold."""
    started = time.monotonic()
    with local_cluster() as cluster:
        await cluster.create_database()
        await migrations.upgrade(cluster.url)
        token = await make_token(cluster.url, TOKEN_NAME, Role.WRITER)
        with serving(cluster.url, workers=2) as server:
            traffic = Traffic(
                server.graphql,
                token,
                clients=size.clients,
                write_share=0.3,
                timeout=HANG_SECONDS * 3,
                prefix=f"outage-{seed}",
                seed=seed,
            )
            windows = await _restart_under_load(cluster, traffic, size, server.http)
            outcomes = traffic.outcomes
            http = traffic.http()
            try:
                retried = [
                    await traffic.send_write(http, outcome.key)
                    for outcome in outcomes
                    if outcome.kind == "write" and not outcome.ok and outcome.key is not None
                ]
            finally:
                await http.close()
            async with httpx.AsyncClient(timeout=HANG_SECONDS * 3) as client:
                await _wait_until_ready(client, server.http)
            figures = _judge(outcomes, windows, retried)
            figures.events = await _check_log(cluster.url, outcomes)
    figures.seconds = round(time.monotonic() - started, 1)
    return figures


async def _restart_under_load(
    cluster: LocalCluster, traffic: Traffic, size: OutageSize, base: str
) -> list[tuple[float, float]]:
    """Stop and start the server ``size.restarts`` times under traffic; the (stopped,
    started) moments of each outage. While it is down, /healthz still answers 200 and
    /readyz 503."""
    stop = asyncio.Event()
    load = asyncio.create_task(traffic.run(stop, time.monotonic() + 3600))
    windows = []
    try:
        async with httpx.AsyncClient(timeout=HANG_SECONDS) as probe:
            for _ in range(size.restarts):
                await asyncio.sleep(size.steady_seconds)
                down = time.monotonic()
                await asyncio.to_thread(cluster.stop, "fast")
                await asyncio.sleep(size.down_seconds / 2)
                assert (await probe.get(f"{base}/healthz")).status_code == 200
                assert (await probe.get(f"{base}/readyz")).status_code == 503
                await asyncio.sleep(size.down_seconds / 2)
                await asyncio.to_thread(cluster.start)
                windows.append((down, time.monotonic()))
        # Long enough to see the API recover, and then some traffic that all succeeds.
        await asyncio.sleep(size.steady_seconds + 1)
    finally:
        stop.set()
        await load
    return windows


def _judge(
    outcomes: list[Outcome], windows: list[tuple[float, float]], retried: list[Outcome]
) -> OutageFigures:
    figures = OutageFigures(requests=len(outcomes))
    other: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.ok:
            figures.succeeded += 1
        elif outcome.unavailable:
            figures.unavailable += 1
        else:
            other[
                f"{outcome.status} {'/'.join(outcome.codes)} {outcome.failure or ''}".strip()
            ] += 1
    figures.other_answers = dict(other)
    assert not other, f"answers other than success or 503 UNAVAILABLE: {dict(other)}"
    figures.slowest_seconds = round(max(o.seconds for o in outcomes), 3)
    assert figures.slowest_seconds < HANG_SECONDS, "a request hung"
    refused = [o.seconds for o in outcomes if o.unavailable]
    assert refused, "no request met the outage: the test proved nothing"
    figures.slowest_unavailable_seconds = round(max(refused), 3)
    assert figures.slowest_unavailable_seconds < FAST_SECONDS, "a 503 was slow to come"
    figures.p99_unavailable_seconds = round(percentile(refused, 0.99), 3)

    for index, (_, up) in enumerate(windows):
        # Requests still in flight when the next outage began belong to that one.
        until = windows[index + 1][0] if index + 1 < len(windows) else float("inf")
        after = [o for o in outcomes if up <= o.started and o.started + o.seconds < until]
        failed = [o.started + o.seconds for o in after if not o.ok]
        recovered = max(failed, default=up) - up
        assert recovered < RECOVERY_SECONDS, f"restart {index + 1}: failing {recovered:.1f} s on"
        assert any(o.ok and o.started > up + recovered for o in after), (
            f"restart {index + 1}: no success after the last failure, {recovered:.1f} s on"
        )
        figures.recovery_seconds.append(round(recovered, 2))

    writes = [o for o in outcomes if o.kind == "write"]
    figures.writes_answered = len(writes)
    figures.writes_answered_unavailable = sum(not o.ok for o in writes)
    assert all(o.ok for o in retried), [o for o in retried if not o.ok][:3]
    # A retry answered as a replay means the write had committed, its answer lost.
    figures.unavailable_writes_that_had_committed = sum(o.replayed for o in retried)
    return figures


async def _wait_until_ready(client: httpx.AsyncClient, base: str) -> None:
    """Until /readyz says the read models have caught up with the whole log."""
    for _ in range(300):
        response = await client.get(f"{base}/readyz")
        if response.status_code == 200 and response.json().get("lag") == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the read models never caught up: {response.text}")


async def _check_log(url: str, outcomes: list[Outcome]) -> int:
    """The log holds each write once, chains, and its read models equal a clean rebuild;
    return how many events it holds."""
    store = await open_event_store(url)
    projections = await open_projection_store(url)
    try:
        keys: Counter[str] = Counter()
        actors = set()
        async for event in store.read_all():
            if event.stream_id.startswith("fact-"):
                keys[event.metadata.idempotency_key or ""] += 1
                actors.add(event.metadata.actor)
        written = {o.key for o in outcomes if o.kind == "write"}
        assert set(keys) == written, "the log's writes are not the writes sent"
        assert set(keys.values()) == {1}, "a write is in the log more than once"
        assert actors == {TOKEN_NAME}
        assert (await verify_chain(store.read_all())).intact
        head = await store.head_position()
        caught_up = {name: await stored_rows(url, name) for name in PROJECTIONS}
        runner = ProjectionRunner(store, codec, projections)
        for name in PROJECTIONS:
            assert caught_up[name]["checkpoint"] == [str(head)], name
            await runner.rebuild(name)
            rebuilt = await stored_rows(url, name)
            assert content_hash(caught_up[name]) == content_hash(rebuilt), name
        return head
    finally:
        await projections.close()
        await store.close()


async def _main() -> None:
    options = arguments(__doc__ or "")
    load_before = os.getloadavg()
    size = FULL if options.full else SHORT
    figures = await outage(size)
    publish({**asdict(size), **asdict(figures)}, options.json, load_before)


if __name__ == "__main__":
    asyncio.run(_main())
