"""What the long forms share: a throwaway database, the command line and the figures.

Each scenario module runs as ``python -m tests.reliability.NAME [--full] [--json FILE]``:
the short form by default (what the suite runs), the long one with ``--full``. They need
the same PostgreSQL server as the suite (``TIMELINE_TEST_POSTGRES_URL``, by default
127.0.0.1:5432 as user postgres), make their own databases on it and drop them again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import POSTGRES_ADMIN_URL, PostgresServer
from timeline.store import migrations


@asynccontextmanager
async def throwaway_postgres(prefix: str) -> AsyncIterator[str]:
    """A migrated, empty database on the test server, dropped afterwards."""
    server = PostgresServer(
        admin_url=POSTGRES_ADMIN_URL, prefix=f"timeline_{prefix}_{secrets.token_hex(3)}"
    )
    try:
        name = await server.create_database()
        url = server.url(name)
        await migrations.upgrade(url)
        yield url
    finally:
        await server.drop_all()


def arguments(
    description: str,
    *flags: tuple[str, str],
    numbers: tuple[tuple[str, str], ...] = (),
    paths: tuple[tuple[str, str], ...] = (),
) -> argparse.Namespace:
    """``--full`` and ``--json FILE``, each of ``flags`` (name, help) as a switch, each of
    ``numbers`` (name, help) as an optional number and each of ``paths`` as a file."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="the long form")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    for name, text in flags:
        parser.add_argument(name, action="store_true", help=text)
    for name, text in numbers:
        parser.add_argument(name, type=float, help=text)
    for name, text in paths:
        parser.add_argument(name, type=Path, help=text)
    return parser.parse_args()


def conditions(load_before: tuple[float, float, float]) -> dict[str, object]:
    """When and where the figures were taken, and how busy the machine was before the run
    (other people's work shares the CPU) and after it (the run's own load included)."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "python": platform.python_version(),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }


def publish(
    figures: Mapping[str, object], path: Path | None, load_before: tuple[float, float, float]
) -> None:
    """Print the figures (and the conditions) as JSON, and write them to ``path``."""
    document = json.dumps({**figures, "conditions": conditions(load_before)}, indent=2, default=str)
    print(document)
    if path is not None:
        path.write_text(document + "\n", encoding="utf-8")
