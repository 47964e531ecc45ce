"""The database outage in its short form: PostgreSQL (a cluster of the test's own) restarted
under the API's traffic (the long form: ``python -m tests.reliability.outage --full``);
``outage`` itself asserts fast 503s, no hang, recovery and no half-done write."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.api.conftest import app_on, running
from tests.conftest import postgres_required
from tests.factories import new_events
from tests.reliability.clusters import local_cluster, postgres_bin
from tests.reliability.outage import SHORT, outage
from timeline.application.errors import StoreUnavailable
from timeline.store import migrations
from timeline.store.factory import open_event_store

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


async def refused_at_connect(url: str) -> bool:
    """Whether a new connection is refused as the server is shutting down (57P03)."""
    try:
        connection = await asyncpg.connect(url)
    except asyncpg.CannotConnectNowError:
        return True
    await connection.close()
    return False


@pytest.mark.usefixtures("server_binaries")
async def test_connecting_while_the_database_shuts_down_is_unavailable() -> None:
    # The full outage found this: between "stop" and the socket closing, PostgreSQL refuses
    # new connections with "the database system is shutting down", and an append that had
    # to connect then answered INTERNAL. A smart shutdown holds that state for as long as
    # one session stays open, so the test can look at it at leisure.
    with local_cluster() as cluster:
        await cluster.create_database()
        await migrations.upgrade(cluster.url)
        store = await open_event_store(cluster.url)
        holder = await asyncpg.connect(cluster.url)
        try:
            await asyncio.to_thread(cluster.stop, "smart", wait=False)
            for _ in range(100):
                if await refused_at_connect(cluster.url):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the server never began to shut down")

            with pytest.raises(StoreUnavailable):
                await store.append("a", new_events(1), expected_version=0)
            with pytest.raises(StoreUnavailable):
                await store.head_position()
            with pytest.raises(StoreUnavailable):
                await store.read_stream("a")
            with pytest.raises(StoreUnavailable):
                [event async for event in store.read_all()]
            async for api in running(app_on(cluster.url)):
                for query in ("{ measures { key } }", "{ events { totalCount } }"):
                    response = await api.post(query)
                    assert response.status_code == 503, response.text
                    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
                    assert codes == {"UNAVAILABLE"}
        finally:
            await holder.close()
            await store.close()
