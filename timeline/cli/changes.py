"""``timeline changes``: what became known between two days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.text import Text

from timeline.bootstrap import open_services
from timeline.cli.answers import answer, emit_csv, emit_json, show, table
from timeline.cli.options import Format, OutputFormat, RecordedBefore, parse_day
from timeline.cli.values import JSON, instant_json, listed, publishers, revision_json
from timeline.domain.projections.changes import ChangeSet, FactChange
from timeline.domain.sources import Source

CSV_HEADER = (
    "change",
    "fact_id",
    "occurred",
    "kind",
    "title",
    "revision_before",
    "revision_after",
    "changed_fields",
    "reasons",
    "publishers",
)
_STYLES = {"ADDED": "green", "REVISED": "yellow", "RETRACTED": "red"}


def changes(
    from_known_at: Annotated[
        dt.date,
        typer.Option(
            "--from-known-at",
            parser=parse_day,
            metavar="DAY",
            help="The earlier day: what sources had published by then (YYYY-MM-DD).",
        ),
    ],
    to_known_at: Annotated[
        dt.date,
        typer.Option(
            "--to-known-at",
            parser=parse_day,
            metavar="DAY",
            help="The later day (YYYY-MM-DD).",
        ),
    ],
    recorded_before: RecordedBefore = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """The facts added, revised and retracted between two knowledge days, with the
    reasons and the sources of the events in between.

        timeline changes --from-known-at 2025-11-01 --to-known-at 2026-12-01
    """
    if to_known_at < from_known_at:
        raise typer.BadParameter(
            f"{to_known_at} is before --from-known-at {from_known_at}", param_hint="--to-known-at"
        )
    found = answer(_changes(from_known_at, to_known_at, recorded_before))
    if output is OutputFormat.JSON:
        document: JSON = {
            "from_known_at": from_known_at.isoformat(),
            "to_known_at": to_known_at.isoformat(),
            "recorded_before": instant_json(recorded_before),
        }
        for name, change_list in _groups(found):
            document[name.lower()] = [_change_json(change) for change in change_list]
        emit_json(document)
    elif output is OutputFormat.CSV:
        emit_csv(CSV_HEADER, (_row(name, change) for name, change in _each(found)))
    else:
        _print(from_known_at, to_known_at, found)


async def _changes(
    from_known_at: dt.date, to_known_at: dt.date, recorded_before: dt.datetime | None
) -> ChangeSet:
    async with open_services() as services:
        return await services.queries.changes(from_known_at, to_known_at, recorded_before)


def _groups(found: ChangeSet) -> tuple[tuple[str, tuple[FactChange, ...]], ...]:
    return (("ADDED", found.added), ("REVISED", found.revised), ("RETRACTED", found.retracted))


def _each(found: ChangeSet) -> Iterator[tuple[str, FactChange]]:
    for name, change_list in _groups(found):
        for change in change_list:
            yield name, change


def _sources(change: FactChange) -> list[Source]:
    """The sources of the events in between (a recorded fact's first source included)."""
    return [revision.source for revision in change.between if revision.source is not None]


def _change_json(change: FactChange) -> JSON:
    return {
        "fact_id": str(change.fact_id),
        "revision_before": None if change.before is None else change.before.revision,
        "revision_after": change.after.revision,
        "changed_fields": list(change.changed_fields),
        "reasons": list(change.reasons),
        "publishers": [source.publisher for source in _sources(change)],
        "fact": revision_json(change.after),
    }


def _row(name: str, change: FactChange) -> list[object]:
    content = change.after.fact.content
    return [
        name,
        str(change.fact_id),
        content.occurred.text,
        content.kind,
        content.title,
        None if change.before is None else change.before.revision,
        change.after.revision,
        listed(change.changed_fields),
        listed(change.reasons),
        publishers(_sources(change)),
    ]


def _print(from_known_at: dt.date, to_known_at: dt.date, found: ChangeSet) -> None:
    rows = table(
        "change",
        "occurred",
        "title",
        "revision",
        "what changed",
        "sources",
        title=f"changes between what was known on {from_known_at} and on {to_known_at}",
        wrap=("title", "what changed", "sources"),
    )
    for name, change in _each(found):
        before = "new" if change.before is None else str(change.before.revision)
        what = listed(change.changed_fields) or "recorded"
        if change.reasons:
            what += f" ({listed(change.reasons)})"
        rows.add_row(
            Text(name, style=_STYLES[name]),
            change.after.fact.content.occurred.text,
            change.after.fact.content.title,
            f"{before} → {change.after.revision}",
            what,
            publishers(_sources(change)),
        )
    show(rows if not found.is_empty else "nothing changed between those days")
