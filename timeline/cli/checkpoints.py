"""``timeline checkpoint keygen`` and ``sign``: signed witnesses of the log's head, for
``timeline verify --checkpoint`` to check later (``timeline.application.checkpoints``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.markup import escape

from timeline.application.checkpoints import (
    InvalidCheckpoint,
    SignedCheckpoint,
    generate_key,
    key_fingerprint,
    load_private_key,
    private_key_pem,
    public_key_hex,
    public_key_pem,
    sign_checkpoint,
)
from timeline.application.transfer import log_head
from timeline.bootstrap import open_services
from timeline.cli.answers import answer

app = typer.Typer(help="Sign checkpoints of the log's head with an Ed25519 key.")
errors = Console(stderr=True, highlight=False, soft_wrap=True)

KeyFile = Annotated[
    Path,
    typer.Option(
        "--key",
        dir_okay=False,
        metavar="KEYFILE",
        help="The private key (PEM) `timeline checkpoint keygen` wrote.",
    ),
]


@app.command()
def keygen(key: KeyFile) -> None:
    """Make an Ed25519 key pair: KEYFILE (the private key, mode 0600) and KEYFILE.pub.

    Keep the private key off the database's machine; give KEYFILE.pub to whoever checks
    checkpoints (`timeline verify --checkpoint FILE --public-key KEYFILE.pub`).
    """
    public = key.with_name(key.name + ".pub")
    private = generate_key()
    try:
        # O_EXCL: never overwrite a key that signed earlier checkpoints. The mode is given
        # at creation, so the key is never readable by others, not even for a moment.
        descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        errors.print(f"[red]refused:[/red] {escape(str(key))} exists; not overwriting a key")
        raise typer.Exit(1) from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_key_pem(private))
    public.write_bytes(public_key_pem(private.public_key()))
    fingerprint = key_fingerprint(public_key_hex(private.public_key()))
    errors.print(f"wrote {key} (private, 0600) and {public}; key {fingerprint}")


@app.command()
def sign(
    key: KeyFile,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout."),
    ] = None,
) -> None:
    """Sign the log's current head: position, head hash, time, public key and signature,
    as JSON. Keep the file away from the database: it is what a rewrite cannot forge."""
    try:
        private = load_private_key(key.read_bytes())
    except (OSError, InvalidCheckpoint) as error:
        errors.print(f"[red]cannot read the key:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    checkpoint = answer(_sign(private))
    document = json.dumps(checkpoint.to_json(), indent=2) + "\n"
    if output is None:
        typer.echo(document, nl=False)
    else:
        partial = output.with_name(output.name + ".partial")
        partial.write_text(document, encoding="utf-8")
        os.replace(partial, output)
    errors.print(
        f"signed position {checkpoint.position} ({checkpoint.head_hash[:16]}…) with key "
        f"{checkpoint.key_fingerprint}" + ("" if output is None else f" to {output}")
    )


async def _sign(private: Ed25519PrivateKey) -> SignedCheckpoint:
    async with open_services() as services:
        head = await log_head(services.store)
        return sign_checkpoint(head, private, services.clock.now())


def read_checkpoint(path: Path) -> SignedCheckpoint:
    """The checkpoint in a file ``sign`` wrote; exits 1 naming what is wrong with it."""
    try:
        return SignedCheckpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, InvalidCheckpoint) as error:
        errors.print(f"[red]cannot read the checkpoint {path}:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
