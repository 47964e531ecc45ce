"""Soak: mixed GraphQL reads and writes at 32 clients against ``timeline serve --workers 2
--no-projector`` plus one ``timeline projector`` on PostgreSQL; zero errors, memory flat
after warm-up, latency percentiles reported.

    python -m tests.reliability.soak                # short: 10 s (4 s of warm-up)
    python -m tests.reliability.soak --seconds 60   # any length (a fifth of it warm-up)
    python -m tests.reliability.soak --full         # 5 minutes (60 s of warm-up)
    python -m tests.reliability.soak --embedded-projector   # the workers elect one instead
    python -m tests.reliability.soak --full --failover 10   # kill -9 the leader 10 times

Beside the load, a probe writes a fact every 0.2 s and reads it back at the position the
write returned (``fact(minPosition:)``): how long that read takes is how long a write takes
to become visible in the read models (the projector's lag, plus one read), and a read that
misses its write is a stale read (there must be none). A read answered UNAVAILABLE (the read
models did not reach the write within the wait's bound, as a handover under load may take)
is counted apart: it says "not yet" and claims nothing.

The projector's lag itself, commit to visible read model, is measured for every event
appended after the warm-up: this process listens on ``timeline_projected`` (sent by the
commit of each batch of the read models, with the position it reached) and notes when it
heard each position; an event's lag runs from its ``recorded_at`` (set inside its append's
transaction, so at or before its commit) to the first position heard at or past it (after
the batch's commit). Both ends err late, so the figure is an upper bound, without the
probe's HTTP round trips and its queueing behind the clients in a busy worker.

With ``--failover N`` two projector processes stand, and N times during the run, evenly
spaced, the one that leads (as ``/readyz`` names it) is killed with SIGKILL and replaced:
each time the standby must lead within ``HANDOVER_SECONDS``, and once the load has stopped
the read models must equal a clean rebuild of the log (a digest of every read-model table).

The clients (``tests.reliability.traffic``) send one write in five (each its own fact,
under an idempotency key) and reads of the timeline, the log, the measures, a filtered
page as known at a day, and a running total. Memory is each uvicorn worker's resident set
(``/proc``), sampled every second; "flat" means the workers' total at the end is less than
``MAX_GROWTH`` above what it was when the warm-up ended.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncpg
import httpx
import uvloop

from tests.api.conftest import make_token
from tests.api.servers import serving
from tests.integration.listening import listening
from tests.reliability.read_model_digests import read_model_digests
from tests.reliability.runs import arguments, publish, throwaway_postgres
from tests.reliability.traffic import Outcome, Traffic, percentile, write_input
from timeline.application.tokens import Role
from timeline.store.sql.postgres import PROJECTED_CHANNEL

CLIENTS = 32
WORKERS = 2
MAX_GROWTH = 0.10


class SoakFailed(AssertionError):
    """A check of the run failed; ``figures`` are what it measured all the same."""

    def __init__(self, reason: str, figures: SoakFigures) -> None:
        super().__init__(reason)
        self.figures = figures


@dataclass(frozen=True)
class SoakSize:
    seconds: float
    warm_up_seconds: float


SHORT = SoakSize(seconds=10, warm_up_seconds=4)
FULL = SoakSize(seconds=300, warm_up_seconds=60)


@dataclass
class SoakFigures:
    clients: int = CLIENTS
    workers: int = WORKERS
    seconds: float = 0.0
    requests: int = 0
    reads: int = 0
    writes: int = 0
    errors: int = 0
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    write_p99_ms: float = 0.0
    read_p99_ms: float = 0.0
    generator_cpu_ms_per_request: float = 0.0
    """This process's CPU time during the load (the clients, the probe, the sampling) over
    the requests sent: the generator's share of the two cores it shares with the server."""
    rss_after_warm_up_mb: float = 0.0
    rss_at_end_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_growth_after_warm_up: float = 0.0
    rss_samples_mb: list[float] = field(default_factory=list)
    visible_probes: int = 0
    visible_p50_ms: float = 0.0
    visible_p99_ms: float = 0.0
    """A probe's read at its write's position: the projector's lag plus one read."""
    projector_lag_events: int = 0
    """Events appended after the warm-up whose projection was heard (the module's text)."""
    projector_lag_p50_ms: float = 0.0
    projector_lag_p99_ms: float = 0.0
    projector_lag_max_ms: float = 0.0
    stale_reads: int = 0
    unavailable_probes: int = 0
    """Probe reads answered UNAVAILABLE: the read models did not reach the write within the
    bound (a handover under load can take that long); honest, unlike a stale read."""
    failovers: int = 0
    handover_max_s: float = 0.0
    handover_seconds: list[float] = field(default_factory=list)
    equal_to_rebuild: bool | None = None
    """After failovers: the read models equal a clean rebuild of the log."""


PROBE_WRITE = (
    "mutation ($input: RecordFactInput!) { recordFact(input: $input) { position fact { id } } }"
)
PROBE_READ = "query ($id: ID!, $at: Int) { fact(id: $id, minPosition: $at) { id } }"
PROBE_SECONDS = 0.2


@dataclass
class Visibility:
    seconds: list[float] = field(default_factory=list)
    stale: int = 0
    """Reads answered without an error but without the write they asked for."""
    unavailable: int = 0


async def probe(graphql: str, token: str, deadline: float) -> Visibility:
    """Write, then read the write back at its position, every ``PROBE_SECONDS``."""
    found = Visibility()
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30) as client:
        number = 0
        while time.monotonic() < deadline:
            number += 1
            variables = {"input": write_input(f"probe-{number}")}
            written = await client.post(
                graphql, json={"query": PROBE_WRITE, "variables": variables}, headers=headers
            )
            payload = written.json()["data"]["recordFact"]
            started = time.monotonic()
            read = await client.post(
                graphql,
                json={
                    "query": PROBE_READ,
                    "variables": {"id": payload["fact"]["id"], "at": payload["position"]},
                },
            )
            found.seconds.append(time.monotonic() - started)
            answer = read.json()
            codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or ()}
            if codes == {"UNAVAILABLE"}:
                found.unavailable += 1
            elif codes or (answer.get("data") or {}).get("fact") is None:
                found.stale += 1
            await asyncio.sleep(PROBE_SECONDS)
    return found


HANDOVER_SECONDS = 2.0
LAST_BATCH_SECONDS = 1.0
"""How long to go on hearing the projector once the load stops, for its last batches."""
CLI = [sys.executable, "-c", "from timeline.cli import main; main()"]


class Projectors:
    """Named ``timeline projector`` processes on ``url``; stopped (SIGTERM) on close."""

    def __init__(self, url: str, log: Path | None = None) -> None:
        self._url = url
        self._log = log
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self._started = 0

    def start(self) -> str:
        name = f"soak-p{self._started}"
        self._started += 1
        env = {**os.environ, "TIMELINE_DATABASE_URL": self._url}
        if self._log is None:
            self.running[name] = subprocess.Popen(
                [*CLI, "projector", "--name", name], env=env, stderr=subprocess.DEVNULL
            )
        else:  # every batch, with how long it took
            with self._log.open("ab") as log:
                self.running[name] = subprocess.Popen(
                    [*CLI, "projector", "--name", name, "--verbose"], env=env, stderr=log
                )
        return name

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.kill()
        process.wait(30)

    def close(self) -> None:
        for process in self.running.values():
            process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            process.wait(30)


@contextmanager
def projector_processes(url: str, count: int, log: Path | None = None) -> Iterator[Projectors]:
    projectors = Projectors(url, log)
    try:
        for _ in range(count):
            projectors.start()
        yield projectors
    finally:
        projectors.close()


async def leader(http: str) -> str | None:
    """Who leads the projection, as the server's /readyz says."""
    async with httpx.AsyncClient(timeout=5) as client:
        found: str | None = (await client.get(f"{http}/readyz")).json().get("leader")
        return found


async def fail_over(http: str, projectors: Projectors, times: int, deadline: float) -> list[float]:
    """Kill the leader ``times`` times, evenly spaced before ``deadline``; the seconds each
    handover took (until /readyz names another leader)."""
    handovers: list[float] = []
    spacing = (deadline - time.monotonic()) / (times + 1)
    for _ in range(times):
        await asyncio.sleep(spacing)
        current = await leader(http)
        if current is None or current not in projectors.running:
            raise AssertionError(f"no projector of this run leads ({current!r})")
        projectors.kill(current)
        killed = time.monotonic()
        while await leader(http) in {None, current}:
            if time.monotonic() - killed > 30:
                raise AssertionError("no standby led within 30 s")
            await asyncio.sleep(0.02)
        handovers.append(time.monotonic() - killed)
        projectors.start()  # a new standby, as a supervisor would restart the dead one
    return handovers


async def projector_lags(url: str, heard: list[tuple[int, float]], since: float) -> list[float]:
    """The seconds from each event's ``recorded_at`` at or after ``since`` (wall clock) to
    the first position heard at or past it; events never heard of are left out."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT position, recorded_at FROM events WHERE recorded_at >= to_timestamp($1) "
            "ORDER BY position",
            since,
        )
    finally:
        await connection.close()
    return lags_of([(row["position"], row["recorded_at"].timestamp()) for row in rows], heard)


def lags_of(recorded: list[tuple[int, float]], heard: list[tuple[int, float]]) -> list[float]:
    """For each (position, recorded time), the seconds until the first of ``heard``
    (position, time) at or past it; none for one never heard of."""
    # The furthest position heard by each moment: positions only move forward, but a new
    # leader may announce again a position its predecessor reached.
    reached: list[int] = []
    moments: list[float] = []
    for position, moment in sorted(heard, key=lambda entry: entry[1]):
        if not reached or position > reached[-1]:
            reached.append(position)
            moments.append(moment)
    lags = []
    for position, moment in recorded:
        index = bisect.bisect_left(reached, position)
        if index < len(reached):
            lags.append(max(moments[index] - moment, 0.0))
    return lags


async def soak(
    url: str,
    size: SoakSize,
    *,
    embedded_projector: bool = False,
    failovers: int = 0,
    projector_log: Path | None = None,
) -> SoakFigures:
    """Run the soak on the migrated, empty PostgreSQL database at ``url``;
    ``AssertionError`` if any request failed, a read missed its write, memory grew, or a
    failover was slow or lost anything."""
    token = await make_token(url, "soak-writer", Role.WRITER)
    environ = {} if embedded_projector else {"TIMELINE_SERVE_PROJECTOR": "0"}
    handovers: list[float] = []
    equal_to_rebuild: bool | None = None
    async with contextlib.AsyncExitStack() as stack:
        projectors = None
        if not embedded_projector:
            count = 2 if failovers else 1
            projectors = stack.enter_context(projector_processes(url, count, projector_log))
        server = stack.enter_context(serving(url, workers=WORKERS, environ=environ))
        workers = uvicorn_workers(server.port)
        assert len(workers) == WORKERS, f"found workers {workers}"
        traffic = Traffic(
            server.graphql,
            token,
            clients=CLIENTS,
            write_share=0.2,
            timeout=30,
            prefix="soak",
        )
        heard: list[tuple[int, float]] = []  # (position, wall-clock time) of each batch

        def announced(reached: str) -> None:
            heard.append((int(reached), time.time()))

        await stack.enter_async_context(listening(url, PROJECTED_CHANNEL, announced))
        started = time.monotonic()
        warmed_up = time.time() + size.warm_up_seconds
        cpu_started = time.process_time()
        stop = asyncio.Event()
        load = asyncio.create_task(traffic.run(stop, started + size.seconds))
        probing = asyncio.create_task(probe(server.graphql, token, started + size.seconds))
        killing = None
        if failovers and projectors is not None:
            killing = asyncio.create_task(
                fail_over(server.http, projectors, failovers, started + size.seconds)
            )
        samples: list[tuple[float, int]] = []
        while not load.done():
            samples.append((time.monotonic() - started, sum(rss(pid) for pid in workers)))
            await asyncio.wait({load}, timeout=1)
        outcomes = await load
        elapsed = time.monotonic() - started
        cpu_seconds = time.process_time() - cpu_started
        visibility = await probing
        if killing is not None:
            handovers = await killing
            equal_to_rebuild = await matches_a_rebuild(url, server.http)
        else:
            await asyncio.sleep(LAST_BATCH_SECONDS)
        lags = await projector_lags(url, heard, warmed_up)
    figures, broken = judge(outcomes, samples, size, elapsed, visibility)
    figures.projector_lag_events = len(lags)
    figures.projector_lag_p50_ms = round(percentile(lags, 0.50) * 1000, 1)
    figures.projector_lag_p99_ms = round(percentile(lags, 0.99) * 1000, 1)
    figures.projector_lag_max_ms = round(max(lags, default=0.0) * 1000, 1)
    figures.generator_cpu_ms_per_request = round(cpu_seconds * 1000 / len(outcomes), 2)
    figures.failovers = len(handovers)
    figures.handover_seconds = [round(seconds, 3) for seconds in handovers]
    figures.handover_max_s = round(max(handovers, default=0.0), 3)
    figures.equal_to_rebuild = equal_to_rebuild
    if figures.handover_max_s >= HANDOVER_SECONDS:
        broken.append(f"slow handovers: {handovers}")
    if equal_to_rebuild is False:
        broken.append("the read models differ from a clean rebuild")
    if broken:
        raise SoakFailed("; ".join(broken), figures)
    return figures


async def matches_a_rebuild(url: str, http: str) -> bool:
    """Once the read models have caught up with the log, whether they equal a rebuild."""
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(600):
            if (await client.get(f"{http}/readyz")).json().get("lag") == 0:
                break
            await asyncio.sleep(0.05)
    before = await read_model_digests(url)
    rebuild = await asyncio.create_subprocess_exec(
        *CLI,
        "projections",
        "rebuild",
        env={**os.environ, "TIMELINE_DATABASE_URL": url},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await rebuild.wait() == 0, "timeline projections rebuild failed"
    return await read_model_digests(url) == before


def judge(
    outcomes: list[Outcome],
    samples: list[tuple[float, int]],
    size: SoakSize,
    elapsed: float,
    visibility: Visibility,
) -> tuple[SoakFigures, list[str]]:
    """The run's figures, and what of it broke a rule (nothing, for a good run)."""
    figures = SoakFigures(seconds=round(elapsed, 1), requests=len(outcomes))
    figures.visible_probes = len(visibility.seconds)
    figures.visible_p50_ms = round(percentile(visibility.seconds, 0.50) * 1000, 1)
    figures.visible_p99_ms = round(percentile(visibility.seconds, 0.99) * 1000, 1)
    figures.stale_reads = visibility.stale
    figures.unavailable_probes = visibility.unavailable
    figures.reads = sum(o.kind == "read" for o in outcomes)
    figures.writes = sum(o.kind == "write" for o in outcomes)
    failed = [o for o in outcomes if not o.ok]
    figures.errors = len(failed)
    figures.requests_per_second = round(len(outcomes) / elapsed, 1)
    every = [o.seconds * 1000 for o in outcomes]
    figures.p50_ms = round(percentile(every, 0.50), 1)
    figures.p95_ms = round(percentile(every, 0.95), 1)
    figures.p99_ms = round(percentile(every, 0.99), 1)
    figures.max_ms = round(max(every), 1)
    figures.write_p99_ms = round(
        percentile([o.seconds * 1000 for o in outcomes if o.kind == "write"], 0.99), 1
    )
    figures.read_p99_ms = round(
        percentile([o.seconds * 1000 for o in outcomes if o.kind == "read"], 0.99), 1
    )
    megabytes = [(moment, total / 2**20) for moment, total in samples]
    warm = [mb for moment, mb in megabytes if moment <= size.warm_up_seconds]
    assert warm, "no memory sample during the warm-up"
    figures.rss_after_warm_up_mb = round(warm[-1], 1)
    figures.rss_at_end_mb = round(megabytes[-1][1], 1)
    figures.rss_peak_mb = round(max(mb for _, mb in megabytes), 1)
    figures.rss_growth_after_warm_up = round(
        figures.rss_at_end_mb / figures.rss_after_warm_up_mb - 1, 3
    )
    # About thirty samples are enough to show the curve.
    figures.rss_samples_mb = [round(mb, 1) for _, mb in megabytes[:: max(1, len(megabytes) // 30)]]
    broken = [
        *([f"{len(failed)} requests failed, e.g. {failed[:3]}"] if failed else []),
        *([] if visibility.seconds else ["no probe ran"]),
        *(
            [f"{visibility.stale} reads missed the write they asked for"]
            if visibility.stale
            else []
        ),
        *(
            [f"memory grew {figures.rss_growth_after_warm_up:.1%} after the warm-up"]
            if figures.rss_growth_after_warm_up >= MAX_GROWTH
            else []
        ),
    ]
    return figures, broken


def uvicorn_workers(port: int) -> list[int]:
    """The worker processes of the ``timeline serve --port PORT`` supervisor."""
    supervisor = next(
        pid for pid, command in _processes() if "serve" in command and str(port) in command
    )
    # Its other child is multiprocessing's resource tracker.
    return [
        pid
        for pid, command in _processes()
        if _parent(pid) == supervisor and any("spawn_main" in part for part in command)
    ]


def rss(pid: int) -> int:
    """Resident set size in bytes (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _processes() -> list[tuple[int, list[str]]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            found.append((int(entry.name), [part.decode(errors="replace") for part in command]))
    return found


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # The command name (in parentheses) may hold spaces: the fields after it are fixed.
    return int(stat.rpartition(")")[2].split()[1])


async def _main() -> None:
    options = arguments(
        __doc__ or "",
        ("--embedded-projector", "no projector process: the workers elect one of theirs"),
        numbers=(
            ("--seconds", "the run's length (a fifth of it is warm-up)"),
            ("--failover", "kill -9 the leading projector this many times during the run"),
        ),
        paths=(("--projector-log", "the projectors' logs, every batch timed, to this file"),),
    )
    load_before = os.getloadavg()
    size = FULL if options.full else SHORT
    if options.seconds:
        size = SoakSize(seconds=options.seconds, warm_up_seconds=options.seconds / 5)
    async with throwaway_postgres("soak") as url:
        try:
            figures = await soak(
                url,
                size,
                embedded_projector=options.embedded_projector,
                failovers=int(options.failover or 0),
                projector_log=options.projector_log,
            )
        except SoakFailed as failure:
            # What a failed run measured is still worth reading beside the reason.
            publish({**asdict(size), **asdict(failure.figures)}, options.json, load_before)
            raise
    publish({**asdict(size), **asdict(figures)}, options.json, load_before)


if __name__ == "__main__":
    uvloop.run(_main())  # the generator shares the CPU with what it measures
