"""What operators read: /metrics (Prometheus' text format), /readyz's lag and leadership,
and the request id every answer carries and every request's JSON log line names."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api
from tests.api.queries import RECORD, fact_input
from timeline.api.request_log import configure_json_logging


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_operations_by_name_and_say_the_log_the_lag_and_the_leader(
    api: Api, writer: str
) -> None:
    await api.data(RECORD, {"input": fact_input(1)}, token=writer)
    before = samples((await api.client.get("/metrics")).text)
    named = ("timeline_graphql_requests_total", (("operation", "Measures"), ("outcome", "ok")))

    for _ in range(3):
        response = await api.client.post(
            "/graphql",
            json={"query": "query Measures { measures { key } }", "operationName": "Measures"},
        )
        assert response.status_code == 200
    scraped = await api.client.get("/metrics")

    assert scraped.headers["content-type"].startswith("text/plain")
    after = samples(scraped.text)
    assert after[named] - before.get(named, 0) == 3
    assert after[("timeline_graphql_request_seconds_count", (("operation", "Measures"),))] >= 3
    # A fact recorded with its figure: its measure's registration and the fact, two events.
    assert after[("timeline_log_events_total", ())] == 2
    assert after[("timeline_projected_position", ())] == 2
    assert after[("timeline_projector_lag_events", ())] == 0
    assert after[("timeline_projector_lag_seconds", ())] == 0
    leaders = [labels for (name, labels), value in after.items() if name.endswith("leader")]
    assert len(leaders) == 1  # this app's projector leads: it is the only candidate
    assert after[("timeline_projector_leading_here", ())] == 1
    assert after[("timeline_db_pool_size", (("database", "primary"),))] >= 1


async def test_an_operation_that_fails_is_counted_under_its_error_code(api: Api) -> None:
    query = 'query Missing { runningTotal(measure: "nothing-here") { unit } }'
    await api.client.post("/graphql", json={"query": query, "operationName": "Missing"})

    after = samples((await api.client.get("/metrics")).text)

    key = ("timeline_graphql_requests_total", (("operation", "Missing"), ("outcome", "NOT_FOUND")))
    assert after[key] >= 1


async def test_readyz_says_the_lag_in_events_and_seconds_and_who_leads(api: Api) -> None:
    # The app's projector stands for election in the background once the app is up: under
    # load /readyz may be asked before it has, and then rightly names no leader yet.
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        body = (await api.client.get("/readyz")).json()
        if body["leader"] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)

    assert body["status"] == "ok"
    assert (body["lag"], body["lag_seconds"]) == (0, 0.0)
    assert body["leading_here"] is True
    assert isinstance(body["leader"], str)
    assert body["leader"]


async def test_every_answer_carries_a_request_id_and_keeps_a_sensible_one_it_was_sent(
    api: Api,
) -> None:
    fresh = await api.client.get("/healthz")
    kept = await api.client.get("/healthz", headers={"x-request-id": "edge-1234.a"})
    refused = await api.client.get("/healthz", headers={"x-request-id": "not sensible!" * 10})

    assert len(fresh.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "edge-1234.a"
    assert refused.headers["x-request-id"] not in {
        "not sensible!" * 10,
        fresh.headers["x-request-id"],
    }


async def test_each_request_is_one_json_log_line_naming_its_id_and_operation(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    # What a serving process configures (``app_from_env``), undone afterwards.
    timeline_logger = logging.getLogger("timeline")
    handlers, level = timeline_logger.handlers[:], timeline_logger.level
    configure_json_logging("info")
    try:
        response = await api.client.post(
            "/graphql",
            json={"query": "query Measures { measures { key } }", "operationName": "Measures"},
            headers={"x-request-id": "trace-42"},
        )
    finally:
        timeline_logger.handlers[:] = handlers
        timeline_logger.setLevel(level)
        timeline_logger.propagate = True
    assert response.status_code == 200

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    [line] = [line for line in lines if line.get("request_id") == "trace-42"]
    assert line["logger"] == "timeline.requests"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert line["operation"] == "Measures"
    assert line["duration_ms"] > 0
