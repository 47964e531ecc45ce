"""Backup and restore: ``timeline export`` then ``timeline import`` into an empty database
gives the very same log (every field, every hash) and the very same read models.

    python -m tests.reliability.backup          # short: 60 facts, PostgreSQL to PostgreSQL
    python -m tests.reliability.backup --full   # 3,000 facts (about 10,000 events)

The log is synthetic (``tests.integration.synthetic``: records, corroborations, revisions
and retractions over simulated months) and its read models are caught up before the
export. A checkpoint signed on the original must verify on the restored copy too.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from tests.integration.projection_snapshots import content_hash, stored_rows
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from tests.reliability.runs import arguments, publish, throwaway_postgres
from timeline.application.checkpoints import (
    generate_key,
    sign_checkpoint,
    verify_with_checkpoint,
)
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import PROJECTIONS
from timeline.application.transfer import log_head
from timeline.cli import app
from timeline.store import codec
from timeline.store.factory import open_event_store, open_projection_store

SHORT_FACTS = 60
FULL_FACTS = 3000


@dataclass
class BackupFigures:
    events: int = 0
    export_bytes: int = 0
    export_seconds: float = 0.0
    import_seconds: float = 0.0
    read_model_hashes: dict[str, str] = field(default_factory=dict)


def timeline(url: str, *arguments: str) -> str:
    """Run the command line on the database at ``url``; its output, or AssertionError."""
    result = CliRunner().invoke(app, list(arguments), env={"TIMELINE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


async def round_trip(source: str, target: str, directory: Path, *, facts: int) -> BackupFigures:
    """Fill ``source``, export it, import into the empty ``target``, compare everything."""
    clock = synthetic_clock()
    original = await open_event_store(source, clock)
    projections = await open_projection_store(source, clock)
    restored = await open_event_store(target)
    figures = BackupFigures()
    try:
        await append_synthetic_log(original, clock, facts=facts, seed=3)
        await ProjectionRunner(original, codec, projections).catch_up()
        checkpoint = sign_checkpoint(await log_head(original), generate_key(), clock.now())
        path = directory / "timeline.jsonl"

        # The command line runs its own event loop: give it a thread of its own.
        started = time.monotonic()
        await asyncio.to_thread(timeline, source, "export", "--output", str(path))
        figures.export_seconds = round(time.monotonic() - started, 2)
        started = time.monotonic()
        await asyncio.to_thread(timeline, target, "import", str(path))
        figures.import_seconds = round(time.monotonic() - started, 2)
        assert "hash chain intact" in await asyncio.to_thread(timeline, target, "verify")

        before = [event async for event in original.read_all()]
        after = [event async for event in restored.read_all()]
        assert after == before, "the restored log differs from the original"
        for name in PROJECTIONS:
            here, there = await stored_rows(source, name), await stored_rows(target, name)
            assert content_hash(there) == content_hash(here), f"{name} differs after restore"
            figures.read_model_hashes[name] = content_hash(there)
        assert (await verify_with_checkpoint(restored.read_all(), checkpoint)).holds
        figures.events = len(after)
        figures.export_bytes = path.stat().st_size
        return figures
    finally:
        await restored.close()
        await projections.close()
        await original.close()


async def _main() -> None:
    options = arguments(__doc__ or "")
    load_before = os.getloadavg()
    facts = FULL_FACTS if options.full else SHORT_FACTS
    async with (
        throwaway_postgres("backup_source") as source,
        throwaway_postgres("backup_target") as target,
    ):
        with tempfile.TemporaryDirectory() as directory:
            figures = await round_trip(source, target, Path(directory), facts=facts)
    publish({"facts": facts, **asdict(figures)}, options.json, load_before)


if __name__ == "__main__":
    asyncio.run(_main())
