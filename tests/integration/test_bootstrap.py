"""``bootstrap.open_services`` opens one engine, so one connection pool, per process."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import new_events
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
