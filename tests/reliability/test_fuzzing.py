"""Fuzzing the running API (short form; the long one: ``python -m tests.reliability.fuzzing
--full``), and the inputs fuzzing found that once answered INTERNAL or hung, each kept
here as a regression test."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.queries import RECORD, fact_input, figure, source
from tests.reliability.fuzzing import SHORT_EXAMPLES, run


@pytest.mark.postgres
@pytest.mark.slow
def test_fuzzing_the_running_api_finds_nothing(postgres_database_url: str) -> None:
    findings = run(postgres_database_url, SHORT_EXAMPLES)

    assert findings.problems == []
    assert sum(findings.tried.values()) == 5 * SHORT_EXAMPLES
    assert not [status for status in findings.answers if status >= 500]


async def post_escaped(
    api: Api, query: str, variables: dict[str, object], token: str
) -> dict[str, Any]:
    """POST with non-ASCII escaped (``\\ud800``), as JSON allows: httpx's own encoder
    writes UTF-8, which cannot carry a lone surrogate."""
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}).encode("ascii"),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def head(api: Api) -> int:
    count: int = (await api.data("{ events(first: 0) { totalCount } }"))["events"]["totalCount"]
    return count


# The checks that failed live above the store, the same on both backends: SQLite is enough.
SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE
@pytest.mark.parametrize("text", ["\ud800", "half \udfff"])
@pytest.mark.parametrize(
    "changes",
    [
        lambda text: {"title": text},
        lambda text: {"summary": text},
        lambda text: {"topics": ["ok", text]},
        lambda text: {"idempotencyKey": text},
        lambda text: {"source": source(quote=text)},
        lambda text: {"source": source(publisher=text)},
    ],
    ids=["title", "summary", "topics", "idempotencyKey", "quote", "publisher"],
)
async def test_a_lone_surrogate_is_bad_input_and_writes_nothing(
    api: Api, writer: str, changes: Any, text: str
) -> None:
    # Valid JSON ("\ud800" is a legal escape) but not Unicode text: UTF-8 cannot hold it,
    # so it reached the store's encoder and answered INTERNAL.
    body = await post_escaped(api, RECORD, {"input": fact_input(**changes(text))}, writer)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "surrogate" in error["message"]
    assert await head(api) == 0


@SQLITE
async def test_an_instant_past_the_calendar_in_utc_is_bad_input(api: Api) -> None:
    # 9999-12-31T23:59:59-14:00 is 10000-01-01 in UTC, past what datetime can hold.
    query = "query ($r: DateTime) { timeline(recordedBefore: $r) { totalCount } }"
    response = await api.post(query, {"r": "9999-12-31T23:59:59.999999-14:00"})

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "r"}, error
    assert "out of range" in error["message"]


@SQLITE
async def test_a_running_total_of_millions_of_days_is_refused_at_once(
    api: Api, writer: str
) -> None:
    await api.data(RECORD, {"input": fact_input(figure=figure())}, token=writer)
    query = (
        'query ($from: Date, $to: Date) { runningTotal(measure: "uk-payments-to-france", '
        "from: $from, to: $to, granularity: DAY) { points { date } } }"
    )
    started = time.monotonic()
    response = await api.post(query, {"from": "0001-01-01", "to": "9999-12-31"})

    # It used to build 3.65 million points, for minutes, holding a worker.
    assert time.monotonic() - started < 2
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == "granularity"
    assert "coarser granularity" in error["message"]
    ok = await api.post(query, {"from": "2025-01-01", "to": "2025-12-31"})
    assert len(ok.json()["data"]["runningTotal"]["points"]) == 365


@SQLITE
@pytest.mark.parametrize(
    "body",
    [b"\x00" * 9, b"\xe1", b"1\xcb", b"null", b"-1944", b"2.7539e+16", b'"query"', b"true"],
)
async def test_a_body_that_is_not_a_json_object_in_utf_8_is_a_400(api: Api, body: bytes) -> None:
    # These answered 500: json.loads guessed UTF-16 from NUL bytes, choked on bytes that
    # are not UTF-8, or returned a number Strawberry then called .get() on.
    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400, response.text
    assert await head(api) == 0


@SQLITE
@pytest.mark.parametrize(
    "document",
    ["{}", "{}{}, {}{}", "query A {} query B { measures { key } }", "{ timeline {} }"],
)
async def test_an_empty_selection_set_is_no_internal_error(api: Api, document: str) -> None:
    # graphql-core 3.3 parses "{}"; Strawberry's depth limiter then took max() of nothing
    # and the request answered INTERNAL.
    response = await api.post(document)

    assert response.status_code < 500, response.text
    codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
    assert "INTERNAL" not in codes, response.text
