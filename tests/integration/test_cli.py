"""The command line on a real database, on both backends: seed, tail, verify, db."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.test_verify import tamper
from timeline.cli import app
from timeline.cli.seeding import DEFAULT_SEEDS
from timeline.collector import YOUNG_THRESHOLD
from timeline.store import migrations
from timeline.store.sql.tables import events


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIMELINE_DATABASE_URL", database_url)
    return CliRunner()


def tail_jsonl(cli: CliRunner) -> list[dict[str, object]]:
    result = cli.invoke(app, ["events", "tail", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_seeding_twice_gives_the_same_log(cli: CliRunner) -> None:
    first = cli.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    assert "recorded 31 facts and 7 corroborations" in first.output
    log = tail_jsonl(cli)

    second = cli.invoke(app, ["seed"])

    assert second.exit_code == 0, second.output
    assert "nothing to add: all 38 seed entries are already in the log" in second.output
    assert tail_jsonl(cli) == log


def test_tail_shows_the_corpus_in_global_order(cli: CliRunner) -> None:
    cli.invoke(app, ["seed"])

    events = tail_jsonl(cli)
    text = cli.invoke(app, ["events", "tail", "--from", "5"]).stdout

    assert [event["position"] for event in events] == list(range(1, len(events) + 1))
    types = {str(event["event_type"]) for event in events}
    assert types == {"FactRecorded", "FactCorroborated", "MeasureRegistered"}
    assert "Keir Starmer scrapped the Rwanda asylum scheme" in text
    assert text.splitlines()[0].split()[0] == "6"


def test_verify_passes_on_the_seeded_log(cli: CliRunner) -> None:
    cli.invoke(app, ["seed"])

    result = cli.invoke(app, ["verify"])

    assert result.exit_code == 0, result.output
    assert "hash chain intact" in result.output


async def test_verify_names_the_first_tampered_position_and_fails(
    cli: CliRunner, database_url: str
) -> None:
    # The CLI runs its own event loop, so it runs in a thread beside this test's loop.
    await asyncio.to_thread(cli.invoke, app, ["seed"])
    await tamper(
        database_url,
        [events.update().where(events.c.position == 7).values(payload={"forged": True})],
    )

    result = await asyncio.to_thread(cli.invoke, app, ["verify"])

    assert result.exit_code == 1, result.output
    assert "broken at position 7" in result.output


def test_a_bad_seed_file_is_named_and_nothing_is_written(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "000_bad.yaml"
    good = (DEFAULT_SEEDS / "000_8aac7eb8d5369df6.yaml").read_text(encoding="utf-8")
    bad.write_text(
        good.replace("000_8aac7eb8d5369df6.txt", "000_bad.txt").replace(
            "qualifier: MORE_THAN", "qualifier: LOTS"
        ),
        encoding="utf-8",
    )

    result = cli.invoke(app, ["seed", "--path", str(tmp_path)])

    assert result.exit_code == 2
    assert "000_bad.yaml" in result.output
    assert "unknown qualifier 'LOTS'" in result.output
    assert tail_jsonl(cli) == []


def test_db_current_names_the_head_revision(cli: CliRunner) -> None:
    result = cli.invoke(app, ["db", "current"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == migrations.head_revision()


@pytest.mark.parametrize(
    "command", [["replay"], ["seed"], ["events", "tail"], ["verify"], ["projections", "status"]]
)
def test_a_command_on_a_database_without_the_schema_says_to_upgrade_it(
    unmigrated_database_url: str, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("TIMELINE_DATABASE_URL", unmigrated_database_url)

    result = CliRunner().invoke(app, command)

    assert result.exit_code == 1, result.output
    assert "run `timeline db upgrade`" in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_db_refuses_an_unknown_revision_with_a_message(cli: CliRunner, command: str) -> None:
    before = cli.invoke(app, ["db", "current"]).stdout

    result = cli.invoke(app, ["db", command, "nonexistent"])

    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Can't locate revision identified by 'nonexistent'" in result.output
    assert "Traceback" not in result.output
    assert cli.invoke(app, ["db", "current"]).stdout == before


@pytest.mark.parametrize(
    "command",
    [[], ["db"], ["events"], ["events", "tail"], ["seed"], ["verify"], ["db", "upgrade"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_the_command_freezes_its_start_up_and_collects_the_young_less_often() -> None:
    # In a process of its own: the tuning is process-wide (timeline.collector).
    code = (
        "import gc, sys\n"
        "from timeline.cli import main\n"
        "sys.argv = ['timeline', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert ran.stdout.splitlines()[-1].split() == [str(YOUNG_THRESHOLD), "True"]
