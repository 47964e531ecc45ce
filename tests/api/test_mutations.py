"""Every mutation through HTTP, on both backends: what it returns and what it writes."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.queries import (
    CORROBORATE,
    EVENTS,
    FACT,
    RECORD,
    RETRACT,
    REVISE,
    fact_input,
    figure,
    source,
)


async def record(api: Api, token: str, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await api.data(RECORD, {"input": fact_input(**changes)}, token=token)
    )["recordFact"]
    return payload


async def test_a_fact_is_recorded_corroborated_revised_and_retracted(api: Api, writer: str) -> None:
    recorded = await record(api, writer)
    fact = recorded["fact"]
    assert (recorded["revision"], recorded["replayed"]) == (1, False)
    assert fact["revision"] == 1
    assert fact["status"] == "ACTIVE"
    assert (fact["occurred"], fact["occurredEarliest"], fact["occurredLatest"]) == (
        "2025-10",
        "2025-10-01",
        "2025-10-31",
    )
    assert fact["figure"] == {
        "measure": "uk-payments-to-france",
        "value": "650000000",
        "unit": "GBP",
        "qualifier": "MORE_THAN",
        "basis": "CUMULATIVE",
        "period": "2018/2025-10",
        "spanDays": None,
        "lower": "650000000",
        "upper": None,
    }
    assert fact["firstReported"] == "2025-10-09"

    corroborated = (
        await api.data(
            CORROBORATE,
            {"id": fact["id"], "source": source(2, "2025-10-20"), "figure": figure("660000000")},
            token=writer,
        )
    )["corroborateFact"]
    assert corroborated["revision"] == 2
    assert corroborated["position"] > recorded["position"]
    assert [s["url"] for s in corroborated["fact"]["sources"]] == [
        "https://news.example/articles/1",
        "https://news.example/articles/2",
    ]

    revised = (
        await api.data(
            REVISE,
            {
                "id": fact["id"],
                "rev": 2,
                "changes": {"title": "A better title", "topics": ["funding", "border"]},
                "reason": "the first title was vague",
            },
            token=writer,
        )
    )["reviseFact"]
    assert revised["revision"] == 3
    assert revised["fact"]["title"] == "A better title"

    retracted = (
        await api.data(
            RETRACT, {"id": fact["id"], "rev": 3, "reason": "it was a rumour"}, token=writer
        )
    )["retractFact"]
    assert (retracted["revision"], retracted["fact"]["status"]) == (4, "RETRACTED")

    history = (await api.data(FACT, {"id": fact["id"]}))["fact"]["history"]
    assert [(h["revision"], h["type"]) for h in history] == [
        (1, "RECORDED"),
        (2, "CORROBORATED"),
        (3, "REVISED"),
        (4, "RETRACTED"),
    ]
    assert history[2]["changedFields"] == ["title", "topics"]
    assert history[2]["reason"] == "the first title was vague"
    assert history[1]["reported"] == "2025-10-20"
    assert history[1]["source"] == {"url": "https://news.example/articles/2"}
    assert all(h["recordedAt"].endswith("Z") for h in history)


async def test_each_event_records_the_name_of_the_token_that_wrote_it(
    api: Api, writer: str, admin: str
) -> None:
    await record(api, writer)
    await record(api, admin, title="Another", source=source(7))
    events = (await api.data(EVENTS, {"first": 10}))["events"]["edges"]
    by_type = [(e["node"]["type"], e["node"]["actor"]) for e in events]
    assert by_type == [
        ("MeasureRegistered", "test-writer"),
        ("FactRecorded", "test-writer"),
        ("FactRecorded", "test-admin"),
    ]


async def test_a_retry_with_the_same_idempotency_key_returns_the_original(
    api: Api, writer: str
) -> None:
    first = await record(api, writer, idempotencyKey="import-42")
    again = await record(api, writer, idempotencyKey="import-42")
    assert again["replayed"] is True
    assert (again["fact"]["id"], again["position"]) == (first["fact"]["id"], first["position"])
    events = (await api.data(EVENTS, {"first": 10}))["events"]
    assert events["totalCount"] == 2  # the measure's registration and the one fact


async def test_a_figure_over_a_span_inside_its_period_keeps_the_span(api: Api, writer: str) -> None:
    week = figure(
        "2000",
        measure="small-boat-arrivals-weekly",
        unit="people",
        basis="FLOW",
        qualifier="ALMOST",
        period="2025-09-22/2025-10-30",
        spanDays=7,
    )
    recorded = (await record(api, writer, kind="FIGURE_REPORTED", figure=week))["fact"]
    assert recorded["figure"]["period"] == "2025-09-22/2025-10-30"
    assert recorded["figure"]["spanDays"] == 7
    events = (await api.data(EVENTS, {"first": 2}))["events"]["edges"]
    [fact_event] = [e["node"] for e in events if e["node"]["type"] == "FactRecorded"]
    assert fact_event["payload"]["content"]["figure"]["span_days"] == 7


async def test_a_new_measure_is_registered_with_its_unit_and_summary_defaults_to_title(
    api: Api, writer: str
) -> None:
    recorded = await record(
        api,
        writer,
        summary=None,
        figure=figure(
            "120",
            measure="returns-to-france",
            unit="people",
            basis="FLOW",
            qualifier="EXACT",
            period="2025-10",
        ),
    )
    assert recorded["fact"]["summary"] == recorded["fact"]["title"]
    events = (await api.data(EVENTS, {"first": 1}))["events"]["edges"]
    assert events[0]["node"]["payload"] == {
        "key": "returns-to-france",
        "label": "Returns to france",
        "unit": "people",
    }
