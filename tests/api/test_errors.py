"""Every error code, with what it names; refused input writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.api.conftest import Api, app_on, running
from tests.api.queries import CORROBORATE, EVENTS, RECORD, REVISE, fact_input, figure, source
from timeline.application.queries import TimelineQueries


async def total_events(api: Api) -> int:
    count: int = (await api.data(EVENTS, {"first": 0}))["events"]["totalCount"]
    return count


def only(errors: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"occurred": "2025-13"}, "input.occurred", "not valid EDTF"),
        ({"occurred": "2023-02-29"}, "input.occurred", "not a day on the calendar"),
        ({"occurred": "next week"}, "input.occurred", "not EDTF"),
        ({"figure": figure(qualifier="ROUGHLY")}, "input.figure.qualifier", "ROUGHLY"),
        (
            {"figure": figure("-5", measure="returns", unit="people", basis="FLOW")},
            "input.figure.value",
            "must not be negative",
        ),
        ({"figure": figure("1.5e400000")}, "input.figure.value", "plain decimal"),
        ({"figure": figure(650)}, "input.figure.value", "written as a string"),
        ({"figure": figure(unit="gbp")}, "input.figure.unit", "did you mean 'GBP'"),
        ({"source": source(quote="")}, "input.source.quote", "must not be empty"),
        (
            {"source": {k: v for k, v in source().items() if k != "quote"}},
            "input.source.quote",
            "required field 'quote'",
        ),
        ({"title": "x" * 501}, "input.title", "the limit is 500"),
        ({"topics": ["a"] * 2}, "input.topics[1]", "duplicates"),
        ({"kind": "lower case"}, "input.kind", "UPPER_SNAKE_CASE"),
        ({"source": source(url="not a url")}, "input.source.url", "absolute http(s) URL"),
        (
            {"source": {k: v for k, v in source().items() if k != "url"}},
            "input.source.url",
            "required field 'url'",
        ),
        (
            {"figure": figure(measure="small_boat_arrivals")},
            "input.figure.measure",
            "did you mean 'small-boat-arrivals'",
        ),
        ({"source": source(published="2018/..")}, "input.source.publishedOn", "known ends"),
        ({"idempotencyKey": "k" * 201}, "input.idempotencyKey", "the limit is 200"),
        ({"figure": figure(spanDays=7)}, "input.figure.spanDays", "only a FLOW figure"),
        (
            {"figure": figure(basis="FLOW", period="2025-10", spanDays=31)},
            "input.figure.spanDays",
            "not shorter than the period",
        ),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    api: Api, writer: str, changes: dict[str, Any], field: str, reason: str
) -> None:
    response = await api.post(RECORD, {"input": fact_input(**changes)}, token=writer)
    error = only(response.json()["errors"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    assert reason in error["message"], error
    assert await total_events(api) == 0


async def test_a_bad_literal_in_the_document_names_its_argument(api: Api, writer: str) -> None:
    query = '{ fact(id: "00000000-0000-0000-0000-000000000000", knownAt: "2025-02-30") { id } }'
    error = only(await api.errors(query))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "knownAt"}
    assert "not a day on the calendar" in error["message"]


async def test_a_unit_that_does_not_match_the_measure_is_refused(api: Api, writer: str) -> None:
    await api.data(RECORD, {"input": fact_input()}, token=writer)
    before = await total_events(api)
    error = only(
        await api.errors(
            RECORD,
            {"input": fact_input(2, figure=figure(unit="EUR"), source=source(2))},
            token=writer,
        )
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "figure.unit"
    assert "counted in GBP" in error["message"]
    assert await total_events(api) == before


async def test_a_stale_expected_revision_is_a_conflict(api: Api, writer: str) -> None:
    fact = (await api.data(RECORD, {"input": fact_input()}, token=writer))["recordFact"]["fact"]
    variables = {"id": fact["id"], "rev": 0, "changes": {"title": "New"}, "reason": "why"}
    error = only(await api.errors(REVISE, variables, token=writer))
    assert error["extensions"] == {
        "code": "CONFLICT",
        "field": "expectedRevision",
        "actualRevision": 1,
    }


async def test_an_idempotency_key_reused_with_other_content_is_a_conflict(
    api: Api, writer: str
) -> None:
    await api.data(RECORD, {"input": fact_input(idempotencyKey="k1")}, token=writer)
    before = await total_events(api)
    error = only(
        await api.errors(
            RECORD, {"input": fact_input(idempotencyKey="k1", title="Other")}, token=writer
        )
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert await total_events(api) == before


async def test_a_command_on_an_unknown_fact_is_not_found(api: Api, writer: str) -> None:
    variables = {"id": "6a1f6d50-5d6e-4d43-9d2b-6f0f4b7e2a10", "source": source()}
    error = only(await api.errors(CORROBORATE, variables, token=writer))
    assert error["extensions"] == {"code": "NOT_FOUND"}
    assert error["path"] == ["corroborateFact"]


async def test_an_id_that_is_not_one_is_bad_input(api: Api, writer: str) -> None:
    error = only(await api.errors(CORROBORATE, {"id": "42", "source": source()}, token=writer))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


async def test_an_unexpected_error_is_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(self: TimelineQueries, **_: object) -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(TimelineQueries, "events", explode)
    response = await api.post(EVENTS)
    assert "hunter2" not in response.text
    error = only(response.json()["errors"])
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL"}
    assert "hunter2" in caplog.text


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    """The API on a database that cannot be reached."""
    url = (
        f"sqlite:///{tmp_path / 'missing' / 'timeline.db'}"
        if request.param == "sqlite"
        else "postgresql://postgres@127.0.0.1:1/timeline"
    )
    async for api in running(app_on(url)):
        yield api


async def test_a_database_that_is_down_is_unavailable_with_503(unreachable: Api) -> None:
    response = await unreachable.post(EVENTS)
    assert response.status_code == 503
    error = only(response.json()["errors"])
    assert error["extensions"] == {"code": "UNAVAILABLE"}
    ready = await unreachable.client.get("/readyz")
    assert ready.status_code == 503
    assert (await unreachable.client.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ events { totalCount ", "GRAPHQL_PARSE_FAILED"),
        ("{ nothing }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_documents_that_do_not_parse_or_validate(api: Api, query: str, code: str) -> None:
    strict = await api.post(query)
    assert strict.status_code == 400
    assert strict.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in strict.json()
    assert only(strict.json()["errors"])["extensions"]["code"] == code
    legacy = await api.post(query, accept="application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
