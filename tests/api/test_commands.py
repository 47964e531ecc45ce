"""``timeline tokens`` and ``timeline schema`` on a real database, and the token they make
working against the API."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner, Result

from tests.api.conftest import Api
from tests.api.queries import RECORD, fact_input
from tests.api.test_schema_file import SCHEMA_FILE
from timeline.cli import app


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIMELINE_DATABASE_URL", database_url)
    return CliRunner()


async def test_a_token_is_printed_once_listed_by_name_and_revoked(cli: CliRunner, api: Api) -> None:
    async def run(*args: str) -> Result:
        # The commands run their own event loop (asyncio.run): give them a thread.
        return await asyncio.to_thread(cli.invoke, app, list(args))

    created = await run("tokens", "create", "newsroom", "--role", "writer")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("tl_")
    recorded = await api.data(RECORD, {"input": fact_input()}, token=token)
    assert recorded["recordFact"]["revision"] == 1

    listed = await run("tokens", "list")
    assert listed.exit_code == 0
    assert "newsroom" in listed.stdout
    assert "writer" in listed.stdout
    assert token not in listed.stdout

    again = await run("tokens", "create", "newsroom")
    assert again.exit_code == 2
    assert "exists already" in again.output

    assert (await run("tokens", "revoke", "newsroom")).exit_code == 0
    assert (await run("tokens", "revoke", "newsroom")).exit_code == 1
    refused = await api.errors(RECORD, {"input": fact_input(2)}, token=token)
    assert refused[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_role_must_be_one_of_the_three() -> None:
    result = CliRunner().invoke(app, ["tokens", "create", "x", "--role", "owner"])
    assert result.exit_code == 2


def test_the_schema_command_prints_the_checked_in_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["serve"], ["schema"], ["tokens", "create"], ["tokens"]])
def test_the_api_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
