"""Compiled queries answer exactly what the executor answers, and only what they can.

A document is compiled after it has once run cleanly through the executor, so every test
sends the same document twice to the API (the second answer is the plan's, or the
executor's again for a document that is not compiled) and once to the same API on the same
database with compilation turned off: the three answers must be the same bytes.
``recordedBefore`` is fixed so that the cursors, which carry it, are comparable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio
from starlette.routing import Route
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from tests.api.conftest import Api, app_on, make_token, running
from tests.api.queries import CORROBORATE, RECORD, RETRACT, REVISE, fact_input, figure, source
from timeline.api.graphql.compiled import NotCompiled, Plan, _permissions
from timeline.api.graphql.context import Context
from timeline.api.graphql.permissions import READ, CanRead
from timeline.api.graphql.schema import TimelineSchema
from timeline.api.graphql.view import TimelineGraphQL
from timeline.application.tokens import Role

PINNED = {"recordedBefore": "2100-01-01T00:00:00Z"}

PAGE = """
query Page($first: Int, $after: String, $recordedBefore: DateTime) {
  timeline(first: $first, after: $after, recordedBefore: $recordedBefore) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      id kind title summary occurred occurredEarliest occurredLatest occurredPhrase dateNote
      topics actors places status revision firstReported recordedAt
      figure { measure value unit qualifier basis period lower upper lowerInclusive
               upperInclusive }
      readings { figure { value unit } source { publisher } }
      sources { publisher title url document publishedOn quote }
    } }
  }
}
"""

SHAPES = """
query Shapes($recordedBefore: DateTime, $filter: TimelineFilter) {
  __typename
  page: timeline(first: 3, recordedBefore: $recordedBefore, filter: $filter) {
    __typename
    total: totalCount
    edges { node { ...Fields title id } }
    ... on FactConnection { pageInfo { hasNextPage } }
  }
  timeline(recordedBefore: $recordedBefore) { totalCount edges { node { title } } }
}
fragment Fields on Fact { __typename heading: title sources { publisher } ... { status } }
"""

LOG = """
query Log($first: Int, $after: String, $afterPosition: Int) {
  events(first: $first, after: $after, afterPosition: $afterPosition) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      position eventId streamId streamVersion type schemaVersion occurred reported recordedAt
      actor reason idempotencyKey payload hash
    } }
  }
}
"""

HISTORY = '{ figureHistory(measure: "uk-payments-to-france") { position } }'

TOTAL = """
query Total($measure: String!, $granularity: Granularity, $knownAt: Date, $from: Date) {
  runningTotal(measure: $measure, granularity: $granularity, knownAt: $knownAt, from: $from) {
    measure unit granularity warnings
    points { date total lower upper contested }
    checkpoints { date contested value lower upper lowerInclusive upperInclusive discrepancy
                  consistent computed { date total } reading { position figure { value } }
                  readings { position } }
    contested { period basis value lower upper lowerInclusive upperInclusive
                readings { position } }
  }
}
"""

NOT_COMPILED = {
    "a field that takes info": "query($recordedBefore: DateTime) { timeline(recordedBefore: "
    "$recordedBefore) { edges { node { title history { revision } } } } }",
    "a directive": "query($recordedBefore: DateTime, $yes: Boolean = true) { "
    "timeline(recordedBefore: $recordedBefore) { totalCount @include(if: $yes) } }",
    "a root that is not compiled": HISTORY,
    "a mix of roots": "query($recordedBefore: DateTime) { figureHistory(measure: "
    '"uk-payments-to-france") { position } timeline(recordedBefore: $recordedBefore) '
    "{ totalCount } }",
    "an async field of a compiled root": '{ runningTotal(measure: "uk-payments-to-france") '
    "{ points { facts { title } } } }",
}


@pytest_asyncio.fixture
async def executor(database_url: str) -> AsyncIterator[Api]:
    """The API on the same database, every operation through graphql-core's executor."""
    app = app_on(database_url)
    [graphql] = [r for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    assert isinstance(graphql.endpoint, TimelineGraphQL)
    schema = graphql.endpoint.schema
    assert isinstance(schema, TimelineSchema)
    schema.compiled = None
    async for running_api in running(app):
        yield running_api


@pytest.fixture
def plans_run(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """Every compiled plan run while the test runs."""
    ran: list[Plan] = []
    run = Plan.run

    async def counting(self: Plan, *args: Any) -> dict[str, Any]:
        ran.append(self)
        return await run(self, *args)

    monkeypatch.setattr(Plan, "run", counting)
    return ran


async def facts(api: Api, database_url: str) -> list[str]:
    """Six facts, the first corroborated and the second retracted; their ids."""
    writer = await make_token(database_url, "compiled", Role.WRITER)
    ids = []
    for n in range(6):
        changes: dict[str, Any] = {"occurred": f"20{10 + n}"}
        if n % 2:
            changes["figure"] = None
        data = await api.data(RECORD, {"input": fact_input(n, **changes)}, token=writer)
        ids.append(data["recordFact"]["fact"]["id"])
    await api.data(CORROBORATE, {"id": ids[0], "source": source(10)}, token=writer)
    await api.data(RETRACT, {"id": ids[1], "rev": 1, "reason": "Wrong."}, token=writer)
    return ids


async def same(api: Api, executor: Api, query: str, variables: dict[str, Any]) -> bytes:
    """The API's second answer, once it is the executor's to the byte (the executor's
    server asked for the writes made through the API's, as any client of two servers would)."""
    executor.min_position = max(executor.min_position, api.min_position)
    first = await api.post(query, variables, accept="application/json")
    second = await api.post(query, variables, accept="application/json")
    expected = await executor.post(query, variables, accept="application/json")
    assert first.status_code == second.status_code == expected.status_code == 200, first.text
    assert "errors" not in expected.json(), expected.json()
    assert first.content == second.content == expected.content
    return second.content


async def test_a_compiled_page_is_the_executors_to_the_byte(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    await facts(api, database_url)
    for variables in ({"first": 50}, {"first": 2}, {"first": 0}):
        await same(api, executor, PAGE, {**variables, **PINNED})
    assert len(plans_run) == 3 * 2 - 1
    # The second page, through a cursor the compiled first page handed out.
    cursor = (await api.data(PAGE, {"first": 2, **PINNED}))["timeline"]["pageInfo"]["endCursor"]
    body = await same(api, executor, PAGE, {"first": 2, "after": cursor, **PINNED})
    assert b'"hasPreviousPage":true' in body


async def test_a_fact_kept_completed_gives_way_to_its_next_revision(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    # Completed fact nodes are kept by row (compiled.ROW_KEYS): a revision is a new row.
    ids = await facts(api, database_url)
    before = await same(api, executor, PAGE, {"first": 50, **PINNED})
    writer = await make_token(database_url, "reviser", Role.WRITER)
    changes = {"title": "Renamed by a later source"}
    revise = {"id": ids[2], "rev": 1, "changes": changes, "reason": "clearer"}
    await api.data(REVISE, revise, token=writer)
    after = await same(api, executor, PAGE, {"first": 50, **PINNED})
    assert b"Renamed by a later source" in after
    assert b"Renamed by a later source" not in before
    assert len(plans_run) == 3  # the second of the first pair, and both after the write


async def test_aliases_fragments_typenames_and_merged_fields_compile(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    await facts(api, database_url)
    for variables in ({}, {"filter": {"includeRetracted": True, "topics": ["funding"]}}):
        await same(api, executor, SHAPES, {**variables, **PINNED})
    assert len(plans_run) == 2 * 2 - 1


async def test_a_compiled_page_of_the_log_is_the_executors_to_the_byte(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    await facts(api, database_url)
    pages: list[dict[str, Any]] = [
        {"first": 3},
        {"first": 3, "afterPosition": 2},
        {"first": 100},
        {"first": 0},
        {"afterPosition": 1_000},
    ]
    cursor = (await api.data(LOG, {"first": 3}))["events"]["pageInfo"]["endCursor"]
    pages.append({"first": 3, "after": cursor})
    for variables in pages:
        await same(api, executor, LOG, variables)
    assert len(plans_run) == 2 * len(pages)  # the first sight of LOG was the cursor's page
    # What the soak asks of the log.
    soak = "{ events(first: 5) { totalCount edges { node { position type actor } } } }"
    body = await same(api, executor, soak, {})
    assert b'"type":"FactRecorded"' in body
    assert len(plans_run) == 2 * len(pages) + 1


async def test_compiled_measures_are_the_executors_to_the_byte(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    empty = await same(api, executor, "{ measures { key label unit } }", {})
    assert empty == b'{"data":{"measures":[]},"extensions":{"position":0}}'
    await facts(api, database_url)
    shapes = "{ __typename measures { __typename unit name: key ... on Measure { label } } }"
    for query in ("{ measures { key label unit } }", shapes):
        body = await same(api, executor, query, {})
        assert b'"uk-payments-to-france"' in body
    assert len(plans_run) == 1 + 2 + 1  # each document's first sight went to the executor


async def test_a_compiled_running_total_is_the_executors_to_the_byte(
    api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    await facts(api, database_url)
    writer = await make_token(database_url, "totals", Role.WRITER)
    # Amounts of single years beside the facts' cumulative ones (checkpoints), two of them
    # for one year that differ.
    for n, (year, value, qualifier) in enumerate(
        (("2019", "100", "EXACT"), ("2020", "50", "ABOUT"), ("2020", "70", "EXACT"))
    ):
        amount = figure(value, basis="FLOW", period=year, qualifier=qualifier)
        flow = fact_input(20 + n, occurred=year, figure=amount, source=source(20))
        await api.data(RECORD, {"input": flow}, token=writer)
    measure = "uk-payments-to-france"
    totals: list[dict[str, Any]] = [
        {"measure": measure},
        {"measure": measure, "granularity": "MONTH", "from": "2010-01-01"},
        {"measure": measure, "granularity": "DAY", "knownAt": "2030-01-01"},
    ]
    for variables in totals:
        total = orjson.loads(await same(api, executor, TOTAL, variables))
        assert total["data"]["runningTotal"]["points"], variables
    assert total["data"]["runningTotal"]["checkpoints"]
    assert len(plans_run) == 2 * len(totals) - 1
    soak = f'{{ runningTotal(measure: "{measure}", granularity: YEAR) '
    soak += "{ unit points { date total lower upper } warnings } }"
    body = await same(api, executor, soak, {})
    assert b'"points":[{"date":' in body
    assert len(plans_run) == 2 * len(totals)
    # Refused as the executor refuses it.
    [error] = await api.errors(TOTAL, {"measure": "no-such-measure"})
    assert (error["extensions"]["code"], error["path"]) == ("NOT_FOUND", ["runningTotal"])


@pytest.mark.parametrize("case", sorted(NOT_COMPILED))
async def test_what_is_not_compiled_is_left_to_the_executor(
    case: str, api: Api, executor: Api, database_url: str, plans_run: list[Plan]
) -> None:
    await facts(api, database_url)
    await same(api, executor, NOT_COMPILED[case], PINNED)
    assert plans_run == []


async def test_a_compiled_document_answers_errors_as_the_executor_does(
    api: Api, executor: Api, database_url: str
) -> None:
    await facts(api, database_url)
    await same(api, executor, PAGE, {"first": 5, **PINNED})
    [error] = await api.errors(PAGE, {"first": 5, "after": "not-a-cursor"})
    assert (error["extensions"]["code"], error["path"]) == ("BAD_USER_INPUT", ["timeline"])
    [error] = await api.errors(PAGE, {"first": 501})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    [error] = await api.errors(PAGE, {"first": "many"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    await same(api, executor, LOG, {"first": 5})
    [error] = await api.errors(LOG, {"first": 5, "after": "not-a-cursor"})
    assert (error["extensions"]["code"], error["path"]) == ("BAD_USER_INPUT", ["events"])
    [error] = await api.errors(LOG, {"first": 501})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.post(PAGE, {"first": 5}, token="tl_not-a-token")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_odd_bodies_reach_the_executor(api: Api, executor: Api) -> None:
    query = "{ timeline { totalCount } }"
    await same(api, executor, query, {})
    for body in (
        {"query": query, "operationName": {"a": 1}},
        {"query": query, "operationName": "Missing"},
        {"query": query, "variables": ["a"]},
        {"query": ["a"]},
    ):
        answer = await api.client.post("/graphql", json=body)
        expected = await executor.client.post("/graphql", json=body)
        assert answer.status_code == expected.status_code != 200, answer.text
        assert answer.content == expected.content


class _NeedsInfo(BasePermission):
    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return True


def test_a_compiled_root_applies_its_fields_permissions() -> None:
    assert _permissions(StrawberryField(permission_classes=READ)) == (CanRead.check,)
    with pytest.raises(NotCompiled):  # a permission that needs more than the context
        _permissions(StrawberryField(permission_classes=[_NeedsInfo]))
