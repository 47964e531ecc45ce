"""The wheel installs anywhere: built from this checkout, installed with its dependencies in
a fresh virtual environment, it migrates, seeds and serves from an empty directory, with no
file of the checkout in reach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.servers import serving
from timeline.cli.seeding import DEFAULT_SEEDS
from timeline.corpus import load_corpus

REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point a child at the checkout."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TIMELINE_", "PYTHON", "VIRTUAL_ENV"))
    }


def run(cwd: Path, *command: str | Path) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_the_wheel_migrates_seeds_and_serves_from_an_empty_directory(tmp_path: Path) -> None:
    dist, venv, empty = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    empty.mkdir()
    pip_wheel = ("-m", "pip", "wheel", REPOSITORY, "--no-deps", "--no-build-isolation", "-q")
    run(tmp_path, sys.executable, *pip_wheel, "-w", dist)
    (wheel,) = dist.glob("timeline-*.whl")
    run(tmp_path, sys.executable, "-m", "venv", venv)
    run(tmp_path, venv / "bin" / "pip", "install", "-q", wheel)
    timeline = venv / "bin" / "timeline"

    installed = run(
        empty, venv / "bin" / "python", "-c", "import timeline; print(timeline.__file__)"
    )
    assert installed.strip().startswith(str(venv)), installed
    assert "schema at" in run(empty, timeline, "db", "upgrade")
    assert "recorded" in run(empty, timeline, "seed")
    # The wheel's seeds are the checkout's: a second run finds every entry already there.
    entries = len(load_corpus(DEFAULT_SEEDS))
    again = " ".join(run(empty, timeline, "seed").split())
    assert f"all {entries} seed entries are already in the log" in again
    # The database, and the lock file beside it that elects its projector (kept: removing
    # a lock file another process may hold open would let two processes lead).
    assert sorted(path.name for path in empty.iterdir()) == [
        "timeline.db",
        "timeline.db-projector.lock",
    ]

    with serving("sqlite:///timeline.db", program=[str(timeline)], cwd=empty) as server:
        assert httpx.get(f"{server.http}/readyz", timeout=10).status_code == 200
        answer = httpx.post(
            server.graphql, json={"query": "{ measures { key } }"}, timeout=10
        ).json()
        assert {"key": "uk-payments-to-france"} in answer["data"]["measures"]
