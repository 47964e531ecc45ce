"""``timeline projector``: the process that advances the read models; and how the other
commands that write wait for it (``settle``).

Run as many as you like: one per database leads (a PostgreSQL advisory lock, a file lock
beside a SQLite file) and the rest stand by, ready to take over within about half a second
of the leader's death. ``timeline serve`` runs one in each worker unless told not to.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from typing import Annotated

import typer
import uvloop
from rich.console import Console

from timeline.application.errors import ProjectionBehind
from timeline.bootstrap import Services, open_services
from timeline.config import Settings

errors = Console(stderr=True, highlight=False)

SETTLE_SECONDS = 60.0
"""How long a writing command waits for another process's projector before it says the
read models will follow: its writes are committed either way."""


def projector(
    poll_seconds: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="How often the leader looks at the log when nothing wakes it "
            "(default: TIMELINE_PROJECTOR_POLL_SECONDS, or 0.1).",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="What to call this projector in its logs and in PostgreSQL's "
            "pg_stat_activity (application_name 'timeline-projector NAME') "
            "(default: TIMELINE_PROJECTOR_NAME, or the host name and process id).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every batch, not only leadership.")
    ] = False,
) -> None:
    """Keep the read models caught up with the log, as the one leader per database.

    Stands in the election (a PostgreSQL advisory lock, or a file lock beside a SQLite
    file) and, while it leads, applies every batch the log grows by, each in one
    transaction with its checkpoint, woken by PostgreSQL's NOTIFY or by polling. Logs when
    it leads or stands by, and its position every 10 seconds while it leads. Stops on
    Ctrl-C or SIGTERM, letting a standby take over at once.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("sqlalchemy", "asyncio", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = Settings.from_env()
    if poll_seconds is not None:
        settings = dataclasses.replace(settings, projector_poll_seconds=poll_seconds)
    if name:
        settings = dataclasses.replace(settings, projector_name=name)
    # uvloop, as uvicorn runs the API: a batch is a few dozen round trips to the database,
    # each cheaper on its event loop.
    uvloop.run(_run(settings))
    errors.print("projector stopped")


async def _run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    async with open_services(settings) as services, services.projector.running():
        errors.print(
            f"projector {services.projector.name} standing for election on "
            f"{_where(settings.database_url)}"
        )
        await stop.wait()


def _where(url: str) -> str:
    return url.rpartition("@")[2]  # no password in the output


async def settle(services: Services, position: int) -> None:
    """After this command wrote up to ``position``: wait until the read models reflect it
    (leading the projection itself if no projector runs), or say they will follow."""
    try:
        await services.projector.settle(
            position,
            services.positions,
            max(SETTLE_SECONDS, services.settings.min_position_wait_seconds),
        )
    except ProjectionBehind as behind:
        errors.print(
            f"[yellow]the read models are at position {behind.projected}, not yet at "
            f"{behind.position}: the running projector will bring them up to date[/yellow]"
        )
