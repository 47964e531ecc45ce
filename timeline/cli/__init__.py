"""The ``timeline`` command line: thin commands that call the application and print."""

from __future__ import annotations

import typer

from timeline.cli import (
    changes,
    checkpoints,
    db,
    events,
    history,
    integrity,
    measures,
    projections,
    projector,
    replay,
    seeding,
    serve,
    tokens,
    totals,
    transfer,
)
from timeline.collector import tune_collector

app = typer.Typer(
    name="timeline",
    help="An event-sourced policy timeline: record dated facts, replay them to any date.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(events.app, name="events")
app.command(name="verify")(integrity.verify)
app.command(name="seed")(seeding.seed_command)
app.command(name="replay")(replay.replay)
app.command(name="totals")(totals.totals)
app.command(name="history")(history.history)
app.command(name="changes")(changes.changes)
app.command(name="measures")(measures.measures)
app.command(name="export")(transfer.export)
app.command(name="import")(transfer.import_log)
app.command(name="serve")(serve.serve)
app.command(name="projector")(projector.projector)
app.command(name="schema")(serve.schema)
app.add_typer(tokens.app, name="tokens")
app.add_typer(projections.app, name="projections")
app.add_typer(checkpoints.app, name="checkpoint")


def main() -> None:
    """Console-script entry point."""
    tune_collector()
    app()
