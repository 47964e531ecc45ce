"""Depth, token, alias and body-size limits refuse a request before any resolver runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.api.conftest import Api
from timeline.api.settings import ApiSettings
from timeline.application.queries import TimelineQueries


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings(
        max_depth=5,
        max_tokens=200,
        max_aliases=3,
        max_body_bytes=2_000,
        subscription_poll_seconds=0.05,
    )


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the read-service calls made (none, when a limit refuses the request)."""
    calls: list[str] = []
    for name in ("events", "timeline", "measures"):
        original = getattr(TimelineQueries, name)

        def spy(
            self: TimelineQueries,
            *args: object,
            _name: str = name,
            _f: object = original,
            **kwargs: object,
        ) -> object:
            calls.append(_name)
            return _f(self, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(TimelineQueries, name, spy)
    return calls


DEEP = """{ timeline { edges { node { history { fact { history { fact { id } } } } } } } }"""
MANY_ALIASES = "{ a: measures { key } b: measures { key } c: measures { key } d: measures { key } }"
MANY_TOKENS = "{ " + " ".join(f"e{n}: __typename" for n in range(100)) + " }"


@pytest.mark.parametrize(
    ("query", "code", "needle"),
    [
        (DEEP, "GRAPHQL_VALIDATION_FAILED", "exceeds maximum operation depth"),
        (MANY_ALIASES, "GRAPHQL_VALIDATION_FAILED", "aliases"),
        (MANY_TOKENS, "GRAPHQL_PARSE_FAILED", "tokens"),
    ],
)
async def test_an_expensive_document_is_refused_before_any_resolver(
    api: Api, resolved: list[str], query: str, code: str, needle: str
) -> None:
    response = await api.post(query)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert needle in error["message"]
    assert resolved == []
    ok = await api.post("{ measures { key } }")
    assert ok.status_code == 200
    assert resolved == ["measures"]


async def test_a_body_over_the_limit_is_refused_with_413(api: Api, resolved: list[str]) -> None:
    padding = " " * 3_000
    response = await api.client.post(
        "/graphql",
        content=f'{{"query": "{{ measures {{ key }} }}{padding}"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    negotiated = await api.client.post(
        "/graphql",
        content=f'{{"query": "{{ measures {{ key }} }}{padding}"}}',
        headers={
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
        },
    )
    assert negotiated.status_code == 413
    assert negotiated.headers["content-type"] == "application/graphql-response+json; charset=utf-8"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 500

    streamed = await api.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert resolved == []


@pytest.mark.parametrize("query", [DEEP, MANY_ALIASES, MANY_TOKENS, "{ measures { key } }"])
async def test_a_document_sent_again_is_answered_as_the_first_time(api: Api, query: str) -> None:
    # Documents that passed are kept parsed and validated (CheckedDocuments); the same text
    # again must get the same answer, and a refused one must be refused again.
    first = await api.post(query)
    again = await api.post(query)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
