"""``timeline events``: look at the raw log."""

from __future__ import annotations

import asyncio
import contextlib
import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from timeline.application.records import RecordedEvent
from timeline.bootstrap import open_services

app = typer.Typer(help="Read the raw event log.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


class TailFormat(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


@app.command()
def tail(
    from_position: Annotated[
        int,
        typer.Option(
            "--from", min=0, help="Show events after this global position (0: from the start)."
        ),
    ] = 0,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep waiting for new events.")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, help="With --follow, seconds between looks at the log.")
    ] = 0.5,
    output: Annotated[
        TailFormat, typer.Option("--format", help="text for people, jsonl for programs.")
    ] = TailFormat.TEXT,
) -> None:
    """Print the log in global order: position, recorded time, stream, type and title."""
    # Ctrl-C is how a person stops --follow; it is not an error.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_tail(from_position, follow, interval, output))


async def _tail(after: int, follow: bool, interval: float, output: TailFormat) -> None:
    async with open_services() as services:
        while True:
            async for event in services.store.read_all(after_position=after):
                _print(event, output)
                after = event.position
            if not follow:
                return
            await asyncio.sleep(interval)


def _print(event: RecordedEvent, output: TailFormat) -> None:
    if output is TailFormat.JSONL:
        typer.echo(json.dumps(_as_json(event), ensure_ascii=False, sort_keys=True))
        return
    title = _title(event)
    console.print(
        f"[bold]{event.position:>8}[/bold]  {event.recorded_at:%Y-%m-%d %H:%M:%S}  "
        f"{escape(event.stream_id)}  [cyan]{event.event_type}[/cyan]"
        + (f"  {escape(title)}" if title else "")
    )


def _title(event: RecordedEvent) -> str | None:
    """A human hint of what the event is about, where its payload names one."""
    for container in (event.payload, event.payload.get("content")):
        if isinstance(container, dict) and isinstance(container.get("title"), str):
            return str(container["title"])
    return None


def _as_json(event: RecordedEvent) -> dict[str, object]:
    return {
        "position": event.position,
        "event_id": str(event.event_id),
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "occurred": event.occurred.edtf if event.occurred else None,
        "reported": event.reported.edtf if event.reported else None,
        "recorded_at": event.recorded_at.isoformat(),
        "payload": event.payload,
        "metadata": event.metadata.to_json(),
        "hash": event.hash,
    }
