"""What a benchmark found: ours beside the peer, the ratio and the target, as a table and JSON.

Each measurement is repeated; a run's figure is the median over its repeats, and every
repeat is kept in the JSON so that the spread can be seen. Latencies are pooled over the
repeats before their percentiles are taken.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

RESULTS_DIRECTORY = Path(__file__).parent / "results"


@dataclass(frozen=True, slots=True)
class Target:
    """What the issue asks: a ratio to the peer, or a rate in events per second; with a
    bound on our p99 latency too where it sets one."""

    kind: Literal["ratio", "rate"]
    value: float
    versus: str = "peer"
    """What the ratio is to (graphql-http compares with its ceiling)."""
    p99_ms: float | None = None

    def describe(self) -> str:
        if self.kind == "ratio":
            text = f">= {self.value:g}x {self.versus}"
        else:
            text = f">= {self.value:,.0f}/s"
        return text if self.p99_ms is None else f"{text}, p99 < {self.p99_ms:g} ms"

    def met(self, ours: float, ratio: float | None, p99_ms: float | None = None) -> bool | None:
        if self.kind == "rate":
            found: bool | None = ours >= self.value
        else:
            found = None if ratio is None else ratio >= self.value
        if found and self.p99_ms is not None:
            return p99_ms is not None and p99_ms < self.p99_ms
        return found


@dataclass(frozen=True, slots=True)
class Run:
    """One system's repeats of one measurement."""

    system: str
    events: int
    seconds: list[float]
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def rates(self) -> list[float]:
        return [self.events / s for s in self.seconds]

    @property
    def events_per_second(self) -> float:
        return statistics.median(self.rates)

    def percentile_ms(self, percent: int) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
        return ordered[index]

    def summary(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "events": self.events,
            "events_per_second": self.events_per_second,
            "runs_events_per_second": self.rates,
            "seconds": self.seconds,
            "p50_ms": self.percentile_ms(50),
            "p99_ms": self.percentile_ms(99),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Ours and the peer on one backend for one benchmark."""

    benchmark: str
    backend: str
    ours: Run
    peer: Run | None
    target: Target | None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.peer is None:
            return None
        return self.ours.events_per_second / self.peer.events_per_second

    def summary(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "backend": self.backend,
            "ours": self.ours.summary(),
            "peer": None if self.peer is None else self.peer.summary(),
            "ratio": self.ratio,
            "target": None
            if self.target is None
            else {**asdict(self.target), "text": self.target.describe()},
            "met": None
            if self.target is None
            else self.target.met(
                self.ours.events_per_second, self.ratio, self.ours.percentile_ms(99)
            ),
            "notes": self.notes,
        }


def document(
    name: str, conditions: dict[str, Any], results: Sequence[Comparison]
) -> dict[str, Any]:
    """The JSON document of one command: what ran, under which conditions, and what it found."""
    return {
        "benchmark": name,
        "conditions": conditions,
        "results": [result.summary() for result in results],
    }


def write_json(report: dict[str, Any], path: Path | None) -> Path:
    """Write ``report`` to ``path``, or to bench/results/<name>-<date>.json; return the path."""
    if path is None:
        stamp = str(report["conditions"]["date"]).replace(":", "").replace("-", "")[:15]
        path = RESULTS_DIRECTORY / f"{report['benchmark']}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def print_table(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(width=150)
    conditions = report["conditions"]
    table = Table(title=f"timeline vs eventsourcing: {report['benchmark']}")
    for column in ("benchmark", "backend", "N", "ours /s", "ours p50/p99 ms"):
        table.add_column(column, justify="right" if column != "benchmark" else "left")
    for column in ("peer /s", "peer p50/p99 ms", "ratio", "target", "met"):
        table.add_column(column, justify="right")
    for result in report["results"]:
        table.add_row(
            *_compared(result),
            _target(result),
            {True: "yes", False: "NO", None: "-"}[result["met"]],
        )
    console.print(table)
    console.print(
        f"{conditions['date']}  {conditions['machine']}  repeats={conditions['repeats']}  "
        f"load before/after={conditions['load_before']}/{conditions['load_after']}"
    )
    for backend, durability in conditions["durability"].items():
        console.print(f"{backend} durability: {durability}")


def markdown(report: dict[str, Any]) -> str:
    """The table as Markdown, for bench/README.md."""
    lines = [
        "| benchmark | backend | N | ours /s | p50/p99 ms | peer /s | p50/p99 ms "
        "| ratio | target | met |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for result in report["results"]:
        cells = [
            *_compared(result),
            _target(result).replace(">=", "≥"),
            {True: "yes", False: "**no**", None: "-"}[result["met"]],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _compared(result: dict[str, Any]) -> list[str]:
    """The cells the table and its Markdown share: what ran, both systems and the ratio."""
    ours, peer = result["ours"], result["peer"]
    return [
        result["benchmark"],
        result["backend"],
        f"{ours['events']:,}",
        _rate(ours),
        _latency(ours),
        "-" if peer is None else _rate(peer),
        "-" if peer is None else _latency(peer),
        "-" if result["ratio"] is None else f"{result['ratio']:.2f}x",
    ]


def _rate(run: dict[str, Any]) -> str:
    """The median rate, naming the system when it is not one of the two compared."""
    rate = f"{run['events_per_second']:,.0f}"
    if run["system"] in ("timeline", "eventsourcing"):
        return rate
    return f"{rate} ({run['system']})"


def _target(result: dict[str, Any]) -> str:
    return "-" if result["target"] is None else str(result["target"]["text"])


def _latency(run: dict[str, Any]) -> str:
    if run["p50_ms"] is None:
        return "-"
    return f"{run['p50_ms']:.2f}/{run['p99_ms']:.2f}"
