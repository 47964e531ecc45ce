"""The read queries through HTTP, on both backends: timeline pages, time travel, measures,
running totals, figure histories and changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.conftest import Api, make_token
from tests.api.queries import CORROBORATE, RECORD, RETRACT, REVISE, fact_input, figure, source
from timeline.application.tokens import Role

TIMELINE = """
query Timeline($filter: TimelineFilter, $knownAt: Date, $first: Int, $after: String) {
  timeline(filter: $filter, knownAt: $knownAt, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title occurred status revision recordedAt
                          sources { url } figure { value unit } } }
  }
}
"""


async def record(api: Api, token: str, n: int, **changes: Any) -> dict[str, Any]:
    changes.setdefault("figure", None)
    changes.setdefault("source", source(n))
    data = await api.data(RECORD, {"input": fact_input(n, **changes)}, token=token)
    fact: dict[str, Any] = data["recordFact"]["fact"]
    return fact


async def timeline(api: Api, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await api.data(TIMELINE, variables))["timeline"]
    return page


def titles(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in page["edges"]]


async def test_paging_yields_every_fact_once_while_facts_arrive(api: Api, writer: str) -> None:
    for n in range(1, 8):
        await record(api, writer, n, occurred=f"2025-0{n}")
    seen: list[str] = []
    page = await timeline(api, first=3)
    assert page["totalCount"] == 7
    assert page["pageInfo"]["hasPreviousPage"] is False
    seen += titles(page)
    # Meanwhile: a fact that sorts first, one that sorts last, and a revision that moves a
    # fact not yet seen to the front.
    await record(api, writer, 8, occurred="2024-01")
    await record(api, writer, 9, occurred="2026-01")
    moved = (await timeline(api, first=7))["edges"][5]["node"]
    await api.data(
        REVISE,
        {"id": moved["id"], "rev": 1, "changes": {"occurred": "2020"}, "reason": "misdated"},
        token=writer,
    )
    while page["pageInfo"]["hasNextPage"]:
        page = await timeline(api, first=3, after=page["pageInfo"]["endCursor"])
        assert page["totalCount"] == 7
        assert page["pageInfo"]["hasPreviousPage"] is True
        seen += titles(page)
    assert seen == [f"Fact number {n}" for n in range(1, 8)]
    fresh = await timeline(api, first=500)
    assert fresh["totalCount"] == 9
    assert titles(fresh)[:2] == [moved["title"], "Fact number 8"]


async def test_a_page_is_bounded_and_a_cursor_must_be_one_handed_out(api: Api) -> None:
    error = (await api.errors(TIMELINE, {"first": 501}))[0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    error = (await api.errors(TIMELINE, {"after": "not-a-cursor"}))[0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert (await timeline(api, first=0))["edges"] == []


async def test_the_timeline_filters(api: Api, writer: str) -> None:
    await record(api, writer, 1, kind="MEETING_HELD", topics=["talks"], occurred="2025-10-09")
    await record(api, writer, 2, title="Boats seized in Calais", occurred="2024")
    retracted = await record(api, writer, 3, occurred="2023")
    await api.data(RETRACT, {"id": retracted["id"], "rev": 1, "reason": "wrong"}, token=writer)

    async def filtered(**criteria: Any) -> list[str]:
        return titles(await timeline(api, filter=criteria))

    assert await filtered() == ["Boats seized in Calais", "Fact number 1"]
    assert await filtered(kinds=["MEETING_HELD"]) == ["Fact number 1"]
    assert await filtered(topics=["talks", "nothing"]) == ["Fact number 1"]
    assert await filtered(text="calais") == ["Boats seized in Calais"]
    assert await filtered(**{"from": "2025-01-01"}) == ["Fact number 1"]
    assert await filtered(to="2024-06-30") == ["Boats seized in Calais"]
    assert await filtered(includeRetracted=True) == [
        "Fact number 3",
        "Boats seized in Calais",
        "Fact number 1",
    ]


FACT_AT = """
query At($id: ID!, $knownAt: Date, $recordedBefore: DateTime) {
  fact(id: $id, knownAt: $knownAt, recordedBefore: $recordedBefore) {
    title revision recordedAt history { revision }
  }
}
"""


async def test_known_at_and_recorded_before_replay_what_was_known(api: Api, writer: str) -> None:
    fact = await record(api, writer, 1, source=source(1, "2025-10-09"))
    revised = (
        await api.data(
            REVISE,
            {
                "id": fact["id"],
                "rev": 1,
                "changes": {"title": "Corrected title"},
                "reason": "a later article corrected it",
                "source": source(2, "2025-11-02"),
            },
            token=writer,
        )
    )["reviseFact"]

    async def at(**when: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await api.data(FACT_AT, {"id": fact["id"], **when}))["fact"]
        return found

    assert await at(knownAt="2025-10-08") is None
    before = await at(knownAt="2025-10-20")
    assert before is not None
    assert (before["title"], before["revision"]) == ("Fact number 1", 1)
    assert [h["revision"] for h in before["history"]] == [1]
    after = await at(knownAt="2025-11-02")
    assert after is not None
    assert (after["title"], after["revision"]) == ("Corrected title", 2)
    recorded = await at(recordedBefore=revised["fact"]["recordedAt"])
    assert recorded is not None
    assert recorded["title"] == "Fact number 1"
    page = await timeline(api, knownAt="2025-10-20")
    assert titles(page) == ["Fact number 1"]


TOTALS = """
query Totals($measure: String!, $knownAt: Date, $granularity: Granularity) {
  measures { key label unit }
  runningTotal(measure: $measure, knownAt: $knownAt, granularity: $granularity) {
    measure unit
    points { date total lower upper facts { title } }
    checkpoints { date value discrepancy consistent reading { figure { value } } }
    warnings
  }
  figureHistory(measure: $measure) {
    figure { value period } status change reported superseded { figure { value } }
    source { url } fact { title }
  }
}
"""


def crossings(value: str, period: str, basis: str = "FLOW", **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"unit": "people", "qualifier": "EXACT", **changes}
    return figure(value, measure="small-boat-crossings", basis=basis, period=period, **fields)


async def test_measures_running_totals_and_figure_history(api: Api, writer: str) -> None:
    january = await record(
        api,
        writer,
        1,
        kind="FIGURE_REPORTED",
        figure=crossings("100", "2025-01"),
        source=source(1, "2025-03-01"),
    )
    await record(
        api,
        writer,
        2,
        kind="FIGURE_REPORTED",
        figure=crossings("200", "2025-02"),
        source=source(2, "2025-03-01"),
    )
    await record(
        api,
        writer,
        3,
        kind="FIGURE_REPORTED",
        figure=crossings("350", "2025-01/2025-02", basis="CUMULATIVE"),
        source=source(3, "2025-04-01"),
    )
    await api.data(
        CORROBORATE,
        {
            "id": january["id"],
            "source": source(4, "2025-05-01"),
            "figure": crossings("110", "2025-01"),
        },
        token=writer,
    )

    data = await api.data(TOTALS, {"measure": "small-boat-crossings", "granularity": "MONTH"})
    assert data["measures"] == [
        {"key": "small-boat-crossings", "label": "Small boat crossings", "unit": "people"}
    ]
    total = data["runningTotal"]
    assert (total["measure"], total["unit"]) == ("small-boat-crossings", "people")
    assert [(p["date"], p["total"]) for p in total["points"]] == [
        ("2025-01-31", "110"),
        ("2025-02-28", "310"),
    ]
    assert [f["title"] for f in total["points"][1]["facts"]] == ["Fact number 1", "Fact number 2"]
    [checkpoint] = total["checkpoints"]
    assert (checkpoint["value"], checkpoint["discrepancy"]) == ("350", "40")
    history = data["figureHistory"]
    january_readings = [h for h in history if h["figure"]["period"] == "2025-01"]
    assert [(h["figure"]["value"], h["change"]) for h in january_readings] == [
        ("100", None),
        ("110", "10"),
    ]
    assert january_readings[1]["superseded"] == {"figure": {"value": "100"}}

    earlier = (
        await api.data(
            TOTALS,
            {"measure": "small-boat-crossings", "knownAt": "2025-03-15", "granularity": "MONTH"},
        )
    )["runningTotal"]
    assert [p["total"] for p in earlier["points"]] == ["100", "300"]
    assert earlier["checkpoints"] == []


CONTESTED = """
query Contested($measure: String!) {
  runningTotal(measure: $measure, granularity: YEAR) {
    points { date total lower upper contested }
    checkpoints { value lower upper contested readings { source { url } figure { qualifier } } }
    contested { period basis value lower upper readings { figure { qualifier } source { url } } }
  }
}
"""


async def test_readings_published_the_same_day_that_differ_are_contested(
    api: Api, writer: str
) -> None:
    # "Almost 22,000" then "at least 22,000", both published on 31 October: whichever was
    # recorded last, neither stands alone and both are shown.
    almost = await record(
        api,
        writer,
        1,
        kind="FIGURE_REPORTED",
        figure=crossings("22000", "2024", qualifier="ALMOST"),
        source=source(1, "2025-10-31"),
    )
    await api.data(
        CORROBORATE,
        {
            "id": almost["id"],
            "source": source(2, "2025-10-31"),
            "figure": crossings("22000", "2024", qualifier="AT_LEAST"),
        },
        token=writer,
    )
    for n in (3, 4, 5):  # one cumulative reading, reported alike by three sources
        await record(
            api,
            writer,
            n,
            kind="FIGURE_REPORTED",
            figure=crossings("59607", "2024-07-05/2025-10", basis="CUMULATIVE"),
            source=source(n, "2025-10-31"),
        )

    total = (await api.data(CONTESTED, {"measure": "small-boat-crossings"}))["runningTotal"]
    assert total["points"] == [
        {
            "date": "2024-12-31",
            "total": "22000",
            "lower": "19800.0",
            "upper": None,
            "contested": True,
        }
    ]
    [contest] = total["contested"]
    assert (contest["period"], contest["basis"], contest["lower"], contest["upper"]) == (
        "2024",
        "FLOW",
        "19800.0",
        None,
    )
    assert {r["figure"]["qualifier"] for r in contest["readings"]} == {"ALMOST", "AT_LEAST"}
    [checkpoint] = total["checkpoints"]
    assert (checkpoint["value"], checkpoint["contested"]) == ("59607", False)
    urls = [source(n)["url"] for n in (3, 4, 5)]
    assert [r["source"]["url"] for r in checkpoint["readings"]] == urls
    # Asked through fragments, the readings are all there; with no checkpoints asked for
    # (their middle readings left unread), the points are the same.
    listed = (await api.data(LISTED, {"measure": "small-boat-crossings"}))["runningTotal"]
    assert [r["source"]["url"] for r in listed["checkpoints"][0]["readings"]] == urls
    lean = (await api.data(LEAN, {"measure": "small-boat-crossings"}))["runningTotal"]
    full = (await api.data(FULL, {"measure": "small-boat-crossings"}))["runningTotal"]
    assert lean == {"points": full["points"], "warnings": full["warnings"]}
    assert lean["points"] == total["points"]
    assert lean["warnings"]  # the contested flow's description: its readings were read


LISTED = """query ($measure: String!) { runningTotal(measure: $measure) { ...Listed } }
fragment Listed on RunningTotal {
  checkpoints { ... on Checkpoint { readings { source { url } } } }
}"""
FULL = """query ($measure: String!) {
  runningTotal(measure: $measure) {
    points { date total lower upper contested } warnings checkpoints { value }
  }
}"""
LEAN = """query ($measure: String!) { runningTotal(measure: $measure) { ...Lean } }
fragment Lean on RunningTotal { points { date total lower upper contested } warnings }"""


@pytest.mark.parametrize("field", ["runningTotal", "figureHistory"])
async def test_an_unknown_measure_is_not_found_wherever_it_is_asked(api: Api, field: str) -> None:
    query = f"query ($m: String!) {{ {field}(measure: $m) {{ __typename }} }}"
    errors = await api.errors(query, {"m": "nothing-here"})
    assert [(error["path"], error["extensions"]) for error in errors] == [
        ([field], {"code": "NOT_FOUND"})
    ]
    assert "nothing-here" in errors[0]["message"]


CHANGES = """
query Changes($from: Date!, $to: Date!) {
  changes(fromKnownAt: $from, toKnownAt: $to) {
    fromKnownAt toKnownAt
    added { type fact { title } }
    revised { type changedFields reasons previous { title } fact { title } }
    retracted { type fact { title status } }
  }
}
"""


async def test_changes_between_two_knowledge_dates(api: Api, writer: str) -> None:
    kept = await record(api, writer, 1, source=source(1, "2025-01-10"))
    dropped = await record(api, writer, 2, source=source(2, "2025-01-10"))
    await record(api, writer, 3, source=source(3, "2025-02-10"))
    await api.data(
        REVISE,
        {
            "id": kept["id"],
            "rev": 1,
            "changes": {"title": "Renamed"},
            "reason": "clearer",
            "source": source(4, "2025-02-11"),
        },
        token=writer,
    )
    await api.data(
        RETRACT, {"id": dropped["id"], "rev": 1, "reason": "never happened"}, token=writer
    )
    changes = (await api.data(CHANGES, {"from": "2025-01-31", "to": "2025-02-28"}))["changes"]
    assert changes["added"] == [{"type": "RECORDED", "fact": {"title": "Fact number 3"}}]
    assert changes["revised"] == [
        {
            "type": "REVISED",
            "changedFields": ["title", "sources"],
            "reasons": ["clearer"],
            "previous": {"title": "Fact number 1"},
            "fact": {"title": "Renamed"},
        }
    ]
    # The retraction has no source, so it is known from the day it was recorded: later.
    assert changes["retracted"] == []


async def test_a_page_costs_the_same_statements_whatever_its_size(
    quiet_api: Api, database_url: str, statements: list[str]
) -> None:
    api = quiet_api
    writer = await make_token(database_url, "statements", Role.WRITER)
    for n in range(50):
        await record(api, writer, n, figure=figure(str(650 + n)), source=source(n))
    await asyncio.sleep(0.2)  # let the background readers settle after the writes
    # The first read at a position also looks up its latest recorded time (settled_pages).
    await timeline(api, first=1)
    counts = {}
    for first in (5, 50):
        statements.clear()
        page = await timeline(api, first=first)
        assert len(page["edges"]) == first
        assert all(edge["node"]["sources"] and edge["node"]["figure"] for edge in page["edges"])
        assert all(edge["node"]["recordedAt"] for edge in page["edges"])
        counts[first] = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(counts[5]) == len(counts[50]) <= 6, counts[50]


LOG_PAGE = "{ events(first: 2) { totalCount pageInfo { hasNextPage } edges { node { type } } } }"


async def test_a_page_of_the_log_is_one_statement_with_its_total(
    quiet_api: Api, database_url: str, statements: list[str]
) -> None:
    writer = await make_token(database_url, "log", Role.WRITER)
    for n in range(3):
        await record(quiet_api, writer, n)
    await asyncio.sleep(0.2)  # let the background readers settle after the writes
    for attempt in ("executor", "compiled plan"):  # the second run is the plan's
        statements.clear()
        page = (await quiet_api.data(LOG_PAGE))["events"]
        assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (3, True), attempt
        assert len(page["edges"]) == 2
        reads = [s for s in statements if "FROM events" in s]
        assert len(reads) == 1, (attempt, statements)


HISTORIES = "query { timeline(first: 20) { edges { node { title history { revision } } } } }"


async def test_the_histories_of_a_page_are_read_in_one_statement(
    quiet_api: Api, database_url: str, statements: list[str]
) -> None:
    writer = await make_token(database_url, "histories", Role.WRITER)
    for n in range(12):
        await record(quiet_api, writer, n, source=source(n))
    await asyncio.sleep(0.2)  # let the background readers settle after the writes
    statements.clear()
    page = (await quiet_api.data(HISTORIES))["timeline"]
    assert len(page["edges"]) == 12
    assert all(edge["node"]["history"] == [{"revision": 1}] for edge in page["edges"])
    reads = [s for s in statements if "FROM fact_revisions" in s and " IN " in s.upper()]
    assert len(reads) == 1, statements


COUNTED = "query { timeline(first: 2) { totalCount edges { node { title } } } }"
AS_FRAGMENT = (
    "query { timeline(first: 2) { ...Counted edges { node { title } } } }\n"
    "fragment Counted on FactConnection { total: totalCount }"
)
UNCOUNTED = "query { timeline(first: 2) { edges { node { title } } } }"


async def test_a_timeline_counts_its_matches_only_when_total_count_is_selected(
    quiet_api: Api, database_url: str, statements: list[str]
) -> None:
    # A filtered count visits every match, so at a million events it costs more than the
    # page; the unfiltered total asked here sums the day changes (active_fact_changes).
    writer = await make_token(database_url, "counts", Role.WRITER)
    await record(quiet_api, writer, 0)
    recorded = 1
    for document, total in ((COUNTED, "totalCount"), (AS_FRAGMENT, "total"), (UNCOUNTED, None)):
        for attempt in ("executor", "compiled plan"):  # the second run is the plan's
            # A new fact each time: a page read again at the same position is kept whole
            # (settled_pages), and here every read must reach the tables.
            await record(quiet_api, writer, recorded)
            recorded += 1
            await asyncio.sleep(0.2)  # let the background readers settle after the write
            statements.clear()
            page = (await quiet_api.data(document))["timeline"]
            assert len(page["edges"]) == 2
            counts = [
                s for s in statements if "count(" in s.lower() or "FROM active_fact_changes" in s
            ]
            if total is None:
                assert counts == [], (attempt, counts)
            else:
                assert page[total] == recorded, attempt
                assert len(counts) == 1, (attempt, counts)


async def test_a_page_read_again_with_nothing_written_is_not_read_again(
    quiet_api: Api, database_url: str, statements: list[str]
) -> None:
    # Kept by read-model position (settled_pages): only the position is read again.
    writer = await make_token(database_url, "kept", Role.WRITER)
    for n in range(3):
        await record(quiet_api, writer, n)
    await asyncio.sleep(0.2)  # let the background readers settle after the writes
    first = await quiet_api.data(COUNTED)
    statements.clear()
    again = await quiet_api.data(COUNTED)
    assert again == first
    assert first["timeline"]["totalCount"] == 3
    assert [s for s in statements if "projection_checkpoints" not in s] == []
