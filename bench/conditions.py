"""The conditions a run was measured under: machine, load, versions, durability, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

from bench.databases import Databases
from bench.suite import Settings


def machine() -> str:
    """The CPU model and the number of cores the process may use."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


async def collect(settings: Settings, databases: Databases, load_before: str) -> dict[str, Any]:
    durability: dict[str, Any] = {}
    for backend in settings.backends:
        entry: dict[str, Any] = {"timeline": await databases.durability(backend)}
        if settings.peer:
            async with databases.peer(backend) as peer:
                entry["eventsourcing"] = peer.durability()
        durability[backend] = entry
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": await _postgres_version(settings) if "postgres" in settings.backends else None,
        "eventsourcing": _version("eventsourcing"),
        "commit": _commit(),
        "events": settings.events,
        "repeats": settings.repeats,
        "seed": settings.seed,
        "durability": durability,
    }


async def _postgres_version(settings: Settings) -> str:
    url = sa.make_url(settings.postgres_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return found.stdout.strip()
