"""The ``timeline`` command line: thin commands that call the application and print.

Each command's module is imported only when that command runs. Importing them all (the
database drivers, SQLAlchemy, Alembic, Strawberry and Uvicorn behind them) took most of a
second, which ``timeline --help`` and every command paid. So the top-level listing is drawn
from ``COMMANDS`` below, where each command names its module, the attribute that holds it
(a ``typer.Typer`` for a group of commands, a function for one command) and the summary the
listing shows; ``tests/unit/test_cli_commands.py`` holds each summary equal to the first
paragraph of the command's own help. To add a command, add its line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer

# Typer (0.29 on) carries its own copy of click, whose classes its groups and commands are;
# it exports no public name for the base classes a custom group overrides with.
from typer._click import Command, Context
from typer.core import TyperCommand, TyperGroup

from timeline.application.errors import StoreUnavailable
from timeline.collector import tune_collector


@dataclass(frozen=True, slots=True)
class LazyCommand:
    module: str
    attribute: str
    summary: str

    def load(self, name: str) -> Command:
        """The command itself, built by Typer from its module (imported now)."""
        target = getattr(importlib.import_module(self.module), self.attribute)
        command: Command
        if isinstance(target, typer.Typer):
            command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
            single.command(name=name)(target)
            command = typer.main.get_command(single)
        command.name = name
        return command


COMMANDS: dict[str, LazyCommand] = {
    "verify": LazyCommand(
        "timeline.cli.integrity",
        "verify",
        "Walk the hash chain from the first event and report the first broken position.",
    ),
    "seed": LazyCommand(
        "timeline.cli.seeding",
        "seed_command",
        "Load the curated facts in seeds/ into the log. Running it again adds nothing.",
    ),
    "propose": LazyCommand(
        "timeline.cli.proposing",
        "propose",
        "Propose facts from news articles, in the format of seeds/*.yaml. Writes nothing.",
    ),
    "accept": LazyCommand(
        "timeline.cli.proposing",
        "accept",
        "Record a reviewed draft: new facts, and sources added to the facts it corroborates. "
        "Accepting the same draft again adds nothing.",
    ),
    "replay": LazyCommand(
        "timeline.cli.replay",
        "replay",
        "Replay the record: the facts as known at a day, in the order they occurred.",
    ),
    "totals": LazyCommand(
        "timeline.cli.totals",
        "totals",
        "The running total of a measure: the sum of its FLOW readings at the end of each day, "
        'month or year, with lower and upper bounds that keep "more than" and "about" honest, '
        "and its CUMULATIVE readings set beside it as checkpoints. A reading several sources "
        "report names them all; readings of one period that differ, none published later, are "
        "contested: both sides are shown and the bounds cover them.",
    ),
    "history": LazyCommand(
        "timeline.cli.history",
        "history",
        "How the figure for a measure changed: every reading ever made, in the order it was "
        "reported, with the reading it superseded, the change, whether it still stands, who "
        "published it and the words they used.",
    ),
    "changes": LazyCommand(
        "timeline.cli.changes",
        "changes",
        "The facts added, revised and retracted between two knowledge days, with the reasons "
        "and the sources of the events in between.",
    ),
    "measures": LazyCommand(
        "timeline.cli.measures",
        "measures",
        "List the measures: each key, its label and the unit its figures are counted in. The "
        "keys are what `timeline totals` and `timeline history` take.",
    ),
    "export": LazyCommand(
        "timeline.cli.transfer",
        "export",
        "Export the whole log, one line per event with every stored field (position, ids, "
        "stream and version, type and schema version, the three times, payload, metadata and "
        "hash), so that `timeline import` can rebuild exactly the same log elsewhere.",
    ),
    "import": LazyCommand(
        "timeline.cli.transfer",
        "import_log",
        "Import an exported log into a database whose log it continues (normally an empty "
        "one), keeping every position, event id, recorded time and hash, then bring the read "
        "models up to date.",
    ),
    "serve": LazyCommand(
        "timeline.cli.serve",
        "serve",
        "Serve GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz and /metrics; "
        "each request is logged as a JSON line on standard error.",
    ),
    "projector": LazyCommand(
        "timeline.cli.projector",
        "projector",
        "Keep the read models caught up with the log, as the one leader per database.",
    ),
    "schema": LazyCommand(
        "timeline.cli.serve",
        "schema",
        "Print the GraphQL schema (SDL); ``timeline schema > schema.graphql`` re-exports it.",
    ),
    "db": LazyCommand(
        "timeline.cli.db", "app", "Create, upgrade or downgrade the database schema."
    ),
    "events": LazyCommand("timeline.cli.events", "app", "Read the raw event log."),
    "tokens": LazyCommand("timeline.cli.tokens", "app", "Manage the API's bearer tokens."),
    "projections": LazyCommand(
        "timeline.cli.projections",
        "app",
        "Rebuild the read models from the log, or show how far behind the log they are.",
    ),
    "checkpoint": LazyCommand(
        "timeline.cli.checkpoints",
        "app",
        "Sign checkpoints of the log's head with an Ed25519 key.",
    ),
}


class LazyGroup(TyperGroup):
    """The top-level group: holds ``COMMANDS`` as placeholders with their summaries (what the
    listing and the "did you mean" of a mistyped command read), and loads one to run it."""

    _listing = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, lazy in COMMANDS.items():
            self.commands.setdefault(name, TyperCommand(name, help=lazy.summary))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None or self._listing:
            return super().get_command(ctx, cmd_name)
        return lazy.load(cmd_name)

    def invoke(self, ctx: Context) -> object:
        # What every command may meet and none can mend: the database down or not migrated
        # ("run `timeline db upgrade`"). A message and exit 1, as the analyst commands answer.
        try:
            return super().invoke(ctx)
        except StoreUnavailable as error:
            typer.echo(f"unavailable: {error}", err=True)
            raise typer.Exit(1) from error

    def get_help(self, ctx: Context) -> str:
        # Every way to the listing (--help, no arguments) comes through here.
        self._listing = True
        try:
            return super().get_help(ctx)
        finally:
            self._listing = False


app = typer.Typer(
    name="timeline",
    cls=LazyGroup,
    help="An event-sourced policy timeline: record dated facts, replay them to any date.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _timeline() -> None:
    # A callback makes Typer build a group even though no command is registered on it.
    pass


def main() -> None:
    """Console-script entry point."""
    tune_collector()
    app()
