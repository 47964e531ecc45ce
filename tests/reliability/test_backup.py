"""Backup and restore on both backends (the long form: ``python -m tests.reliability.backup
--full``). ``tests/integration/test_transfer.py`` already proves the seeded corpus comes
back with the same ``events tail``, ``verify`` and analyst answers, and moves between
backends byte for byte; this adds the read models' content hashes, every field of every
event of a log with revisions and retractions, and a signed checkpoint across the copy."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import PostgresServer
from tests.reliability.backup import SHORT_FACTS, round_trip


@pytest_asyncio.fixture
async def target_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A second migrated, empty database on ``backend``."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "target.db")
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = await server.create_database(template=server.template)
    yield server.url(name)
    await server.drop_database(name)


async def test_an_export_imported_into_an_empty_database_is_the_same_log_and_read_models(
    database_url: str, target_url: str, tmp_path: Path
) -> None:
    figures = await round_trip(database_url, target_url, tmp_path, facts=SHORT_FACTS)

    assert figures.events > 2 * SHORT_FACTS
    assert set(figures.read_model_hashes) == {"timeline", "measures"}
