"""The child process of the rebuild benchmark: ``python -m bench.rebuild_child URL``.

It rebuilds every read model of the database at URL from its log in one pass
(``ProjectionRunner.rebuild_all``) and prints one JSON line: the events in the log, the
seconds it took (wall and CPU), and the process's peak resident memory (``VmHWM``), which
counts nothing of the parent's corpus. With ``--profile PATH`` it writes a cProfile of the
rebuild there.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.collector import tune_collector
from timeline.store import codec
from timeline.store.factory import open_event_store, open_projection_store


async def rebuild(url: str, profiler: cProfile.Profile | None) -> dict[str, Any]:
    store = await open_event_store(url)
    projections = await open_projection_store(url)
    seconds: dict[str, float] = {}
    try:
        runner = ProjectionRunner(store, codec, projections)
        events = await store.head_position()
        if profiler is not None:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        await runner.rebuild_all(PROJECTIONS)
        seconds["all"] = time.perf_counter() - started
        seconds["cpu"] = time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
    finally:
        await projections.close()
        await store.close()
    # "cpu": this process's CPU time (both its threads; not the server's), which says what
    # the rebuild costs when other work on the machine stretches the wall time.
    return {"events": events, "seconds": seconds, "peak_kib": peak_kib()}


def peak_kib() -> int:
    """This process's peak resident set size so far, in KiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main(arguments: list[str]) -> None:
    url, *rest = arguments
    tune_collector()  # as the timeline command has it (timeline.collector)
    profiler = cProfile.Profile() if rest[:1] == ["--profile"] else None
    found = asyncio.run(rebuild(url, profiler))
    if profiler is not None:
        profiler.dump_stats(rest[1])
    print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1:])
