"""``timeline projections``: rebuild the read models from the log, or see how far behind."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import TaskID
from rich.table import Table
from rich.text import Text

from timeline.application.errors import ProjectionBusy
from timeline.application.read_models import PROJECTIONS, Checkpoint, UnknownProjection
from timeline.bootstrap import open_services
from timeline.cli.progress import event_progress

app = typer.Typer(
    help="Rebuild the read models from the log, or show how far behind the log they are.",
    no_args_is_help=True,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


@app.command()
def rebuild(
    name: Annotated[
        str | None,
        typer.Argument(
            help=f"The projection to rebuild ({', '.join(PROJECTIONS)}); all if omitted."
        ),
    ] = None,
) -> None:
    """Replay the whole log into shadow tables and swap them in at once.

    Readers keep the old tables until the swap; other processes keep writing meanwhile, and
    what they append before the swap is in the rebuilt tables too.
    """
    names = PROJECTIONS if name is None else (name,)
    try:
        positions = asyncio.run(_rebuild(names))
    except (UnknownProjection, ProjectionBusy) as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1) from error
    for rebuilt, position in positions.items():
        errors.print(f"[green]rebuilt[/green] {rebuilt} up to position {position}")


@app.command()
def status() -> None:
    """Each projection's checkpoint and its lag behind the head of the log."""
    head, checkpoints = asyncio.run(_status())
    table = Table("projection", "position", "head", "lag", "updated (UTC)")
    for checkpoint in checkpoints:
        lag = head - checkpoint.position
        updated = (
            "never"
            if checkpoint.updated_at is None
            else f"{checkpoint.updated_at:%Y-%m-%d %H:%M:%S}"
        )
        table.add_row(
            checkpoint.name,
            str(checkpoint.position),
            str(head),
            Text(str(lag), style="green" if lag == 0 else "yellow"),
            updated,
        )
    console.print(table)


async def _rebuild(names: tuple[str, ...]) -> dict[str, int]:
    for name in names:
        if name not in PROJECTIONS:
            raise UnknownProjection(name)
    positions: dict[str, int] = {}
    async with open_services() as services:
        with event_progress(errors) as progress:
            for name in names:
                task = progress.add_task(name, total=None)

                def report(done: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done, total=total)

                positions[name] = await services.runner.rebuild(name, report)
    return positions


async def _status() -> tuple[int, list[Checkpoint]]:
    async with open_services() as services:
        return await services.store.head_position(), await services.projections.checkpoints()
