"""Backup and restore on both backends (the long form: ``python -m tests.reliability.backup
--full``). ``tests/integration/test_transfer.py`` already proves the seeded corpus comes
back with the same ``events tail``, ``verify`` and analyst answers, and moves between
backends byte for byte; this adds the read models' content hashes, every field of every
event of a log with revisions and retractions, and a signed checkpoint across the copy."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.backup import SHORT_FACTS, round_trip


async def test_an_export_imported_into_an_empty_database_is_the_same_log_and_read_models(
    database_url: str, target_url: str, tmp_path: Path
) -> None:
    figures = await round_trip(database_url, target_url, tmp_path, facts=SHORT_FACTS)

    assert figures.events > 2 * SHORT_FACTS
    assert set(figures.read_model_hashes) == {"timeline", "measures"}
