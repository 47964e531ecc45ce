"""The ``timeline`` command line: thin commands that call the application and print."""

from __future__ import annotations

import typer

from timeline.cli import db, events, integrity, projections, seeding, serve, tokens

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
app.command(name="serve")(serve.serve)
app.command(name="schema")(serve.schema)
app.add_typer(tokens.app, name="tokens")
app.add_typer(projections.app, name="projections")


def main() -> None:
    """Console-script entry point."""
    app()
