"""Beyond one process, for real: two API hosts in network namespaces, a primary and its
streaming replica, and two projectors of which one leads.

What it proves (the short forms of issue 15's checks):
- a write on host A is read on host B, which reads the replica, by the position it reached;
- a subscription on host B hears host A's write within a second;
- ``kill -9`` of the leading projector hands over to the standby within two seconds, with
  nothing lost: the read models then equal a clean rebuild of the log.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.api.queries import RECORD, fact_input
from tests.conftest import postgres_required
from tests.reliability.clusters import postgres_bin
from tests.reliability.read_model_digests import read_model_digests
from tests.topology.hosts import Host, namespaces_available
from tests.topology.topology import Topology, running_topology, timeline, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.topology, pytest.mark.slow]

FACT = "query Fact($id: ID!) { fact(id: $id) { id title } }"
TRANSPORT_WS = [Subprotocol("graphql-transport-ws")]


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    problem = namespaces_available()
    if problem is None:
        try:
            postgres_bin()
        except RuntimeError as error:
            problem = str(error)
    if problem is not None:
        if postgres_required():
            pytest.fail(f"the topology must run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    with running_topology() as started:
        yield started


def post(
    topology: Topology,
    host: Host,
    query: str,
    variables: dict[str, Any],
    *,
    token: str | None = None,
    min_position: int | None = None,
) -> dict[str, Any]:
    headers = {"accept": "application/graphql-response+json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if min_position is not None:
        headers["timeline-min-position"] = str(min_position)
    response = httpx.post(
        f"{topology.api(host)}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body


def record(topology: Topology, host: Host, n: int) -> tuple[str, int]:
    """Record a new fact through ``host``; its id and the log position the write reached."""
    body = post(
        topology,
        host,
        RECORD,
        {"input": fact_input(n, title=f"Topology fact {n} {uuid.uuid4().hex[:6]}")},
        token=topology.writer_token,
    )
    payload = body["data"]["recordFact"]
    return payload["fact"]["id"], int(payload["position"])


def test_a_write_on_host_a_is_read_on_host_b_through_the_replica(topology: Topology) -> None:
    host_a, host_b = topology.hosts
    fact_id, position = record(topology, host_a, 1)

    body = post(topology, host_b, FACT, {"id": fact_id}, min_position=position)

    assert body["data"]["fact"]["id"] == fact_id
    assert body["extensions"]["position"] >= position
    # Host B's reads went to the standby: it holds connections there, from its own address.
    clients = topology.replica.psql(
        "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE datname = 'timeline'"
    ).split()
    assert host_b.address in clients


async def test_a_subscription_on_host_b_hears_a_write_on_host_a_within_a_second(
    topology: Topology,
) -> None:
    host_a, host_b = topology.hosts
    url = f"ws://{host_b.address}:8000/graphql"
    async with connect(url, subprotocols=TRANSPORT_WS) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": "subscription { factChanged { type } }"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        await asyncio.sleep(0.3)  # the subscription is registered before the write

        started = time.monotonic()
        await asyncio.to_thread(record, topology, host_a, 2)
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        heard = time.monotonic() - started

    assert message["type"] == "next", message
    assert message["payload"]["data"]["factChanged"]["type"] == "RECORDED"
    assert heard < 1.0, f"host B heard host A's write after {heard:.2f} s"


def led_by_another(topology: Topology, former: str) -> bool:
    return topology.leader() not in {None, former}


def test_killing_the_leading_projector_hands_over_with_nothing_lost(topology: Topology) -> None:
    host_a, host_b = topology.hosts
    for round_ in range(3):
        leader = topology.leader()
        assert leader is not None
        [leading] = [p for p in topology.projectors if p.name == leader]
        leading.kill()
        killed = time.monotonic()
        wait_until(partial(led_by_another, topology, leader), "a standby to lead", timeout=10)
        handover = time.monotonic() - killed
        assert handover < 2.0, f"the standby led after {handover:.2f} s\n{topology.logs()}"
        topology.start_projector(f"{leader}-again{round_}")

        fact_id, position = record(topology, host_a, 10 + round_)
        body = post(topology, host_b, FACT, {"id": fact_id}, min_position=position)
        assert body["data"]["fact"]["id"] == fact_id

    before = asyncio.run(read_model_digests(topology.primary.url))
    timeline("projections", "rebuild", database_url=topology.primary.url)
    assert asyncio.run(read_model_digests(topology.primary.url)) == before
