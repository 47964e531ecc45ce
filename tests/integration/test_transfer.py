"""``timeline export`` and ``timeline import`` on both backends: the round trip gives the very
same log and the same answers; a damaged or forged export is refused whole, line by line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from typer.testing import CliRunner, Result

from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content
from timeline.application.log_lines import event_line, parse_line
from timeline.cli import app

LATER = "2100-01-01T00:00:00Z"
# Read-model answers that must not change when the log moves to another database.
QUESTIONS = [
    ["replay", "--known-at", "2025-11-01", "--recorded-before", LATER],
    ["replay", "--include-retracted", "--recorded-before", LATER],
    ["totals", "uk-payments-to-france", "--recorded-before", LATER],
    ["totals", "western-balkans-migrants-smuggled", "--granularity", "year"],
    ["history", "western-balkans-migrants-smuggled"],
    ["changes", "--from-known-at", "2025-10-01", "--to-known-at", "2026-12-01"],
    ["measures"],
]


def on(url: str, *args: str, expect: int = 0) -> Result:
    """Run the command line on the database at ``url``."""
    result = CliRunner().invoke(app, list(args), env={"TIMELINE_DATABASE_URL": url})
    assert result.exit_code == expect, result.output
    return result


@pytest.fixture
def export(database_url: str, tmp_path: Path) -> Path:
    """The seeded corpus, exported to a file."""
    on(database_url, "seed")
    path = tmp_path / "timeline.jsonl"
    on(database_url, "export", "--output", str(path))
    return path


def answers(url: str) -> list[Any]:
    return [json.loads(on(url, *question, "--format", "json").stdout) for question in QUESTIONS]


def test_an_export_imported_into_an_empty_database_is_the_same_log(
    database_url: str, target_url: str, export: Path
) -> None:
    imported = on(target_url, "import", str(export))

    assert "imported 49 events; the log's head is at 49" in imported.output
    tail = on(database_url, "events", "tail", "--format", "jsonl").stdout
    assert on(target_url, "events", "tail", "--format", "jsonl").stdout == tail
    assert "hash chain intact" in on(target_url, "verify").output
    assert answers(target_url) == answers(database_url)
    # The idempotency keys came along: the seed loader recognises every entry.
    assert "nothing to add: all 38" in on(target_url, "seed").output


def test_the_import_continues_as_a_log_of_its_own(
    database_url: str, target_url: str, export: Path
) -> None:
    on(target_url, "import", str(export))
    on(target_url, "seed", "--path", str(_one_more_fact(export.parent)))

    assert "hash chain intact" in on(target_url, "verify").output
    events = on(target_url, "events", "tail", "--format", "jsonl").stdout.splitlines()
    assert len(events) == 50
    assert json.loads(events[-1])["position"] == 50


def test_export_to_stdout_is_only_the_lines(database_url: str, export: Path) -> None:
    result = on(database_url, "export")

    assert result.stdout == export.read_text(encoding="utf-8")
    assert [json.loads(line)["position"] for line in result.stdout.splitlines()] == list(
        range(1, 50)
    )
    assert "exported 49 events" in result.stderr


def test_every_stored_field_is_exported(database_url: str, export: Path) -> None:
    first = json.loads(export.read_text(encoding="utf-8").splitlines()[0])

    assert list(first) == [
        "position",
        "event_id",
        "stream_id",
        "stream_version",
        "event_type",
        "schema_version",
        "occurred",
        "reported",
        "recorded_at",
        "payload",
        "metadata",
        "hash",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", first["recorded_at"])
    assert first["hash"] == chain_hash(
        GENESIS_HASH, recorded_content(parse_line(export.read_text().splitlines()[0]))
    )


def test_a_damaged_export_is_refused_naming_every_bad_line(target_url: str, export: Path) -> None:
    lines = export.read_text(encoding="utf-8").splitlines()
    corrupted, rehashed, missing, broken = _single_event_streams(lines)[:4]
    damage: dict[int, Callable[[dict[str, Any]], str]] = {
        corrupted: lambda e: json.dumps({**e, "payload": {**e["payload"], "fact_id": "nope"}}),
        rehashed: lambda e: json.dumps({**e, "hash": e["hash"][::-1]}),
        missing: lambda e: json.dumps({k: v for k, v in e.items() if k != "recorded_at"}),
        broken: lambda e: json.dumps(e)[:-10],
    }
    for number, change in damage.items():
        lines[number - 1] = change(json.loads(lines[number - 1]))
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = on(target_url, "import", str(export), expect=1)

    reported = dict(re.findall(r"^line (\d+): (.*)$", result.stderr, flags=re.MULTILINE))
    assert sorted(map(int, reported)) == sorted(damage)
    assert "payload does not decode" in reported[str(corrupted)]
    assert "hash does not match" in reported[str(rehashed)]
    assert "missing field 'recorded_at'" in reported[str(missing)]
    assert "not JSON" in reported[str(broken)]
    assert "4 bad lines; nothing was imported" in result.stderr
    assert on(target_url, "events", "tail", "--format", "jsonl").stdout == ""


def test_a_forgery_with_recomputed_hashes_is_stopped_by_the_domain(
    target_url: str, export: Path
) -> None:
    events = [parse_line(line) for line in export.read_text(encoding="utf-8").splitlines()]
    payments = next(e for e in events if e.payload.get("content", {}).get("figure"))
    content = payments.payload["content"]
    figure = content["figure"]
    forged = {
        **payments.payload,
        "content": {
            **content,
            "figure": {**figure, "quantity": {**figure["quantity"], "unit": "EUR"}},
        },
    }
    events[payments.position - 1] = msgspec.structs.replace(payments, payload=forged)
    export.write_text("".join(event_line(e) + "\n" for e in _rechained(events)), encoding="utf-8")

    result = on(target_url, "import", str(export), expect=1)

    assert re.search(
        rf"^line {payments.position}: .*is counted in .*no reported equivalent",
        result.stderr,
        flags=re.MULTILINE,
    ), result.stderr
    assert "1 bad line; nothing was imported" in result.stderr


def test_an_export_does_not_import_into_a_log_it_does_not_continue(
    database_url: str, export: Path
) -> None:
    result = on(database_url, "import", str(export), expect=1)

    assert "line 1: the file starts at position 1 and continues an empty log" in result.stderr
    assert "this log holds 49 events" in result.stderr


def test_an_empty_file_imports_nothing(target_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")

    result = on(target_url, "import", str(empty))

    assert "imported 0 events" in result.stderr


def _single_event_streams(lines: list[str]) -> list[int]:
    """Line numbers of the fact events alone on their stream: damaging one of them harms
    no other line, so each damaged line must be reported once, and no other."""
    events = [json.loads(line) for line in lines]
    streams = [event["stream_id"] for event in events]
    return [
        number
        for number, event in enumerate(events, start=1)
        if streams.count(event["stream_id"]) == 1 and event["stream_id"].startswith("fact-")
    ]


def _rechained(events: list[Any]) -> list[Any]:
    previous = GENESIS_HASH
    chained = []
    for event in events:
        event = msgspec.structs.replace(event, hash=chain_hash(previous, recorded_content(event)))
        previous = event.hash
        chained.append(event)
    return chained


def _one_more_fact(directory: Path) -> Path:
    seeds = directory / "more-seeds"
    seeds.mkdir()
    (seeds / "900_more.yaml").write_text(
        """article: 900_more.txt
publisher: "Test Gazette"
title: "A later article"
url: "https://example.org/later"
published: "2026-12"
facts:
  - id: later-fact
    kind: POLICY_ANNOUNCED
    title: "A later announcement"
    summary: "Something announced after the corpus."
    occurred: "2026-12"
    occurred_phrase: null
    inferred: []
    date_note: null
    topics: [france]
    actors: [Home Office]
    places: [France]
    quote: "Something was announced."
""",
        encoding="utf-8",
    )
    return seeds


@pytest.mark.postgres
def test_a_log_moves_between_backends_and_exports_the_same_bytes(
    sqlite_database_url: str, postgres_database_url: str, tmp_path: Path
) -> None:
    on(sqlite_database_url, "seed")
    from_sqlite, from_postgres = tmp_path / "sqlite.jsonl", tmp_path / "postgres.jsonl"
    on(sqlite_database_url, "export", "--output", str(from_sqlite))

    on(postgres_database_url, "import", str(from_sqlite))
    on(postgres_database_url, "export", "--output", str(from_postgres))

    # JSONB reorders the keys of every payload; the export sorts them back.
    assert from_postgres.read_bytes() == from_sqlite.read_bytes()
    assert answers(postgres_database_url) == answers(sqlite_database_url)
