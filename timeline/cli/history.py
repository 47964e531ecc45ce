"""``timeline history``: every reading a measure has had, in the order it was reported."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.bootstrap import open_services
from timeline.cli.answers import answer, emit_csv, emit_json, show, table
from timeline.cli.options import Format, OutputFormat, parse_period
from timeline.cli.values import (
    JSON,
    amount,
    plain,
    quantity_text,
    reading_json,
)
from timeline.domain.dates import FuzzyDate
from timeline.domain.measures import Measure
from timeline.domain.projections.history import HistoryEntry
from timeline.domain.projections.readings import Reading

CSV_HEADER = (
    "order",
    "fact_id",
    "revision",
    "published",
    "reported_on",
    "publisher",
    "value",
    "unit",
    "qualifier",
    "basis",
    "period",
    "superseded_value",
    "superseded_qualifier",
    "superseded_publisher",
    "change",
    "status",
    "ended_reason",
    "quote",
    "span_days",
)


def history(
    measure: Annotated[
        str,
        typer.Argument(
            metavar="MEASURE", help="The measure's key; `timeline measures` lists them."
        ),
    ],
    period: Annotated[
        FuzzyDate | None,
        typer.Option(
            parser=parse_period,
            metavar="EDTF",
            help="Only readings of exactly these days (2024, 2018/2025-10).",
        ),
    ] = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """How the figure for a measure changed: every reading ever made, in the order it was
    reported, with the reading it superseded, the change, whether it still stands, who
    published it and the words they used.

        timeline history western-balkans-migrants-smuggled
    """
    found, entries = answer(_history(measure, period))
    if output is OutputFormat.JSON:
        emit_json(
            {
                "measure": {"key": found.key, "label": found.label, "unit": found.unit},
                "period": None if period is None else period.text,
                "readings": [_entry_json(entry) for entry in entries],
            }
        )
    elif output is OutputFormat.CSV:
        emit_csv(CSV_HEADER, (_row(order, entry) for order, entry in enumerate(entries, 1)))
    else:
        _print(found, period, entries)


async def _history(key: str, period: FuzzyDate | None) -> tuple[Measure, tuple[HistoryEntry, ...]]:
    async with open_services() as services:
        measure = await services.queries.measure(key)
        return measure, await services.queries.figure_history(key, period)


def _entry_json(entry: HistoryEntry) -> JSON:
    return {
        "reading": reading_json(entry.reading),
        "revision": entry.revision,
        "superseded": None if entry.superseded is None else reading_json(entry.superseded),
        "change": None if entry.change is None else plain(entry.change),
        "status": str(entry.status),
        "ended_reason": entry.ended_reason,
        "ended_at_position": None if entry.ended_by is None else entry.ended_by.position,
    }


def _row(order: int, entry: HistoryEntry) -> list[object]:
    reading, superseded = entry.reading, entry.superseded
    quantity = reading.figure.quantity
    return [
        order,
        str(reading.fact_id),
        entry.revision,
        reading.source.published.text,
        reading.reported_on.isoformat(),
        reading.source.publisher,
        plain(quantity.value),
        quantity.unit,
        str(quantity.qualifier),
        str(reading.figure.basis),
        reading.figure.period.text,
        None if superseded is None else plain(superseded.figure.quantity.value),
        None if superseded is None else str(superseded.figure.quantity.qualifier),
        None if superseded is None else superseded.source.publisher,
        None if entry.change is None else plain(entry.change),
        str(entry.status),
        entry.ended_reason,
        reading.source.quote,
        reading.figure.span_days,
    ]


def _print(measure: Measure, period: FuzzyDate | None, entries: tuple[HistoryEntry, ...]) -> None:
    rows = table(
        "#",
        "reported",
        "source",
        "reading",
        "supersedes",
        "change",
        "status",
        "quote",
        title=f"{measure.key}: {measure.label}, in {measure.unit}"
        + ("" if period is None else f", for {period}"),
        wrap=("reported", "source", "reading", "supersedes", "status", "quote"),
    )
    for order, entry in enumerate(entries, start=1):
        status = str(entry.status)
        if entry.ended_reason:
            status += f": {entry.ended_reason}"
        rows.add_row(
            str(order),
            entry.reading.source.published.text,
            entry.reading.source.publisher,
            _reading(entry.reading),
            "" if entry.superseded is None else _reading(entry.superseded, publisher=True),
            _change(entry),
            status,
            entry.reading.source.quote,
        )
    show(rows if entries else f"no readings of {measure.key}")


def _reading(reading: Reading, *, publisher: bool = False) -> str:
    figure = reading.figure
    text = (
        f"{quantity_text(figure.quantity)} for {figure.describe_period()} "
        f"({str(figure.basis).lower()})"
    )
    return f"{text}, {reading.source.publisher}" if publisher else text


def _change(entry: HistoryEntry) -> str:
    if entry.superseded is None:
        return ""
    if entry.change is None:
        return "other unit"
    return ("+" if entry.change >= 0 else "") + amount(entry.change)
