"""The concurrency soak in its short form (the long one: ``python -m
tests.reliability.concurrency --full``); ``soak`` itself asserts that nothing was lost,
duplicated or skipped and that there is one total order."""

from __future__ import annotations

import pytest

from tests.reliability.concurrency import SHORT, soak

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_sixteen_writers_through_dropped_connections_lose_nothing(
    postgres_database_url: str,
) -> None:
    figures = await soak(postgres_database_url, writers=SHORT["writers"], appends=SHORT["appends"])

    assert figures.writers == 16
    assert figures.attempted == SHORT["writers"] * SHORT["appends"]
    assert figures.committed + figures.conflicts == figures.attempted
    assert figures.events >= figures.committed
