"""``timeline serve``'s options reach its workers, which build their app from the
environment: the flag and its environment variable must agree."""

from __future__ import annotations

import os

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from timeline.cli import serve


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """uvicorn.run's calls, not made: the workers' environment is what is under test."""
    # serve() writes these into this process's environment: put back what was there, or
    # every server a later test starts inherits them (a deleted metrics directory: 500s).
    for name in ("TIMELINE_SERVE_PROJECTOR", "TIMELINE_LOG_LEVEL", serve.MULTIPROCESS_DIR):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    return calls


def invoke(*arguments: str) -> int:
    app = typer.Typer()
    app.command()(serve.serve)
    return CliRunner().invoke(app, list(arguments)).exit_code


@pytest.mark.parametrize(
    ("environ", "arguments", "expected"),
    [
        ("", (), "1"),
        ("0", (), "0"),  # a supervisor that says so in the environment is obeyed
        ("1", ("--no-projector",), "0"),
        ("0", ("--projector",), "1"),
    ],
)
def test_the_projector_flag_and_its_variable_agree(
    runs: list[dict[str, object]],
    monkeypatch: pytest.MonkeyPatch,
    environ: str,
    arguments: tuple[str, ...],
    expected: str,
) -> None:
    if environ:
        monkeypatch.setenv("TIMELINE_SERVE_PROJECTOR", environ)
    else:
        monkeypatch.delenv("TIMELINE_SERVE_PROJECTOR", raising=False)

    assert invoke(*arguments) == 0
    assert len(runs) == 1
    assert os.environ["TIMELINE_SERVE_PROJECTOR"] == expected


def test_several_workers_share_a_metrics_directory_that_goes_with_the_server(
    runs: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda *args, **kwargs: seen.append(os.environ[serve.MULTIPROCESS_DIR])
    )

    assert invoke("--workers", "2") == 0

    [directory] = seen
    assert not os.path.exists(directory)
    assert runs == []
