"""Every benchmark runs end to end on a tiny corpus and writes the JSON it promises.

Nothing here is timed: the figures only have to be there and be sane. The benchmarks
themselves are run by hand (``python -m bench all``), never as assertions in the suite.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.__main__ import app
from tests.conftest import POSTGRES_ADMIN_URL, PostgresServer

EVENTS = 40
BENCHMARKS = {"append-single", "append-batch", "read-all"}


def run_all(backend: str, path: Path) -> dict[str, Any]:
    arguments = ["all", "--backend", backend, "--events", str(EVENTS), "--repeats", "1"]
    arguments += ["--json", str(path), "--postgres-url", POSTGRES_ADMIN_URL]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    for name in BENCHMARKS:
        assert name in result.output
    report: dict[str, Any] = json.loads(path.read_text())
    return report


def assert_sane_run(run: dict[str, Any], *, latencies: bool) -> None:
    assert run["events"] == EVENTS
    assert len(run["runs_events_per_second"]) == len(run["seconds"]) == 1
    assert 0 < run["events_per_second"] < math.inf
    assert all(seconds > 0 for seconds in run["seconds"])
    if latencies:
        assert 0 < run["p50_ms"] <= run["p99_ms"]
    else:
        assert run["p50_ms"] is None


def check(report: dict[str, Any], backend: str) -> None:
    assert report["benchmark"] == "all"
    conditions = report["conditions"]
    for key in ("date", "machine", "load_before", "load_after", "python", "sqlite", "commit"):
        assert conditions[key]
    assert (conditions["events"], conditions["repeats"]) == (EVENTS, 1)
    durability = conditions["durability"][backend]
    # The comparison is only fair at the same durability.
    assert durability["timeline"] == durability["eventsourcing"]

    results = {result["benchmark"]: result for result in report["results"]}
    assert set(results) == BENCHMARKS
    for name, result in results.items():
        assert result["backend"] == backend
        assert_sane_run(result["ours"], latencies=name != "read-all")
        assert_sane_run(result["peer"], latencies=name != "read-all")
        assert result["ours"]["system"] == "timeline"
        assert result["peer"]["system"] == "eventsourcing"
        ratio = result["ours"]["events_per_second"] / result["peer"]["events_per_second"]
        assert result["ratio"] == pytest.approx(ratio)
        assert result["target"]["kind"] in {"ratio", "rate"}
        assert isinstance(result["met"], bool)


def test_every_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    check(run_all("sqlite", tmp_path / "report.json"), "sqlite")


@pytest.mark.postgres
def test_every_benchmark_runs_on_postgres(postgres_server: PostgresServer, tmp_path: Path) -> None:
    check(run_all("postgres", tmp_path / "report.json"), "postgres")


def run_limits(backend: str, path: Path) -> dict[str, Any]:
    arguments = ["limits", "--backend", backend, "--events", str(EVENTS), "--repeats", "1"]
    arguments += ["--json", str(path), "--postgres-url", POSTGRES_ADMIN_URL]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(path.read_text())
    return report


@pytest.mark.parametrize(
    ("backend", "drivers"),
    [
        ("sqlite", ("aiosqlite", "sqlite3")),
        pytest.param("postgres", ("asyncpg", "psycopg"), marks=pytest.mark.postgres),
    ],
)
def test_the_driver_floors_run_without_a_target(
    backend: str, drivers: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "postgres":
        request.getfixturevalue("postgres_server")  # skips or fails as the suite does
    [result] = run_limits(backend, tmp_path / "limits.json")["results"]
    assert (result["benchmark"], result["backend"]) == ("limits", backend)
    assert (result["ours"]["system"], result["peer"]["system"]) == drivers
    assert_sane_run(result["ours"], latencies=False)
    assert_sane_run(result["peer"], latencies=False)
    assert result["target"] is None
    assert result["met"] is None
