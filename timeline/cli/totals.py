"""``timeline totals``: a measure summed over time, with its checkpoints, as known at a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated
from uuid import UUID

import typer
from rich.text import Text

from timeline.bootstrap import open_services
from timeline.cli.answers import answer, emit_csv, emit_json, note, show, table
from timeline.cli.options import (
    Format,
    KnownAt,
    OccurredFrom,
    OccurredTo,
    OutputFormat,
    RecordedBefore,
)
from timeline.cli.values import (
    JSON,
    amount,
    bounds_json,
    instant_json,
    interval_text,
    lower_text,
    plain,
    quantity_json,
    quantity_text,
    reading_json,
    upper_text,
)
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.selection import Amount, ConflictSummary, Side
from timeline.domain.projections.totals import Checkpoint, Granularity, RunningTotal, TotalPoint
from timeline.domain.projections.visibility import AsOf

CSV_HEADER = (
    "kind",
    "date",
    "total",
    "lower",
    "lower_inclusive",
    "upper",
    "upper_inclusive",
    "fact_ids",
    "computed_total",
    "difference",
    "consistent",
    "contested",
    "publishers",
)


def totals(
    measure: Annotated[
        str,
        typer.Argument(
            metavar="MEASURE", help="The measure's key; `timeline measures` lists them."
        ),
    ],
    known_at: KnownAt = None,
    recorded_before: RecordedBefore = None,
    start: OccurredFrom = None,
    end: OccurredTo = None,
    granularity: Annotated[
        Granularity,
        # The default spelt as click lists a case-insensitive enum's choices: in lower case.
        typer.Option(
            case_sensitive=False,
            show_default=False,
            help=r"One point per day, month or year. \[default: month]",
        ),
    ] = Granularity.MONTH,
    output: Format = OutputFormat.TABLE,
) -> None:
    """The running total of a measure: the sum of its FLOW readings at the end of each
    day, month or year, with lower and upper bounds that keep "more than" and "about"
    honest, and its CUMULATIVE readings set beside it as checkpoints. A reading several
    sources report names them all; readings of one period that differ, none published
    later, are contested: both sides are shown and the bounds cover them.

        timeline totals uk-payments-to-france --known-at 2025-11-01
    """
    as_of = AsOf(known_at, recorded_before)
    found, total, titles = answer(_totals(measure, as_of, granularity, start, end))
    if output is OutputFormat.JSON:
        emit_json(_document(found, as_of, total, titles))
        return
    if output is OutputFormat.CSV:
        emit_csv(
            CSV_HEADER, [*map(_point_row, total.points), *map(_checkpoint_row, total.checkpoints)]
        )
        for message in _messages(total):
            note(message)
        return
    _print(found, as_of, total, titles)


async def _totals(
    key: str, as_of: AsOf, granularity: Granularity, start: dt.date | None, end: dt.date | None
) -> tuple[Measure, RunningTotal, dict[UUID, str]]:
    async with open_services() as services:
        queries = services.queries
        measure = await queries.measure(key, as_of)
        total = await queries.running_total(
            key, as_of, granularity=granularity, start=start, end=end
        )
        fact_ids = {fact_id for point in total.points for fact_id in point.fact_ids}
        fact_ids |= {
            fact_id for checkpoint in total.checkpoints for fact_id in checkpoint.amount.fact_ids
        }
        facts = await queries.facts(fact_ids, as_of)
        titles = {fact_id: revision.fact.content.title for fact_id, revision in facts.items()}
        return measure, total, titles


def _document(measure: Measure, as_of: AsOf, total: RunningTotal, titles: dict[UUID, str]) -> JSON:
    return {
        "measure": {"key": measure.key, "label": measure.label, "unit": measure.unit},
        "known_at": None if as_of.known_at is None else as_of.known_at.isoformat(),
        "recorded_before": instant_json(as_of.recorded_before),
        "granularity": str(total.granularity),
        "points": [_point_json(point) for point in total.points],
        "checkpoints": [
            {
                "date": checkpoint.date.isoformat(),
                "fact_id": str(checkpoint.fact_id),
                **_amount_json(checkpoint.amount),
                "computed": _point_json(checkpoint.computed),
                "difference": plain(checkpoint.difference),
                "consistent": checkpoint.consistent,
            }
            for checkpoint in total.checkpoints
        ],
        "contested": [
            {"period": amount.period.text, "basis": str(amount.basis), **_amount_json(amount)}
            for amount in total.contested
        ],
        "warnings": list(total.warnings),
        "conflicts": [
            {
                "description": conflict.describe(),
                "period": conflict.period.text,
                "basis": str(conflict.basis),
                "readings": conflict.readings,
                "pairs": conflict.pairs,
                "low": _side_json(conflict.low),
                "high": _side_json(conflict.high),
                "standing": _amount_json(conflict.standing),
            }
            for conflict in total.conflicts
        ],
        "facts": {str(fact_id): title for fact_id, title in sorted(titles.items())},
    }


def _amount_json(amount: Amount) -> JSON:
    """An amount: its value and bounds, whether it is contested, and every reading behind
    it (each source that reported it; each side of a contest)."""
    return {
        "quantity": None if amount.contested else quantity_json(amount.first.figure.quantity),
        "value": plain(amount.value),
        "bounds": bounds_json(amount.bounds),
        "contested": amount.contested,
        "publishers": _publishers(amount.readings),
        "readings": [reading_json(reading) for reading in amount.readings],
    }


def _side_json(side: Side) -> JSON:
    return {
        "fact_id": str(side.fact_id),
        "quantity": quantity_json(side.quantity),
        "publisher": side.publisher,
    }


def _publishers(readings: Iterable[Reading]) -> list[str]:
    return list(dict.fromkeys(reading.source.publisher for reading in readings))


def _point_json(point: TotalPoint) -> JSON:
    return {
        "date": point.date.isoformat(),
        "total": plain(point.total),
        **bounds_json(point.bounds),
        "contested": point.contested,
        "fact_ids": [str(fact_id) for fact_id in point.fact_ids],
    }


def _point_row(point: TotalPoint) -> list[object]:
    bounds = bounds_json(point.bounds)
    return [
        "point",
        point.date.isoformat(),
        plain(point.total),
        bounds["lower"],
        bounds["lower_inclusive"],
        bounds["upper"],
        bounds["upper_inclusive"],
        " ".join(str(fact_id) for fact_id in point.fact_ids),
        None,
        None,
        None,
        point.contested,
        None,
    ]


def _checkpoint_row(checkpoint: Checkpoint) -> list[object]:
    amount = checkpoint.amount
    bounds = bounds_json(amount.bounds)
    return [
        "checkpoint",
        checkpoint.date.isoformat(),
        plain(amount.value),
        bounds["lower"],
        bounds["lower_inclusive"],
        bounds["upper"],
        bounds["upper_inclusive"],
        " ".join(str(fact_id) for fact_id in amount.fact_ids),
        plain(checkpoint.computed.total),
        plain(checkpoint.difference),
        checkpoint.consistent,
        amount.contested,
        "; ".join(_publishers(amount.readings)),
    ]


def _messages(total: RunningTotal) -> Iterable[str]:
    yield from (f"warning: {warning}" for warning in total.warnings)
    yield from (f"conflict: {_conflict(conflict)}" for conflict in total.conflicts)
    yield from (f"contested: {_contest(amount)}" for amount in total.contested)


def _side(reading: Reading) -> str:
    return f"{quantity_text(reading.figure.quantity)} ({reading.source.publisher})"


def _reported(amount: Amount) -> str:
    """What the sources reported: the agreed reading, or each side of a contest."""
    if amount.contested:
        return "\n".join(_side(reading) for reading in amount.readings)
    return quantity_text(amount.first.figure.quantity)


def _conflict(conflict: ConflictSummary) -> str:
    amount = conflict.standing
    outcome = (
        "none is later by publication, so none stands alone: contested"
        if amount.contested
        else f"{'; '.join(_publishers(amount.readings))}'s stands, published later"
    )
    pairs = "1 pair" if conflict.pairs == 1 else f"{conflict.pairs} pairs"
    return (
        f"{conflict.readings} readings for {conflict.period} disagree ({pairs} cannot both "
        f"hold), from {_extreme(conflict.low)} to {_extreme(conflict.high)}; {outcome}"
    )


def _extreme(side: Side) -> str:
    return f"{quantity_text(side.quantity)} ({side.publisher})"


def _contest(amount: Amount) -> str:
    sides = " and ".join(
        f"{_side(reading)}, known from {reading.reported_on}" for reading in amount.readings
    )
    return (
        f"{amount.period} ({str(amount.basis).lower()}): {sides}; none is later by "
        f"publication, so the answer covers every side: {interval_text(amount.bounds)}"
    )


def _print(measure: Measure, as_of: AsOf, total: RunningTotal, titles: dict[UUID, str]) -> None:
    known = "now" if as_of.known_at is None else f"at {as_of.known_at}"
    show(
        Text.assemble(
            (measure.key, "bold"),
            f": {measure.label}, in {measure.unit}, as known {known}, "
            f"by {str(total.granularity).lower()}",
        )
    )
    points = table(
        "date", "total", "lower", "upper", "range", "facts", "note", title="running total"
    )
    for point in total.points:
        points.add_row(
            point.date.isoformat(),
            amount(point.total),
            lower_text(point.bounds),
            upper_text(point.bounds),
            interval_text(point.bounds),
            str(len(point.fact_ids)),
            Text("contested", style="yellow") if point.contested else "",
        )
    if total.points:
        show(points)
    else:
        show("no FLOW readings to sum")
    checkpoints = table(
        "date",
        "reported",
        "source",
        "computed",
        "difference",
        "consistent",
        title="checkpoints: CUMULATIVE readings beside the total computed over their period",
        wrap=("reported", "source", "computed"),
    )
    for checkpoint in total.checkpoints:
        computed, reported = checkpoint.computed, checkpoint.amount
        contested = "\ncontested" if reported.contested else ""
        checkpoints.add_row(
            checkpoint.date.isoformat(),
            f"{_reported(reported)}\n{interval_text(reported.bounds)}{contested}",
            "; ".join(_publishers(reported.readings)),
            f"{amount(computed.total)}\n{interval_text(computed.bounds)}",
            amount(checkpoint.difference),
            Text("yes", style="green") if checkpoint.consistent else Text("no", style="red"),
        )
    if total.checkpoints:
        show(checkpoints)
    for message in _messages(total):
        show(Text(message, style="yellow"))
    if titles:
        show("facts:", *(f"  {fact_id}  {title}" for fact_id, title in sorted(titles.items())))
