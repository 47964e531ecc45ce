"""``timeline db``: move the database schema with Alembic."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from alembic.util.exc import CommandError
from rich.console import Console
from rich.markup import escape

from timeline.config import Settings
from timeline.store import migrations

T = TypeVar("T")

app = typer.Typer(help="Create, upgrade or downgrade the database schema.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Alembic revision to move to.")] = "head",
) -> None:
    """Upgrade the schema (creates the database tables on first use)."""
    url = Settings.from_env().database_url
    _migrate(migrations.upgrade(url, revision))
    console.print(f"schema at {asyncio.run(migrations.current(url)) or 'base'} on {_safe(url)}")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Alembic revision to move to, e.g. 'base'.")],
) -> None:
    """Downgrade the schema. Moving to 'base' drops every table and the events in them."""
    url = Settings.from_env().database_url
    _migrate(migrations.downgrade(url, revision))
    console.print(f"schema at {asyncio.run(migrations.current(url)) or 'base'} on {_safe(url)}")


@app.command()
def current() -> None:
    """Print the schema revision the database is at ('base' when it has none)."""
    url = Settings.from_env().database_url
    typer.echo(asyncio.run(migrations.current(url)) or "base")


def _migrate(operation: Coroutine[Any, Any, T]) -> T:
    """Run a migration; Alembic's refusal (an unknown revision, a downgrade past base) is a
    message and exit 2, as click answers an argument it cannot use. The migration ran in
    one transaction, so a refusal left the schema as it was."""
    try:
        return asyncio.run(operation)
    except CommandError as error:
        console.print(f"[red]refused:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}@{host}"
