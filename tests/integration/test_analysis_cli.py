"""The analyst's commands on the seeded corpus, on both backends: replay, totals, history,
changes and measures, in every output format, and their refusals.

The dates come from seeds/README.md: articles 000 (``2025-10``) and 002
(``2025-10-09/2025-10-31``) are known from 31 October 2025, article 003
(``2025-10/2026-11-23``) only from 23 November 2026.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app

SARAJEVO = "Martin Hewitt meets Western Balkans counterparts in Sarajevo"  # 002 only
NORTHERN_FRANCE = "British officers already stationed in northern France"  # 003 only
PAYMENTS = "UK has given France more than £650m to stop small boats since 2018"  # 000
LATER = "2100-01-01T00:00:00Z"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line on the seeded corpus."""
    monkeypatch.setenv("TIMELINE_DATABASE_URL", database_url)
    runner = CliRunner()
    seeded = runner.invoke(app, ["seed"])
    assert seeded.exit_code == 0, seeded.output
    return runner


def run(cli: CliRunner, *args: str) -> Result:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def as_json(cli: CliRunner, *args: str) -> Any:
    return json.loads(run(cli, *args, "--format", "json").stdout)


def as_csv(cli: CliRunner, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run(cli, *args, "--format", "csv").stdout)))


def titles(document: Any) -> set[str]:
    return {fact["title"] for fact in document["facts"]}


def test_replay_knows_a_source_only_from_its_publication(cli: CliRunner) -> None:
    before = as_json(cli, "replay", "--known-at", "2025-10-01")
    after = as_json(cli, "replay", "--known-at", "2025-11-01")
    today = as_json(cli, "replay")

    assert before["count"] == 0
    assert SARAJEVO in titles(after)
    assert after["known_at"] == "2025-11-01"
    assert after["count"] == len(after["facts"]) == 30
    assert NORTHERN_FRANCE not in titles(after)
    assert NORTHERN_FRANCE in titles(today)
    assert today["count"] == 31


def test_replay_shows_each_fact_as_it_stood_then(cli: CliRunner) -> None:
    # The deployment was recorded from 000 (known from 31 October 2025) and corroborated by
    # 003, known only from 23 November 2026; 002 never says officers were sent.
    deployment = "UK sends border security officers to the Western Balkans"
    facts = as_json(cli, "replay", "--known-at", "2025-11-01")["facts"]
    then = next(f for f in facts if f["title"].startswith(deployment))
    now = next(f for f in as_json(cli, "replay")["facts"] if f["title"].startswith(deployment))

    assert (then["revision"], [s["publisher"] for s in then["sources"]]) == (
        1,
        ["Unknown (syndicated copy)"],
    )
    assert (now["revision"], [s["publisher"] for s in now["sources"]]) == (
        2,
        ["Unknown (syndicated copy)", "Unknown (unattributed copy)"],
    )


def test_replay_shows_every_side_of_readings_that_differ(cli: CliRunner) -> None:
    # Replay once showed only "almost 22,000", the reading of the source loaded first.
    smuggled = "Almost 22,000 migrants smuggled through the Western Balkans in 2024"
    fact = next(f for f in as_json(cli, "replay")["facts"] if f["title"] == smuggled)
    table = run(cli, "replay", "--text", "22,000 migrants").stdout
    [row] = as_csv(cli, "replay", "--text", "22,000 migrants")

    assert [
        (r["figure"]["quantity"]["qualifier"], r["source"]["publisher"]) for r in fact["readings"]
    ] == [("ALMOST", "Unknown (syndicated copy)"), ("AT_LEAST", "Daily Express")]
    assert "readings differ" in table
    assert "at least 22,000" in table
    assert row["readings"] == (
        "almost 22,000 people for 2024 (Unknown (syndicated copy)); "
        "at least 22,000 people for 2024 (Daily Express)"
    )


def test_last_weeks_figure_is_seven_days_inside_its_window(cli: CliRunner) -> None:
    # "after nearly 2,000 came last week alone": fewer than 2,000 in one week of the window,
    # never in all 39 days of it.
    week = "Nearly 2,000 small boat arrivals in the week before publication"
    fact = next(f for f in as_json(cli, "replay")["facts"] if f["title"] == week)
    [row] = as_csv(cli, "replay", "--text", "Nearly 2,000")
    history = as_json(cli, "history", "small-boat-arrivals-weekly")

    assert fact["figure"]["period"]["edtf"] == "2025-09-22/2025-10-30"
    assert fact["figure"]["span_days"] == 7
    assert row["span_days"] == "7"
    assert row["readings"] == (
        "almost 2,000 people for 7 days within 2025-09-22/2025-10-30 (Unknown (syndicated copy))"
    )
    assert history["readings"][0]["reading"]["figure"]["span_days"] == 7


def test_replay_before_anything_was_recorded_is_empty(cli: CliRunner) -> None:
    document = as_json(cli, "replay", "--recorded-before", "2000-01-01T00:00:00Z")

    assert document == {
        "known_at": None,
        "recorded_before": "2000-01-01T00:00:00+00:00",
        "count": 0,
        "facts": [],
    }


def test_replay_labels_an_instant_given_with_an_offset_in_utc(cli: CliRunner) -> None:
    table = run(cli, "replay", "--recorded-before", "2026-12-06T22:37:03+02:00").stdout
    document = as_json(cli, "replay", "--recorded-before", "2026-12-06T22:37:03+02:00")

    assert "recorded before 2026-12-06 20:37:03 UTC" in " ".join(table.split())
    assert document["recorded_before"] == "2026-12-06T20:37:03+00:00"


def test_replay_csv_has_one_row_per_fact_with_the_filters_applied(cli: CliRunner) -> None:
    rows = as_csv(cli, "replay", "--known-at", "2025-11-01", "--topic", "france")
    table = run(cli, "replay", "--known-at", "2025-11-01", "--topic", "france").stdout

    assert rows
    assert all("france" in row["topics"].split("; ") for row in rows)
    payments = next(row for row in rows if row["title"] == PAYMENTS)
    assert payments["measure"] == "uk-payments-to-france"
    assert (payments["value"], payments["unit"], payments["qualifier"]) == (
        "650000000",
        "GBP",
        "MORE_THAN",
    )
    assert payments["known_from"] == "2025-10-31"
    assert f"{len(rows)} facts: sources published by 2025-11-01" in table


def test_replay_filters_by_occurred_days_kind_and_text(cli: CliRunner) -> None:
    rows = as_csv(cli, "replay", "--from", "2025-10-09", "--to", "2025-10-09")
    meetings = as_csv(cli, "replay", "--kind", "MEETING_HELD", "--text", "sarajevo")

    assert SARAJEVO in {row["title"] for row in rows}
    assert all(row["occurred_earliest"] <= "2025-10-09" <= row["occurred_latest"] for row in rows)
    assert [row["title"] for row in meetings] == [SARAJEVO]


def test_totals_show_the_more_than_checkpoint_with_no_upper_bound(cli: CliRunner) -> None:
    document = as_json(cli, "totals", "uk-payments-to-france", "--known-at", "2025-11-01")
    rows = as_csv(cli, "totals", "uk-payments-to-france")
    table = run(cli, "totals", "uk-payments-to-france").stdout

    assert document["points"] == []  # no FLOW readings: nothing to sum
    [checkpoint] = document["checkpoints"]
    assert checkpoint["date"] == "2025-10-31"
    assert checkpoint["quantity"]["qualifier"] == "MORE_THAN"
    assert checkpoint["quantity"]["value"] == "650000000"
    assert checkpoint["quantity"]["bounds"] == {
        "lower": "650000000",
        "lower_inclusive": False,
        "upper": None,
        "upper_inclusive": False,
    }
    assert checkpoint["computed"]["total"] == "0"
    assert checkpoint["difference"] == "650000000"
    assert checkpoint["consistent"] is False
    assert document["facts"] == {checkpoint["fact_id"]: PAYMENTS}
    assert checkpoint["publishers"] == ["Unknown (syndicated copy)"]
    [row] = rows
    assert (row["kind"], row["total"], row["lower"], row["lower_inclusive"]) == (
        "checkpoint",
        "650000000",
        "650000000",
        "False",
    )
    assert row["upper"] == ""
    assert "more than 650,000,000 GBP" in table
    assert "(650,000,000, ∞)" in table


def test_totals_before_publication_have_nothing(cli: CliRunner) -> None:
    document = as_json(cli, "totals", "uk-payments-to-france", "--known-at", "2025-10-30")

    assert document["points"] == document["checkpoints"] == []


def test_totals_of_readings_published_the_same_day_that_conflict_are_contested(
    cli: CliRunner,
) -> None:
    # "Almost 22,000" (000) and "at least 22,000" (002) are both known from 31 October 2025:
    # neither is later by publication, so neither stands alone, whatever the load order.
    document = as_json(cli, "totals", "western-balkans-migrants-smuggled", "--granularity", "year")
    table = run(cli, "totals", "western-balkans-migrants-smuggled", "--granularity", "year")

    [point] = document["points"]
    assert point["date"] == "2024-12-31"
    assert point["contested"] is True
    assert (point["total"], point["lower"], point["lower_inclusive"]) == ("22000", "19800", True)
    assert point["upper"] is None  # the cover of [19,800, 22,000) and [22,000, ∞)
    [contest] = document["contested"]
    assert contest["period"] == "2024"
    assert {r["figure"]["quantity"]["qualifier"] for r in contest["readings"]} == {
        "ALMOST",
        "AT_LEAST",
    }
    assert set(contest["publishers"]) == {"Unknown (syndicated copy)", "Daily Express"}
    [conflict] = document["conflicts"]
    assert conflict["standing"]["contested"] is True
    assert "'s stands" not in table.stdout
    assert "contested" in table.stdout
    assert "almost 22,000 people (Unknown (syndicated copy))" in table.stdout
    assert "at least 22,000 people (Daily Express)" in table.stdout


def test_a_checkpoint_several_sources_report_names_them_all(cli: CliRunner) -> None:
    # 59,607 is in 000 and in 002, word for word.
    document = as_json(cli, "totals", "small-boat-arrivals-under-labour")
    rows = as_csv(cli, "totals", "small-boat-arrivals-under-labour")
    table = run(cli, "totals", "small-boat-arrivals-under-labour").stdout

    [checkpoint] = document["checkpoints"]
    assert checkpoint["value"] == "59607"
    assert checkpoint["contested"] is False
    assert checkpoint["publishers"] == ["Unknown (syndicated copy)", "Daily Express"]
    assert [r["source"]["document"] for r in checkpoint["readings"]] == [
        "000_8aac7eb8d5369df6.txt",
        "002_f3c8f77afb9e766a.txt",
    ]
    [row] = rows
    assert row["publishers"] == "Unknown (syndicated copy); Daily Express"
    assert "Unknown (syndicated" in table
    assert "Daily Express" in table


def test_history_lists_the_readings_in_reported_order_superseding_nothing_the_same_day(
    cli: CliRunner,
) -> None:
    document = as_json(cli, "history", "western-balkans-migrants-smuggled")
    rows = as_csv(cli, "history", "western-balkans-migrants-smuggled", "--period", "2024")
    table = run(cli, "history", "western-balkans-migrants-smuggled").stdout

    first, second = document["readings"]
    assert first["reading"]["figure"]["quantity"]["qualifier"] == "ALMOST"
    assert first["reading"]["source"]["publisher"] == "Unknown (syndicated copy)"
    assert first["superseded"] is None
    assert first["change"] is None
    assert second["reading"]["figure"]["quantity"]["qualifier"] == "AT_LEAST"
    assert second["reading"]["source"]["publisher"] == "Daily Express"
    # Both are known from 31 October 2025: the one recorded second replaced nothing.
    assert second["superseded"] is None
    assert second["change"] is None
    assert [r["status"] for r in document["readings"]] == ["CURRENT", "CURRENT"]
    assert "At least 22,000 people" in second["reading"]["source"]["quote"]
    assert [(r["order"], r["qualifier"], r["superseded_qualifier"]) for r in rows] == [
        ("1", "ALMOST", ""),
        ("2", "AT_LEAST", ""),
    ]
    assert "almost 22,000 people" in table
    assert "at least 22,000 people" in table


def test_history_of_another_period_is_empty(cli: CliRunner) -> None:
    document = as_json(cli, "history", "western-balkans-migrants-smuggled", "--period", "2023")

    assert document["readings"] == []


def test_changes_list_the_facts_added_between_two_days(cli: CliRunner) -> None:
    october = as_json(
        cli, "changes", "--from-known-at", "2025-10-01", "--to-known-at", "2025-11-01"
    )
    later = as_csv(cli, "changes", "--from-known-at", "2025-11-01", "--to-known-at", "2026-12-01")

    assert len(october["added"]) == 30
    assert SARAJEVO in {change["fact"]["title"] for change in october["added"]}
    assert october["revised"] == october["retracted"] == []
    added = [row for row in later if row["change"] == "ADDED"]
    assert [row["title"] for row in added] == [NORTHERN_FRANCE]
    assert {row["change"] for row in later} == {"ADDED", "REVISED"}
    assert all(
        "Unknown (unattributed copy)" in row["publishers"]
        for row in later
        if row["change"] == "REVISED"
    )


def test_measures_list_every_key_with_its_unit(cli: CliRunner) -> None:
    rows = as_csv(cli, "measures")
    document = as_json(cli, "measures")

    assert len(rows) == len(document) == 11
    assert {"key": "uk-payments-to-france", "unit": "GBP"}.items() <= next(
        row for row in rows if row["key"] == "uk-payments-to-france"
    ).items()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["replay", "--known-at", "2025-13-01"], 2, "is not a day"),
        (["replay", "--recorded-before", "yesterday"], 2, "is not an instant"),
        (["replay", "--from", "2025-10", "--to", "2025-09"], 2, "is before --from"),
        (["totals", "no-such-measure"], 1, "no measure 'no-such-measure'"),
        (["totals", "small-boat-arrivals-year-to-date-change"], 2, "never add up"),
        (["totals", "uk-payments-to-france", "--from", "2025", "--to", "2024"], 2, "before"),
        (["totals", "uk-payments-to-france", "--granularity", "week"], 2, "week"),
        (["history", "no-such-measure"], 1, "no measure 'no-such-measure'"),
        (["history", "uk-payments-to-france", "--period", "2025-99"], 2, "not valid EDTF"),
        (["changes", "--from-known-at", "2025-11-01", "--to-known-at", "2025-10-01"], 2, "before"),
        (["changes", "--from-known-at", "2025-11-01"], 2, "--to-known-at"),
    ],
)
def test_a_bad_request_is_a_message_and_an_exit_code(
    cli: CliRunner, args: list[str], code: int, message: str
) -> None:
    result = cli.invoke(app, args)

    assert result.exit_code == code, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""


@pytest.mark.parametrize(
    "command", ["replay", "totals", "history", "changes", "measures", "export", "import"]
)
def test_every_analysis_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_totals_help_spells_the_default_granularity_as_its_choices() -> None:
    result = CliRunner().invoke(app, ["totals", "--help"], env={"COLUMNS": "200"})

    assert "<day|month|year>" in result.output
    assert "[default: month]" in result.output
    assert "MONTH" not in result.output
