"""Against real ``timeline serve`` processes: writes, subscriptions across processes, and the
graphql-http audit suite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.api.conftest import make_token
from tests.api.queries import RECORD, RETRACT, REVISE, fact_input, source
from tests.api.servers import Server, serving
from timeline.application.tokens import Role
from timeline.collector import YOUNG_THRESHOLD

AUDIT = Path(__file__).resolve().parent / "audit"
SUBSCRIPTION = """
subscription Changes($filter: TimelineFilter) {
  factChanged(filter: $filter) { type revision position fact { id title status } }
}
"""


@pytest.fixture
def servers(database_url: str) -> Iterator[tuple[Server, Server]]:
    """Two API processes on one database."""
    with serving(database_url) as first, serving(database_url) as second:
        yield first, second


async def post(server: Server, query: str, variables: dict[str, Any], token: str) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            server.graphql,
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def subscribe(
    ws: ClientConnection, operation_id: str, variables: dict[str, Any] | None = None
) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": SUBSCRIPTION, "variables": variables or {}}
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
    await asyncio.sleep(0.5)  # the subscription is listening once its resolver has started


async def next_change(ws: ClientConnection, within: float = 1.0) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    change: dict[str, Any] = message["payload"]["data"]["factChanged"]
    return change


@pytest.mark.slow
async def test_subscribers_hear_every_change_from_any_process_within_a_second(
    servers: tuple[Server, Server], database_url: str
) -> None:
    listening, writing = servers
    token = await make_token(database_url, "remote-writer", Role.WRITER)
    protocols = [Subprotocol("graphql-transport-ws")]
    async with (
        connect(listening.websocket, subprotocols=protocols) as everything,
        connect(listening.websocket, subprotocols=protocols) as meetings,
    ):
        assert everything.subprotocol == "graphql-transport-ws"
        await subscribe(everything, "all")
        await subscribe(meetings, "meetings", {"filter": {"kinds": ["MEETING_HELD"]}})

        started = time.monotonic()
        recorded = (await post(writing, RECORD, {"input": fact_input()}, token))["recordFact"]
        change = await next_change(everything)
        assert time.monotonic() - started < 1.0 + 0.5  # the commit, then within a second
        assert change == {
            "type": "RECORDED",
            "revision": 1,
            "position": recorded["position"],
            "fact": {"id": recorded["fact"]["id"], "title": "Fact number 1", "status": "ACTIVE"},
        }
        fact_id = recorded["fact"]["id"]
        await post(
            writing,
            REVISE,
            {"id": fact_id, "rev": 1, "changes": {"title": "Renamed"}, "reason": "r"},
            token,
        )
        assert (await next_change(everything))["fact"]["title"] == "Renamed"
        await post(writing, RETRACT, {"id": fact_id, "rev": 2, "reason": "wrong"}, token)
        retracted = await next_change(everything)
        assert (retracted["type"], retracted["fact"]["status"]) == ("RETRACTED", "RETRACTED")

        meeting = fact_input(2, kind="MEETING_HELD", figure=None, source=source(2))
        await post(writing, RECORD, {"input": meeting}, token)
        heard = await next_change(meetings)
        assert (heard["type"], heard["fact"]["title"]) == ("RECORDED", "Fact number 2")
        assert (await next_change(everything))["fact"]["title"] == "Fact number 2"


FILTERED_FACTS: list[dict[str, Any]] = [
    {"title": "Évacuation of the Calais camp", "kind": "MEETING_HELD", "occurred": "2016-10"},
    {"title": "EVACUATION plan agreed", "topics": ["returns"], "occurred": "2024-07"},
    {"title": "Payments to France", "actors": ["France"], "occurred": "2018"},
    {"title": "Summit in London", "places": ["London"], "kind": "MEETING_HELD"},
]
FILTERS: list[dict[str, Any]] = [
    {"text": "évac"},
    {"text": "evac"},
    {"kinds": ["MEETING_HELD"], "to": "2020-01-01"},
    {"topics": ["returns", "funding"], "actors": ["UK"]},
    {"places": ["London"]},
]
PAGE = "query($filter: TimelineFilter) { timeline(filter: $filter) { edges { node { id } } } }"


@pytest.mark.slow
async def test_a_filtered_subscription_hears_what_the_timeline_lists_with_that_filter(
    database_url: str,
) -> None:
    # One filter, one place that decides it: the read model's SQL (where SQLite folds the
    # case of ASCII letters only), never a second matcher in Python.
    token = await make_token(database_url, "filtered-writer", Role.WRITER)
    protocols = [Subprotocol("graphql-transport-ws")]
    heard_by_filter, listed_by_filter = [], []
    with serving(database_url) as server:
        async with contextlib.AsyncExitStack() as stack:
            listeners = [
                await stack.enter_async_context(connect(server.websocket, subprotocols=protocols))
                for _ in FILTERS
            ]
            for n, (ws, criteria) in enumerate(zip(listeners, FILTERS, strict=True)):
                await subscribe(ws, f"filter-{n}", {"filter": criteria})
            for n, changes in enumerate(FILTERED_FACTS, start=1):
                await post(server, RECORD, {"input": fact_input(n, **changes)}, token)
            for ws, criteria in zip(listeners, FILTERS, strict=True):
                listed = await post(server, PAGE, {"filter": criteria}, token)
                listed_by_filter.append(
                    {edge["node"]["id"] for edge in listed["timeline"]["edges"]}
                )
                heard: set[str] = set()
                with contextlib.suppress(TimeoutError):
                    while True:
                        heard.add((await next_change(ws, within=1.5))["fact"]["id"])
                heard_by_filter.append(heard)
    assert heard_by_filter == listed_by_filter
    assert all(0 < len(listed) < len(FILTERED_FACTS) for listed in listed_by_filter[1:])


@pytest.mark.slow
async def test_a_server_with_several_workers_serves_reads_and_writes(database_url: str) -> None:
    token = await make_token(database_url, "worker-writer", Role.WRITER)
    with serving(database_url, workers=2) as server:
        for n in range(1, 5):
            written = await post(server, RECORD, {"input": fact_input(n, source=source(n))}, token)
        position = written["recordFact"]["position"]
        async with httpx.AsyncClient() as client:
            # Whichever worker answers, it reads the writes made through either.
            page = await client.post(
                server.graphql,
                json={"query": "{ timeline { totalCount } }"},
                headers={"Timeline-Min-Position": str(position)},
            )
            ready = (await client.get(f"{server.http}/readyz")).json()
        assert ready["status"] == "ok"
        assert page.json() == {
            "data": {"timeline": {"totalCount": 4}},
            "extensions": {"position": position},
        }


@pytest.mark.slow
def test_the_graphql_http_audit_passes_without_errors_or_warnings(sqlite_database_url: str) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed for the graphql-http audit"
    assert (AUDIT / "node_modules" / "graphql-http").is_dir(), (
        f"run `npm ci` in {AUDIT} (make setup does it)"
    )
    with serving(sqlite_database_url) as server:
        run = subprocess.run(
            [node, "audit.mjs", server.graphql],
            cwd=AUDIT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    report = json.loads(run.stdout)
    assert len(report) > 40
    problems = [entry for entry in report if entry["status"] != "ok"]
    assert problems == [], json.dumps(problems, indent=2)


def test_a_served_app_freezes_its_start_up_and_collects_the_young_less_often() -> None:
    # In a process of its own: the tuning is process-wide (timeline.collector).
    code = (
        "import gc; from timeline.api.app import app_from_env; app_from_env(); "
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert ran.stdout.split() == [str(YOUNG_THRESHOLD), "True"]
