"""``timeline replay``: every fact as the record showed it at a point in time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from timeline.application.read_models import FactFilter
from timeline.application.records import JSONValue
from timeline.bootstrap import open_services
from timeline.cli.answers import answer, emit_csv, emit_json, show, table
from timeline.cli.options import (
    Format,
    KnownAt,
    OccurredFrom,
    OccurredTo,
    OutputFormat,
    RecordedBefore,
)
from timeline.cli.values import (
    figure_text,
    instant_json,
    listed,
    plain,
    publishers,
    readings_text,
    revision_json,
)
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.projections.visibility import AsOf

Labels = Annotated[
    list[str] | None,
    typer.Option(metavar="NAME", help="Repeat for several; any one of them matches."),
]

CSV_HEADER = (
    "fact_id",
    "revision",
    "status",
    "occurred",
    "occurred_earliest",
    "occurred_latest",
    "kind",
    "title",
    "topics",
    "actors",
    "places",
    "measure",
    "value",
    "unit",
    "qualifier",
    "basis",
    "period",
    "publishers",
    "known_from",
    "recorded_from",
    "readings",
    "span_days",
)


def replay(
    known_at: KnownAt = None,
    recorded_before: RecordedBefore = None,
    occurred_from: OccurredFrom = None,
    occurred_to: OccurredTo = None,
    topic: Labels = None,
    actor: Labels = None,
    place: Labels = None,
    kind: Labels = None,
    text: Annotated[
        str | None,
        typer.Option(help="Only facts whose title or summary contains this, ignoring case."),
    ] = None,
    include_retracted: Annotated[
        bool, typer.Option("--include-retracted", help="Also list facts known to be wrong.")
    ] = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Replay the record: the facts as known at a day, in the order they occurred.

    --known-at keeps what sources had published by that day; --recorded-before keeps what
    the store had recorded by then, so an old answer can be reproduced exactly. --from and
    --to keep facts whose date overlaps those days. For example:

        timeline replay --known-at 2025-11-01 --topic france --format csv
    """
    if occurred_from and occurred_to and occurred_to < occurred_from:
        raise typer.BadParameter(
            f"{occurred_to} is before --from {occurred_from}", param_hint="--to"
        )
    criteria = FactFilter(
        kinds=frozenset(kind or ()),
        topics=frozenset(topic or ()),
        actors=frozenset(actor or ()),
        places=frozenset(place or ()),
        text=text,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        include_retracted=include_retracted,
    )
    as_of, revisions = answer(_replay(known_at, recorded_before, criteria))
    if output is OutputFormat.JSON:
        emit_json(
            {
                "known_at": None if as_of.known_at is None else as_of.known_at.isoformat(),
                "recorded_before": instant_json(as_of.recorded_before),
                "count": len(revisions),
                "facts": [revision_json(revision) for revision in revisions],
            }
        )
    elif output is OutputFormat.CSV:
        emit_csv(CSV_HEADER, (_csv_row(revision) for revision in revisions))
    else:
        show(_table(as_of, revisions))


async def _replay(
    known_at: KnownAt, recorded_before: RecordedBefore, criteria: FactFilter
) -> tuple[AsOf, list[FactRevision]]:
    async with open_services() as services:
        revisions: list[FactRevision] = []
        as_of = AsOf(known_at, recorded_before)
        async for page in services.queries.timeline_pages(known_at, recorded_before, criteria):
            as_of = page.as_of
            revisions += page.page.revisions
        return as_of, revisions


def _table(as_of: AsOf, revisions: Sequence[FactRevision]) -> Table:
    known = "every source" if as_of.known_at is None else f"sources published by {as_of.known_at}"
    recorded = (
        "" if as_of.recorded_before is None else f"{as_of.recorded_before:%Y-%m-%d %H:%M:%S} UTC"
    )
    rows = table(
        "occurred",
        "kind",
        "title",
        "figure",
        "sources",
        "known from",
        title=f"{len(revisions)} facts: {known}, recorded before {recorded}",
        wrap=("kind", "title", "figure", "sources"),
    )
    for revision in revisions:
        content = revision.fact.content
        title = Text(content.title)
        if revision.fact.is_retracted:
            title = Text(f"RETRACTED: {content.title}", style="strike")
        rows.add_row(
            content.occurred.text,
            content.kind,
            title,
            readings_text(revision.fact),
            publishers(revision.fact.sources),
            revision.known_from.isoformat(),
        )
    return rows


def _csv_row(revision: FactRevision) -> list[JSONValue]:
    content = revision.fact.content
    figure = content.figure
    return [
        str(revision.fact_id),
        revision.revision,
        str(revision.fact.status),
        content.occurred.text,
        content.occurred.earliest.isoformat(),
        content.occurred.latest.isoformat(),
        content.kind,
        content.title,
        listed(content.topics),
        listed(content.actors),
        listed(content.places),
        None if figure is None else figure.measure,
        None if figure is None else plain(figure.quantity.value),
        None if figure is None else figure.quantity.unit,
        None if figure is None else str(figure.quantity.qualifier),
        None if figure is None else str(figure.basis),
        None if figure is None else figure.period.text,
        publishers(revision.fact.sources),
        revision.known_from.isoformat(),
        instant_json(revision.recorded_from),
        listed(f"{figure_text(r.figure)} ({r.source.publisher})" for r in revision.fact.readings),
        None if figure is None else figure.span_days,
    ]
