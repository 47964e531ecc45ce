"""``bootstrap.open_services`` opens one engine, so one connection pool, per process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import new_events
from tests.unit.test_decisions import BBC, CONTENT, GUARDIAN
from timeline.bootstrap import open_services
from timeline.config import Settings
from timeline.store.sql import postgres, sqlite


async def test_every_store_of_the_process_shares_one_engine(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[AsyncEngine] = []
    for backend in (postgres, sqlite):
        original = backend.create_async_engine

        def counted(*args: Any, original: Any = original, **kwargs: Any) -> AsyncEngine:
            engine: AsyncEngine = original(*args, **kwargs)
            made.append(engine)
            return engine

        monkeypatch.setattr(backend, "create_async_engine", counted)

    async with open_services(Settings(database_url=database_url)) as services:
        # Every store at work: the log, the read models, the tokens and the signal.
        await services.store.append("a", new_events(2), expected_version=0)
        await services.runner.catch_up()
        assert (await services.projections.checkpoints())[0].position == 2
        assert await services.tokens.records() == []
        await services.signal.wait(0.01)
    assert len(made) == 1


async def test_a_change_is_folded_from_the_log_the_feed_follows_not_a_standby_behind_it(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    # The feed hands subscribers each event as the primary has it; the standby that serves
    # the reads may not have replayed it yet. A copy of the file taken before the second
    # fact stands for such a standby, really behind, with nothing faked.
    standby = tmp_path / "standby.db"
    async with open_services(Settings(database_url=sqlite_database_url)) as services:
        await services.service.record_fact(CONTENT, BBC)
    shutil.copyfile(sqlite_database_url.removeprefix("sqlite:///"), standby)

    settings = Settings(database_url=sqlite_database_url, read_database_url=f"sqlite:///{standby}")
    async with open_services(settings) as services:
        head = await services.store.head_position()
        recorded = await services.service.record_fact(CONTENT, GUARDIAN)
        [record] = [e async for e in services.store.read_all(after_position=head)]

        change = await services.queries.change_at(record)

    assert change is not None
    assert change.fact_id == recorded.fact.fact_id
    assert change.before is None
    assert change.after.revision == 1
