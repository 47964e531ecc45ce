"""The database outage in its short form: PostgreSQL (a cluster of the test's own) restarted
under the API's traffic (the long form: ``python -m tests.reliability.outage --full``);
``outage`` itself asserts fast 503s, no hang, recovery and no half-done write."""

from __future__ import annotations

import pytest

from tests.conftest import postgres_required
from tests.reliability.clusters import postgres_bin
from tests.reliability.outage import SHORT, outage

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def server_binaries() -> None:
    """PostgreSQL's initdb and pg_ctl: required where PostgreSQL is (CI), else a skip."""
    try:
        postgres_bin()
    except RuntimeError as error:
        if postgres_required():
            raise
        pytest.skip(str(error))


@pytest.mark.usefixtures("server_binaries")
async def test_a_restarted_database_costs_fast_503s_and_nothing_else() -> None:
    figures = await outage(SHORT)

    assert figures.unavailable > 0
    # How many requests meet the outage depends on the machine's load; recovery itself is
    # asserted inside ``outage`` for every restart, so only require some successes here.
    assert figures.succeeded > 0
    assert figures.other_answers == {}
    assert len(figures.recovery_seconds) == SHORT.restarts
