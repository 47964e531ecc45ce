"""Rebuilding every read model from zero: events per second and peak memory.

The log (a million corpus events by default) is loaded once and cached (``rebuild_log``).
Each repeat rebuilds every read model in a child process of its own (``rebuild_child``):
both projections replayed in one pass over the log (``ProjectionRunner.rebuild_all``) into
shadow tables and swapped in, on the cached database itself (a rebuild replaces read models
with equal ones). The rate is the log's events over the rebuild's seconds; the peak is the
child's resident high-water mark (``VmHWM``), so the parent's corpus is not counted. The
peer keeps no read model that a rebuild would replay into: its column is "-".
"""

from __future__ import annotations

import asyncio
import json
import pstats
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.databases import Databases
from bench.rebuild_log import LoadedLogs
from bench.report import RESULTS_DIRECTORY, Comparison, Run, Target
from bench.suite import Settings

REBUILD_EVENTS = 1_000_000
TARGET = Target("rate", 50_000)
MEMORY_TARGET_MB = 300.0
_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class RebuildComparison(Comparison):
    """A rebuild's rate beside its peak memory, with the target on both."""

    peak_mb: tuple[float, ...] = ()

    def summary(self) -> dict[str, Any]:
        found = Comparison.summary(self)
        peak = statistics.median(self.peak_mb)
        found["ours"]["peak_memory_mb"] = peak
        found["ours"]["runs_peak_memory_mb"] = list(self.peak_mb)
        found["target"]["memory_mb"] = MEMORY_TARGET_MB
        found["target"]["text"] = f"{TARGET.describe()}, < {MEMORY_TARGET_MB:.0f} MB"
        found["met"] = bool(found["met"]) and peak < MEMORY_TARGET_MB
        return found


async def run(settings: Settings, databases: Databases) -> list[Comparison]:
    events = settings.events_or(REBUILD_EVENTS)
    logs = LoadedLogs(databases, events, settings.seed)
    results: list[Comparison] = []
    for backend in settings.backends:
        url = await logs.url(backend)
        repeats = []
        for repeat in range(settings.repeats):
            profile = None
            if settings.profiler is not None:
                profile = RESULTS_DIRECTORY / f"rebuild-{backend}-{repeat}-child.pstats"
            with settings.ours():  # the parent only waits; the child has its own profile
                repeats.append(await _rebuild_in_child(url, profile))
            if profile is not None:
                print(f"the rebuild's own profile ({backend}), by own time: {profile}")
                pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)
        seconds = [found["seconds"]["all"] for found in repeats]
        cpu = statistics.median(found["seconds"]["cpu"] for found in repeats)
        peaks = tuple(found["peak_kib"] / 1024 for found in repeats)
        notes = (
            f"both projections in one pass, in a child process; median peak"
            f" {statistics.median(peaks):.0f} MB; median CPU {cpu:.1f} s of the child"
            f" ({repeats[0]['events'] / cpu:,.0f} events per CPU second); the peer has no read"
            " model to rebuild"
        )
        print(f"rebuild {backend}: {notes}")
        results.append(
            RebuildComparison(
                "rebuild",
                backend,
                Run("timeline", repeats[0]["events"], seconds),
                None,
                TARGET,
                notes=notes,
                peak_mb=peaks,
            )
        )
    return results


async def _rebuild_in_child(url: str, profile: Path | None) -> dict[str, Any]:
    arguments = [sys.executable, "-m", "bench.rebuild_child", url]
    if profile is not None:
        arguments += ["--profile", str(profile)]
    child = await asyncio.create_subprocess_exec(
        *arguments, cwd=_ROOT, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the rebuild's child process failed ({child.returncode})")
    found: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    return found
