"""Read your writes in its short form: 400 write-then-read pairs over two uvicorn workers on
PostgreSQL (the long form, 10,000 pairs: ``python -m tests.reliability.read_your_writes
--full``). A read sent with the position its write reached never misses that write."""

from __future__ import annotations

import pytest

from tests.reliability.read_your_writes import SHORT_PAIRS, pairs

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_a_read_at_the_position_of_a_write_always_sees_it(
    postgres_database_url: str,
) -> None:
    figures = await pairs(postgres_database_url, SHORT_PAIRS)

    assert figures.stale == 0, figures.examples
    assert figures.errors == 0, figures.examples
    assert figures.pairs == SHORT_PAIRS
