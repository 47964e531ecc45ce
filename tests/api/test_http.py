"""GraphQL over HTTP: GET for queries, POST for everything, media types, CORS, GraphiQL,
and the health endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.conftest import Api, app_on, running
from tests.api.queries import RECORD, fact_input
from timeline.api.settings import ApiSettings


async def test_a_query_can_be_sent_with_get(api: Api) -> None:
    response = await api.client.get(
        "/graphql",
        params={
            "query": "query Q($n: Int) { events(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert response.json() == {
        "data": {"events": {"totalCount": 0}},
        "extensions": {"position": 0},
    }


async def test_a_mutation_cannot_be_sent_with_get(api: Api, writer: str) -> None:
    response = await api.client.get(
        "/graphql",
        params={
            "query": 'mutation { retractFact(id: "x", expectedRevision: 1, reason: "r") '
            "{ revision } }"
        },
        headers={"authorization": f"Bearer {writer}"},
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"query": ', "application/json", "Unable to parse request body as JSON"),
        (b'{"variables": {}}', "application/json", "No GraphQL query found in the request"),
        (b"{ measures { key } }", "text/plain", "Unsupported content type"),
        (b"\xff\xfe{}", "application/json", "The request body is not UTF-8 text"),
        (b"42", "application/json", "Expected a JSON object"),
    ],
    ids=["malformed-json", "no-query", "unsupported-content-type", "not-utf8", "not-an-object"],
)
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/graphql-response+json", "application/graphql-response+json"),
        ("application/json", "application/json"),
        ("", "application/json"),
    ],
    ids=["graphql-response", "json", "no-accept"],
)
async def test_a_request_that_is_not_graphql_is_answered_as_graphql_over_http_does(
    api: Api, body: bytes, content_type: str, message: str, accept: str, media_type: str
) -> None:
    headers = {"content-type": content_type}
    if accept:
        headers["accept"] = accept
    response = await api.client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_json_is_answered_as_json_when_asked(api: Api) -> None:
    for accept in ("application/json", "*/*", ""):
        response = await api.post("{ measures { key } }", accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"


async def test_graphiql_is_served_to_a_browser(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health_and_readiness(api: Api, writer: str) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    await api.data(RECORD, {"input": fact_input()}, token=writer)
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body == {
        "status": "ok",
        "head": 2,
        "projected": 2,
        "lag": 0,
        "lag_seconds": 0.0,
        "leader": body["leader"],
        "leading_here": True,
    }
    assert body["leader"]


async def test_a_database_without_the_schema_is_not_ready_and_says_what_to_run(
    unmigrated_database_url: str,
) -> None:
    async for api in running(app_on(unmigrated_database_url)):
        ready = await api.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert "run `timeline db upgrade`" in ready.json()["reason"]

        answer = await api.post("{ measures { key } }")
        assert answer.status_code == 503
        error = answer.json()["errors"][0]
        assert error["extensions"] == {"code": "UNAVAILABLE"}


@pytest_asyncio.fixture
async def cors_api(database_url: str) -> AsyncIterator[Api]:
    settings = ApiSettings(cors_origins=("https://app.example",), subscription_poll_seconds=0.05)
    async for api in running(app_on(database_url, settings)):
        yield api


async def test_cors_allows_the_configured_front_end_origins(cors_api: Api) -> None:
    preflight = await cors_api.client.options(
        "/graphql",
        headers={
            "origin": "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    refused = await cors_api.client.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert refused.status_code == 400
    simple = await cors_api.client.post(
        "/graphql",
        json={"query": "{ measures { key } }"},
        headers={"origin": "https://app.example"},
    )
    assert simple.headers["access-control-allow-origin"] == "https://app.example"
