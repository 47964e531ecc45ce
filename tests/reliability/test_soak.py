"""The soak in its short form: 10 s at 32 clients on two uvicorn workers on PostgreSQL (the
long form, five minutes: ``python -m tests.reliability.soak --full``); ``soak`` itself
asserts zero errors and memory growth under 10 % after the warm-up."""

from __future__ import annotations

import pytest

from tests.reliability.soak import HANDOVER_SECONDS, SHORT, SoakSize, lags_of, soak

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_thirty_two_clients_get_no_error_and_memory_stays_flat(
    postgres_database_url: str,
) -> None:
    figures = await soak(postgres_database_url, SHORT)

    assert figures.errors == 0
    assert figures.reads > 0
    assert figures.writes > 0
    assert figures.rss_growth_after_warm_up < 0.10
    assert figures.projector_lag_events > 0
    assert 0 <= figures.projector_lag_p50_ms <= figures.projector_lag_p99_ms
    assert figures.projector_lag_p99_ms <= figures.projector_lag_max_ms


def test_an_events_lag_runs_to_the_first_position_heard_at_or_past_it() -> None:
    heard = [(3, 10.5), (2, 10.6), (7, 11.0)]  # 2: a new leader announcing again
    recorded = [(1, 10.0), (3, 10.2), (4, 10.3), (7, 10.9), (8, 11.0)]
    lags = lags_of(recorded, heard)
    assert [round(lag, 3) for lag in lags] == [0.5, 0.3, 0.7, 0.1]  # 8: never heard of


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
