"""``timeline export`` and ``timeline import``: the log as JSON lines, out and back in."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from timeline.application import transfer
from timeline.application.errors import IntegrityViolation
from timeline.application.transfer import ImportRejected, ImportReport
from timeline.bootstrap import open_services
from timeline.cli.answers import answer
from timeline.cli.progress import Stages, event_progress
from timeline.cli.projector import settle
from timeline.store import codec

errors = Console(stderr=True, highlight=False, soft_wrap=True)


class ExportFormat(StrEnum):
    JSONL = "jsonl"


def export(
    output_format: Annotated[
        ExportFormat,
        typer.Option("--format", help="jsonl: one JSON object per stored event."),
    ] = ExportFormat.JSONL,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", dir_okay=False, help="Write to this file instead of stdout."
        ),
    ] = None,
) -> None:
    """Export the whole log, one line per event with every stored field (position, ids,
    stream and version, type and schema version, the three times, payload, metadata and
    hash), so that `timeline import` can rebuild exactly the same log elsewhere.

        timeline export --output timeline.jsonl
    """
    if output is None:
        try:
            count = answer(_export(sys.stdout))
        except BrokenPipeError:
            # The reader went away (`timeline export | head`): stop quietly, and keep
            # Python from failing again when it flushes stdout on exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
    else:
        # Written beside the target and renamed into place when complete, so a failed
        # export never leaves a file that looks like a whole log.
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as file:
                count = answer(_export(file))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    errors.print(f"exported {count} events" + ("" if output is None else f" to {output}"))


def import_log(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="FILE",
            help="A file `timeline export` wrote.",
        ),
    ],
) -> None:
    """Import an exported log into a database whose log it continues (normally an empty
    one), keeping every position, event id, recorded time and hash, then bring the read
    models up to date.

    Every line is checked first: JSON with every field of its type, a payload the codec
    decodes, positions that continue the log without gaps, recorded times that never go
    back, hashes that chain, and events each stream's rules accept. If any line is bad,
    every bad line is listed with its number and reason, and nothing is written.
    """
    try:
        report = answer(_import(path, _count_lines(path)))
    except ImportRejected as rejected:
        for problem in rejected.problems:
            errors.print(escape(problem.describe()))
        errors.print(f"[red]refused:[/red] {rejected}")
        raise typer.Exit(1) from rejected
    except IntegrityViolation as refused:
        errors.print(f"[red]refused:[/red] {escape(str(refused))}; nothing was imported")
        raise typer.Exit(1) from refused
    errors.print(
        f"imported {report.events} events; the log's head is at {report.head} "
        "and the read models are up to date"
    )


async def _export(file: TextIO) -> int:
    async with open_services() as services:
        total = await services.store.head_position()
        with event_progress(errors) as progress:
            return await transfer.export_log(services.store, file.write, Stages(progress, total))


async def _import(path: Path, lines: int) -> ImportReport:
    async with open_services() as services:
        with event_progress(errors) as progress:
            return await transfer.import_log(
                _reader(path),
                store=services.store,
                codec=codec,
                importer=services.importer,
                settle=lambda head: settle(services, head),
                progress=Stages(progress, lines),
            )


def _reader(path: Path) -> Callable[[], Iterator[bytes]]:
    def lines() -> Iterator[bytes]:
        with path.open("rb") as file:
            yield from file

    return lines


def _count_lines(path: Path) -> int:
    """How many lines the file has, for the progress bar (a last line may lack its \\n)."""
    count, last = 0, b"\n"
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")
