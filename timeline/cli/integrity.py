"""``timeline verify``: prove that the log has not been rewritten."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from timeline.application.chain import ChainReport, verify_chain
from timeline.bootstrap import open_services

console = Console(stderr=True)


def verify() -> None:
    """Walk the hash chain from the first event and report the first broken position.

    Exits 0 when every event's hash matches its content and its predecessor, 1 otherwise.
    """
    report = asyncio.run(_verify())
    if report.first_broken_position is None:
        console.print(f"[green]ok[/green]: {report.events_checked} events, hash chain intact")
        return
    console.print(
        f"[red]broken[/red] at position {report.first_broken_position}: {report.reason} "
        f"({report.events_checked} events checked)"
    )
    raise typer.Exit(code=1)


async def _verify() -> ChainReport:
    async with open_services() as services:
        return await verify_chain(services.store.read_all())
