"""The command line's top level: it lists every command without importing any of them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from timeline.cli import COMMANDS, app

# What the commands stand on; ``timeline --help`` needs none of it.
HEAVY = ("sqlalchemy", "alembic", "strawberry", "uvicorn", "asyncpg", "timeline.bootstrap")


def _paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listing_summarises_each_command_as_its_own_help_does(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert command.name == name
    assert _paragraph(command.help or "") == _paragraph(COMMANDS[name].summary)


def test_the_listing_shows_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    listed = [line.split()[1] for line in result.output.splitlines() if line.startswith("│ ")]
    assert [name for name in listed if name in COMMANDS] == list(COMMANDS)


def test_a_listed_command_runs_from_the_top_level() -> None:
    result = CliRunner().invoke(app, ["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output


def test_a_mistyped_command_is_told_the_one_it_likely_meant() -> None:
    result = CliRunner().invoke(app, ["replai"])
    assert result.exit_code == 2
    assert "Did you mean 'replay'?" in result.output


def test_help_imports_none_of_what_the_commands_stand_on() -> None:
    script = (
        "import json, sys\n"
        "sys.argv = ['timeline', '--help']\n"
        "from timeline.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    imported = json.loads(done.stderr.strip().splitlines()[-1])
    assert "Usage:" in done.stdout
    assert [module for module in imported if module.split(".")[0] in HEAVY or module in HEAVY] == []
