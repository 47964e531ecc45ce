"""Every benchmark runs end to end on a tiny corpus and writes the JSON it promises.

Nothing here is timed: the figures only have to be there and be sane. The benchmarks
themselves are run by hand (``python -m bench all``), never as assertions in the suite.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench import graphql_cpu, graphql_http
from bench.__main__ import app
from bench.graphql_http_load import QUANTILES, LoadFailed, parse_wrk
from bench.rebuild_log import CACHE_ENV
from bench.report import Target
from bench.suite import benchmarks
from tests.conftest import POSTGRES_ADMIN_URL, PostgresServer
from tests.reliability.traffic import READS

EVENTS = 40
BENCHMARKS = {"append-single", "append-batch", "read-all"}
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def run_bench(path: Path, *arguments: str) -> tuple[str, dict[str, Any]]:
    """``python -m bench ARGUMENTS`` once, its JSON written to ``path``: the output and the
    report."""
    options = ["--repeats", "1", "--json", str(path), "--postgres-url", POSTGRES_ADMIN_URL]
    result = CliRunner().invoke(app, [*arguments, *options])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(path.read_text())
    return result.output, report


def run_all(backend: str, path: Path) -> dict[str, Any]:
    output, report = run_bench(path, "all", "--backend", backend, "--events", str(EVENTS))
    for name in BENCHMARKS:
        assert name in output
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
    # Reading states each side's CPU beside its wall clock, which the machine's load moves.
    assert re.search(
        r"CPU µs an event .*: ours \d+\.\d\d, peer \d+\.\d\d$", results["read-all"]["notes"]
    )


def test_every_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    check(run_all("sqlite", tmp_path / "report.json"), "sqlite")


@pytest.mark.postgres
def test_every_benchmark_runs_on_postgres(postgres_server: PostgresServer, tmp_path: Path) -> None:
    check(run_all("postgres", tmp_path / "report.json"), "postgres")


def run_limits(backend: str, path: Path) -> dict[str, Any]:
    return run_bench(path, "limits", "--backend", backend, "--events", str(EVENTS))[1]


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


def run_graphql_http(backend: str, path: Path) -> dict[str, Any]:
    arguments = ["graphql-http", "--backend", backend, "--events", str(EVENTS), "--seconds", "4"]
    return run_bench(path, *arguments)[1]


@pytest.mark.parametrize(
    ("backend", "load"),
    [
        ("sqlite", "python"),
        pytest.param("sqlite", "wrk", marks=needs_wrk),
        pytest.param("postgres", "python", marks=pytest.mark.postgres),
    ],
)
def test_graphql_over_http_runs_beside_its_ceiling(
    backend: str,
    load: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend == "postgres":
        request.getfixturevalue("postgres_server")  # skips or fails as the suite does
    monkeypatch.setattr(graphql_http, "generator", lambda: load)
    [result] = run_graphql_http(backend, tmp_path / "graphql.json")["results"]
    assert (result["benchmark"], result["backend"]) == ("graphql-http", backend)
    assert (result["ours"]["system"], result["peer"]["system"]) == ("timeline", "starlette-json")
    for run in (result["ours"], result["peer"]):
        assert 0 < run["events_per_second"] < math.inf
        assert 0 < run["p50_ms"] <= run["p99_ms"]
    assert result["ratio"] == pytest.approx(
        result["ours"]["events_per_second"] / result["peer"]["events_per_second"]
    )
    assert result["target"]["kind"] == "ratio"
    assert result["target"]["text"] == ">= 1x ceiling, p99 < 100 ms"
    assert result["met"] == (result["ratio"] >= 1.0 and result["ours"]["p99_ms"] < 100)
    assert result["notes"].startswith(load)


WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8000/graphql
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.15ms   10.11ms  80.02ms   70.00%
    Req/Sec   400.00     20.00   450.00     80.00%
  Latency Distribution
     50%   39.50ms
     75%   45.00ms
     90%   55.00ms
     99%   79.00ms
  800 requests in 1.00s, 8.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    800.00
Transfer/sec:      8.00MB
"""


def test_wrk_output_is_read_and_its_errors_fail_the_run() -> None:
    quantiles = "".join(
        f"bench-quantile {39_500 if i <= QUANTILES // 2 else 79_000}\n" for i in range(QUANTILES)
    )
    load = parse_wrk(WRK_OUTPUT + "bench-summary 800 1000000 0 0 0 0 3\n" + quantiles)
    assert (load.requests, load.seconds, load.requests_per_second) == (800, 1.0, 800.0)
    assert (load.latencies_ms[QUANTILES // 2], load.latencies_ms[-1]) == (39.5, 79.0)
    assert load.errors["non_2xx_3xx"] == 3
    with pytest.raises(LoadFailed, match="non_2xx_3xx"):
        load.check()


def run_read_models(backend: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # Nothing cached: the tiny log is made in the run's own databases and dropped after it.
    monkeypatch.setenv(CACHE_ENV, "off")
    arguments = ["rebuild", "time-travel", "--backend", backend, "--events", str(EVENTS)]
    return run_bench(path, *arguments)[1]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_rebuild_and_time_travel_run_without_a_peer(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if backend == "postgres":
        request.getfixturevalue("postgres_server")
    report = run_read_models(backend, tmp_path / "read-models.json", monkeypatch)
    results = {result["benchmark"]: result for result in report["results"]}
    assert set(results) == {
        "rebuild",
        "time-travel-page",
        "time-travel-count",
        "time-travel-total",
    }
    for result in results.values():
        assert result["backend"] == backend
        assert result["peer"] is None
        assert result["ratio"] is None
        assert result["ours"]["events"] == EVENTS  # the log's size, whatever was counted
        assert isinstance(result["met"], bool)

    rebuild = results["rebuild"]["ours"]
    assert_sane_run(rebuild, latencies=False)
    assert 0 < rebuild["peak_memory_mb"] < math.inf
    assert rebuild["runs_peak_memory_mb"] == [rebuild["peak_memory_mb"]]
    assert results["rebuild"]["target"]["memory_mb"] == 300

    for name in ("time-travel-page", "time-travel-count", "time-travel-total"):
        ours = results[name]["ours"]
        assert ours["queries"] == 200
        assert 0 < ours["p50_ms"] <= ours["p99_ms"]
        assert results[name]["target"]["kind"] == "latency"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_our_cpu_per_request_is_measured_for_each_of_the_soaks_reads_and_its_write(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "postgres":
        request.getfixturevalue("postgres_server")
    arguments = ["graphql-cpu", "--backend", backend, "--events", str(EVENTS)]
    output, report = run_bench(tmp_path / "cpu.json", *arguments)
    names = [f"graphql-cpu {query.name}" for query in graphql_cpu.queries()]
    assert len(names) == len(READS) + 1  # the floor, then each read
    names.append(f"graphql-cpu {graphql_cpu.WRITES}")  # then the write
    assert [result["benchmark"] for result in report["results"]] == names
    for result in report["results"]:
        assert (result["backend"], result["peer"], result["target"]) == (backend, None, None)
        ours = result["ours"]
        assert ours["events"] == graphql_cpu.REQUESTS
        assert 0 < ours["events_per_second"] < math.inf
        assert 0 < ours["p50_ms"] <= ours["p99_ms"]
        assert re.search(r"µs of CPU per request, by repeat: \d+$", result["notes"])
    assert output.count("µs of CPU per request") == len(names)


def test_the_help_names_every_benchmark() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    described = " ".join(result.output.split())
    for name in benchmarks():
        assert name in described


def test_a_cached_log_leaves_only_its_database_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    arguments = ["rebuild", "--backend", "sqlite", "--events", str(EVENTS)]
    run_bench(tmp_path / "rebuild.json", *arguments)
    [database] = cache.glob("*.db")
    assert not list(cache.glob("*.partial*"))  # no half-made file, nor its lock files
    assert {path.name for path in cache.iterdir()} <= {
        database.name,
        *(f"{database.name}-rebuild-{name}.lock" for name in ("timeline", "measures")),
    }


@pytest.mark.parametrize(
    ("ratio", "p99_ms", "met"),
    [(1.1, 90.0, True), (1.1, 100.0, False), (0.9, 90.0, False), (1.1, None, False)],
)
def test_a_target_with_a_latency_bound_needs_both(
    ratio: float, p99_ms: float | None, met: bool
) -> None:
    assert graphql_http.TARGET.met(1.0, ratio, p99_ms) is met
    assert Target("ratio", 0.5).met(1.0, ratio, p99_ms) is (ratio >= 0.5)
