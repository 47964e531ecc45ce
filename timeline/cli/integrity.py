"""``timeline verify``: prove that the log has not been rewritten."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from timeline.application.chain import ChainReport, verify_chain
from timeline.application.checkpoints import (
    CheckpointReport,
    InvalidCheckpoint,
    SignedCheckpoint,
    load_public_key,
    verify_with_checkpoint,
)
from timeline.bootstrap import open_services
from timeline.cli.checkpoints import read_checkpoint

console = Console(stderr=True)


def verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            dir_okay=False,
            metavar="FILE",
            help="Also prove that the log still extends the history this signed "
            "checkpoint (`timeline checkpoint sign`) saw.",
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            dir_okay=False,
            metavar="KEYFILE",
            help="Accept only checkpoints signed by this key (PEM, e.g. KEYFILE.pub).",
        ),
    ] = None,
) -> None:
    """Walk the hash chain from the first event and report the first broken position.

    Exits 0 when every event's hash matches its content and its predecessor, 1 otherwise.
    With --checkpoint, also exits 1 unless the checkpoint's signature is valid and the event
    at its position still has its hash, which catches a rewrite whose forger recomputed
    every hash after it.
    """
    if checkpoint is None:
        if public_key is not None:
            raise typer.BadParameter("needs --checkpoint", param_hint="--public-key")
        report = asyncio.run(_verify())
        _print_chain(report)
        if not report.intact:
            raise typer.Exit(code=1)
        return
    signed = read_checkpoint(checkpoint)
    trusted = None
    if public_key is not None:
        try:
            trusted = load_public_key(public_key.read_bytes())
        except (OSError, InvalidCheckpoint) as error:
            console.print(f"[red]cannot read the public key:[/red] {escape(str(error))}")
            raise typer.Exit(code=1) from error
    checked = asyncio.run(_verify_checkpoint(signed, trusted))
    _print_chain(checked.chain)
    if not checked.chain.intact:
        raise typer.Exit(code=1)
    if checked.reason is not None:
        console.print(f"[red]checkpoint refuted[/red]: {escape(checked.reason)}")
        raise typer.Exit(code=1)
    pinned = "" if trusted is not None else " (key not pinned: pass --public-key to pin it)"
    console.print(
        f"[green]ok[/green]: the log extends the checkpoint at position {signed.position}, "
        f"signed {signed.signed_at:%Y-%m-%d %H:%M:%S} UTC by key {signed.key_fingerprint}" + pinned
    )


def _print_chain(report: ChainReport) -> None:
    if report.first_broken_position is None:
        console.print(f"[green]ok[/green]: {report.events_checked} events, hash chain intact")
        return
    console.print(
        f"[red]broken[/red] at position {report.first_broken_position}: {report.reason} "
        f"({report.events_checked} events checked)"
    )


async def _verify() -> ChainReport:
    async with open_services() as services:
        return await verify_chain(services.store.read_all())


async def _verify_checkpoint(
    checkpoint: SignedCheckpoint, trusted_key: str | None
) -> CheckpointReport:
    async with open_services() as services:
        return await verify_with_checkpoint(
            services.store.read_all(), checkpoint, trusted_key=trusted_key
        )
