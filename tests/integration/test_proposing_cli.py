"""timeline propose and timeline accept on a real database, on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from timeline.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures"
TEXT = FIXTURES / "article.txt"
HTML = FIXTURES / "article.html"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIMELINE_DATABASE_URL", database_url)
    return CliRunner()


def log(cli: CliRunner) -> list[dict[str, Any]]:
    result = cli.invoke(app, ["events", "tail", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def propose(cli: CliRunner, tmp_path: Path, *arguments: str) -> Path:
    result = cli.invoke(app, ["propose", *arguments])
    assert result.exit_code == 0, result.output
    draft = tmp_path / f"draft-{len(list(tmp_path.iterdir()))}.yaml"
    draft.write_text(result.stdout, encoding="utf-8")
    return draft


def test_proposing_writes_nothing_and_accepting_twice_adds_nothing(
    cli: CliRunner, tmp_path: Path
) -> None:
    draft = propose(cli, tmp_path, str(TEXT), "--published", "2025-03-10", "--publisher", "X")
    assert log(cli) == []
    facts = yaml.safe_load(draft.read_text(encoding="utf-8"))["facts"]

    first = cli.invoke(app, ["accept", str(draft)])

    assert first.exit_code == 0, first.output
    assert f"recorded {len(facts)} facts and 0 corroborations" in first.output
    recorded = log(cli)
    second = cli.invoke(app, ["accept", str(draft)])
    assert second.exit_code == 0, second.output
    assert "recorded 0 facts" in second.output
    assert log(cli) == recorded
    quotes = {
        event["payload"]["source"]["quote"] for event in recorded if "source" in event["payload"]
    }
    text = TEXT.read_text(encoding="utf-8")
    assert all(quote in text for quote in quotes)


def test_a_second_article_corroborates_and_conflicts_with_what_is_on_record(
    cli: CliRunner, tmp_path: Path
) -> None:
    first = propose(cli, tmp_path, str(TEXT), "--published", "2025-03-10", "--publisher", "X")
    assert cli.invoke(app, ["accept", str(first)]).exit_code == 0

    draft = propose(cli, tmp_path, str(HTML))

    document = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert (document["publisher"], document["published"]) == ("Example Times", "2025-03-10")
    assert document["title"] == "Border chiefs meet again"
    statuses = {f["kind"]: f["proposal"]["match"] for f in document["facts"]}
    assert statuses["MEETING_HELD"]["status"] == "corroboration"
    conflict = statuses["FIGURE_REPORTED"]
    assert conflict["status"] == "conflict"
    assert conflict["record_reading"] == "MORE_THAN 12000 people over 2025-01-01/2025-03-10"
    before = len(log(cli))
    accepted = cli.invoke(app, ["accept", str(draft)])
    assert accepted.exit_code == 0, accepted.output
    assert "recorded 0 facts and 2 corroborations" in accepted.output
    added = log(cli)[before:]
    assert [event["event_type"] for event in added] == ["FactCorroborated", "FactCorroborated"]


def test_flags_override_what_the_page_says(cli: CliRunner) -> None:
    result = cli.invoke(
        app,
        [
            "propose",
            str(HTML),
            "--published",
            "2025-03",
            "--publisher",
            "Y",
            "--format",
            "json",
            "--url",
            "https://example.com/chiefs",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["published"], document["publisher"]) == ("2025-03", "Y")
    assert document["url"] == "https://example.com/chiefs"
    assert document["article"] == "article.html"


def test_an_article_without_a_date_is_refused_and_nothing_is_written(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(app, ["propose", str(TEXT)])
    assert result.exit_code == 2
    assert "give --published" in result.output
    assert log(cli) == []


def test_a_draft_that_corroborates_a_fact_not_on_record_writes_nothing(
    cli: CliRunner, tmp_path: Path
) -> None:
    draft = propose(cli, tmp_path, str(TEXT), "--published", "2025-03-10")
    document = yaml.safe_load(draft.read_text(encoding="utf-8"))
    document["facts"][-1]["corroborates"] = "00000000-0000-4000-8000-000000000000"
    draft.write_text(yaml.safe_dump(document), encoding="utf-8")

    result = cli.invoke(app, ["accept", str(draft)])

    assert result.exit_code == 1
    assert "does not hold" in result.output
    assert log(cli) == []


def test_a_page_that_cannot_be_fetched_is_refused_with_the_reason(cli: CliRunner) -> None:
    # Port 9 (discard) on the loopback: refused at once, no network beyond this machine.
    result = cli.invoke(app, ["propose", "http://127.0.0.1:9/story", "--published", "2025-03"])
    assert result.exit_code == 2
    assert "could not be fetched" in result.output


def test_several_articles_make_a_json_list_and_both_commands_have_help(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["propose", str(TEXT), str(HTML), "--published", "2025-03-10", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [d["article"] for d in json.loads(result.stdout)] == ["article.txt", "article.html"]
    for command in ("propose", "accept"):
        shown = cli.invoke(app, [command, "--help"])
        assert shown.exit_code == 0
        assert "Usage:" in shown.output


def test_a_draft_saved_under_its_article_name_loads_as_a_seed_file(
    cli: CliRunner, tmp_path: Path
) -> None:
    draft = propose(cli, tmp_path, str(TEXT), "--published", "2025-03-10", "--publisher", "X")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "article.yaml").write_text(draft.read_text(encoding="utf-8"), encoding="utf-8")
    facts = yaml.safe_load(draft.read_text(encoding="utf-8"))["facts"]

    result = cli.invoke(app, ["seed", "--path", str(seeds)])

    assert result.exit_code == 0, result.output
    assert f"recorded {len(facts)} facts and 0 corroborations" in result.output


def test_a_draft_of_several_articles_is_accepted_whole(cli: CliRunner, tmp_path: Path) -> None:
    draft = propose(cli, tmp_path, str(TEXT), str(HTML), "--published", "2025-03-10")
    documents = list(yaml.safe_load_all(draft.read_text(encoding="utf-8")))
    assert len(documents) == 2

    result = cli.invoke(app, ["accept", str(draft)])

    assert result.exit_code == 0, result.output
    assert "recorded" in result.output
    sources = {
        event["payload"]["source"]["document"]
        for event in log(cli)
        if event["event_type"] in ("FactRecorded", "FactCorroborated")
    }
    assert sources == {"article.txt", "article.html"}
