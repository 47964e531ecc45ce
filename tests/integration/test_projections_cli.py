"""``timeline projections`` and ``timeline seed`` on both backends."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from tests.integration.projection_snapshots import folded_rows, logged_events, stored_rows
from timeline.application.read_models import MEASURES, PROJECTIONS, TIMELINE
from timeline.cli import app
from timeline.store import migrations
from timeline.store.factory import open_event_store


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIMELINE_DATABASE_URL", database_url)
    return CliRunner()


def status_rows(cli: CliRunner) -> dict[str, list[str]]:
    result = cli.invoke(app, ["projections", "status"])
    assert result.exit_code == 0, result.output
    cells = [line.replace("│", " ").split() for line in result.stdout.splitlines()]
    return {row[0]: row[1:4] for row in cells if row and row[0] in PROJECTIONS}


async def expected(url: str, name: str) -> dict[str, list[str]]:
    store = await open_event_store(url)
    try:
        log = await logged_events(store)
        return folded_rows(log, name, await store.head_position())
    finally:
        await store.close()


def test_seeding_leaves_the_projections_caught_up(cli: CliRunner, database_url: str) -> None:
    assert status_rows(cli) == {MEASURES: ["0", "0", "0"], TIMELINE: ["0", "0", "0"]}

    seeded = cli.invoke(app, ["seed"])

    assert seeded.exit_code == 0, seeded.output
    rows = status_rows(cli)
    head = rows[TIMELINE][1]
    assert int(head) > 0
    assert rows == {MEASURES: [head, head, "0"], TIMELINE: [head, head, "0"]}
    for name in PROJECTIONS:
        stored = asyncio.run(stored_rows(database_url, name))
        assert stored == asyncio.run(expected(database_url, name))


@pytest.mark.parametrize("names", [[], [TIMELINE], [MEASURES]])
def test_rebuild_replaces_each_projection_with_the_same_content(
    cli: CliRunner, database_url: str, names: list[str]
) -> None:
    cli.invoke(app, ["seed"])
    before = {name: asyncio.run(stored_rows(database_url, name)) for name in PROJECTIONS}

    result = cli.invoke(app, ["projections", "rebuild", *names])

    assert result.exit_code == 0, result.output
    for name in names or PROJECTIONS:
        assert f"rebuilt {name} up to position" in result.output
    after = {name: asyncio.run(stored_rows(database_url, name)) for name in PROJECTIONS}
    assert after == before
    # Swapped tables carry the live names of their indexes and keys: no schema drift.
    asyncio.run(migrations.check(database_url))


def test_rebuild_refuses_an_unknown_projection(cli: CliRunner) -> None:
    result = cli.invoke(app, ["projections", "rebuild", "nope"])

    assert result.exit_code == 1
    assert "no projection 'nope'" in result.output


@pytest.mark.parametrize(
    "command", [["projections"], ["projections", "rebuild"], ["projections", "status"]]
)
def test_projection_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output
