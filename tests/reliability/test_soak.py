"""The soak in its short form: 10 s at 32 clients on two uvicorn workers on PostgreSQL (the
long form, five minutes: ``python -m tests.reliability.soak --full``); ``soak`` itself
asserts zero errors and memory growth under 10 % after the warm-up."""

from __future__ import annotations

import pytest

from tests.reliability.soak import HANDOVER_SECONDS, SHORT, SoakSize, soak

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_thirty_two_clients_get_no_error_and_memory_stays_flat(
    postgres_database_url: str,
) -> None:
    figures = await soak(postgres_database_url, SHORT)

    assert figures.errors == 0
    assert figures.reads > 0
    assert figures.writes > 0
    assert figures.rss_growth_after_warm_up < 0.10


async def test_killing_the_leading_projector_under_load_hands_over_and_loses_nothing(
    postgres_database_url: str,
) -> None:
    # The long form: python -m tests.reliability.soak --full --failover 10
    figures = await soak(postgres_database_url, SoakSize(12, 4), failovers=2)

    assert figures.failovers == 2
    assert figures.handover_max_s < HANDOVER_SECONDS
    assert figures.equal_to_rebuild is True
    assert figures.errors == 0
    assert figures.stale_reads == 0
