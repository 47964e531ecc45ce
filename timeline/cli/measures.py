"""``timeline measures``: the keys under which figures add up, with their units."""

from __future__ import annotations

from timeline.bootstrap import open_services
from timeline.cli.answers import answer, emit_csv, emit_json, show, table
from timeline.cli.options import Format, OutputFormat, RecordedBefore
from timeline.domain.measures import Measure
from timeline.domain.projections.visibility import AsOf


def measures(
    recorded_before: RecordedBefore = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """List the measures: each key, its label and the unit its figures are counted in.
    The keys are what `timeline totals` and `timeline history` take."""
    found = answer(_measures(AsOf(None, recorded_before)))
    rows = [(measure.key, measure.label, measure.unit) for measure in found]
    if output is OutputFormat.JSON:
        emit_json([dict(zip(("key", "label", "unit"), row, strict=True)) for row in rows])
    elif output is OutputFormat.CSV:
        emit_csv(("key", "label", "unit"), rows)
    else:
        listing = table("key", "label", "unit", title=f"{len(rows)} measures", wrap=("label",))
        for row in rows:
            listing.add_row(*row)
        show(listing)


async def _measures(as_of: AsOf) -> list[Measure]:
    async with open_services() as services:
        return await services.queries.measures(as_of)
