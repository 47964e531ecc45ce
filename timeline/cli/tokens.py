"""``timeline tokens``: make, list and revoke the API's bearer tokens."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from timeline.application.tokens import (
    IssuedToken,
    Role,
    TokenNameTaken,
    TokenRecord,
    issue_token,
)
from timeline.bootstrap import open_services
from timeline.domain.errors import DomainError

app = typer.Typer(help="Manage the API's bearer tokens.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who uses it; recorded on every event it writes.")],
    role: Annotated[Role, typer.Option(help="reader, writer or admin.")] = Role.WRITER,
) -> None:
    """Make a token and print it once: only its hash is stored."""
    try:
        issued = asyncio.run(_create(name, role))
    except (TokenNameTaken, DomainError) as error:
        console.print(f"[red]refused[/red]: {error}")
        raise typer.Exit(code=2) from error
    console.print(f"token {issued.record.name!r} ({issued.record.role}); it is not shown again:")
    typer.echo(issued.token)


@app.command(name="list")
def list_tokens() -> None:
    """List tokens by name, role and state (never the tokens themselves)."""
    records = asyncio.run(_records())
    table = Table("name", "role", "created", "revoked")
    for record in records:
        revoked = f"{record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else ""
        table.add_row(record.name, record.role, f"{record.created_at:%Y-%m-%d %H:%M}", revoked)
    Console().print(table)


@app.command()
def revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Stop accepting a token at once; its name stays on the events it wrote."""
    if not asyncio.run(_revoke(name)):
        console.print(f"[red]no active token named {name!r}[/red]")
        raise typer.Exit(code=1)
    console.print(f"revoked {name!r}")


async def _create(name: str, role: Role) -> IssuedToken:
    async with open_services() as services:
        return await issue_token(services.tokens, name, role, services.clock.now())


async def _records() -> list[TokenRecord]:
    async with open_services() as services:
        return await services.tokens.records()


async def _revoke(name: str) -> bool:
    async with open_services() as services:
        return await services.tokens.revoke(name, services.clock.now())
