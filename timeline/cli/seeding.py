"""``timeline seed``: load the curated corpus through the application service."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from timeline.bootstrap import open_services
from timeline.bundled import bundled_directory
from timeline.cli.projector import settle
from timeline.corpus import CorpusError, Outcome, SeedEntry, SeedReport, load_corpus, seed

console = Console(stderr=True)

DEFAULT_SEEDS = bundled_directory("seeds")


def seed_command(
    path: Annotated[
        Path,
        typer.Option(
            "--path",
            exists=True,
            file_okay=False,
            help="Directory of seed YAML files (one per article).",
        ),
    ] = DEFAULT_SEEDS,
) -> None:
    """Load the curated facts in seeds/ into the log. Running it again adds nothing."""
    try:
        entries = load_corpus(path)
    except CorpusError as exc:
        console.print(f"[red]bad seed file[/red] {exc}")
        raise typer.Exit(code=2) from exc
    report = asyncio.run(_seed(entries))
    if report.written == 0:
        console.print(f"nothing to add: all {report.present} seed entries are already in the log")
        return
    console.print(
        f"recorded {report.recorded} facts and {report.corroborated} corroborations"
        f" ({report.present} entries were already in the log)"
    )


async def _seed(entries: list[SeedEntry]) -> SeedReport:
    columns = (
        TextColumn("seeding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=len(entries))

        def advance(entry: SeedEntry, outcome: Outcome) -> None:
            progress.update(task, advance=1, description=f"{entry.slug}: {outcome}")

        async with open_services() as services:
            report = await seed(services.service, entries, advance)
            # The read models show the seeds once this returns (also a log that was there
            # before the read models were: nothing written now, projections never run).
            await settle(services, await services.store.head_position())
            return report
