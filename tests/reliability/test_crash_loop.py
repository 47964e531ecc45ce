"""The crash loop in its short form: 20 kills -9 of the projection runner on PostgreSQL (the
long form: ``python -m tests.reliability.crash_loop --full [--sqlite]``); ``crash_loop``
itself compares the read models with the fold after every kill and, after the restart,
with a clean rebuild."""

from __future__ import annotations

import pytest

from tests.reliability.crash_loop import SHORT, crash_loop

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_twenty_kills_leave_read_models_equal_to_a_clean_rebuild(
    postgres_database_url: str,
) -> None:
    figures = await crash_loop(postgres_database_url, SHORT)

    assert figures.kills == 20
    assert set(figures.kills_by_mode) >= {"catch-up", "rebuild-timeline"}
    assert figures.distinct_checkpoints_at_kills > 1, "every kill landed at the same place"
    assert set(figures.content_hashes) == {"timeline", "measures"}
