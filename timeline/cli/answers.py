"""How the analyst commands answer: run one query, print it, and exit with a clear code.

Tables go to stdout through rich; CSV and JSON go to stdout as plain text with nothing
else on it (no colour, no progress), so a pipe gets exactly the document. Messages go to
stderr. Exit codes: 1 when the thing asked for does not exist or the store is down, 2 when
the request itself is refused (an end before its start, a total of percentages), as click
does for an option it cannot parse.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from collections.abc import Collection, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Column, Table

from timeline.application.errors import NotFound, StoreUnavailable
from timeline.domain.errors import DomainError

T = TypeVar("T")

PIPED_WIDTH = 160
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def answer(query: Coroutine[Any, Any, T]) -> T:
    """Run ``query``; turn a refusal into a message on stderr and an exit code."""
    try:
        return asyncio.run(query)
    except NotFound as error:
        errors.print(f"[red]not found:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    except StoreUnavailable as error:
        errors.print(f"[red]unavailable:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    except DomainError as error:
        errors.print(f"[red]refused:[/red] {escape(error.field)}: {escape(error.reason)}")
        raise typer.Exit(2) from error


def emit_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """``header`` and ``rows`` as CSV on stdout (None is an empty cell)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)


def emit_json(document: object) -> None:
    """``document`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def show(*renderables: RenderableType) -> None:
    """Print each of ``renderables`` for people on stdout. The console is made at each call,
    so it takes the width of the terminal (or of ``$COLUMNS``) the command runs in."""
    # Facts and quotes are data, not markup: "[...]" in a title must print as it is.
    console = Console(highlight=False, markup=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        # Piped into a file or a pager: no screen to fit, so rich's default of 80 columns
        # would only squeeze the tables.
        console = Console(highlight=False, markup=False, width=PIPED_WIDTH)
    for renderable in renderables:
        console.print(renderable)


def table(*headers: str, title: str, wrap: Collection[str] = ()) -> Table:
    """A table that never crops a value with "…": the columns named in ``wrap`` wrap their
    words, the others (dates, amounts, codes) stay on one line and fold only if they must."""
    columns = [Column(header, overflow="fold", no_wrap=header not in wrap) for header in headers]
    return Table(*columns, title=title, title_justify="left")


def note(message: str) -> None:
    """A message for the person at the terminal, on stderr."""
    errors.print(message)
