"""Live: a fact recorded through the API reaches an open page through the subscription
(graphql-transport-ws at /graphql), without a reload; the page's reads after it ask for read
models at the change's position, so the projector being a moment behind cannot hide it."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.servers import Server
from tests.e2e.conftest import timeline_cli
from tests.e2e.pages import TimelinePage

pytestmark = pytest.mark.e2e

TITLE = "Ministers meet in Calais about small boats"
RECORD = """mutation ($input: RecordFactInput!) {
  recordFact(input: $input) { position fact { id } }
}"""


def test_a_recorded_fact_appears_without_a_reload(
    page: Page, writable_server: tuple[Server, str]
) -> None:
    server, database_url = writable_server
    token = timeline_cli(database_url, "tokens", "create", "e2e-newsroom", "--role", "writer")
    timeline = TimelinePage(page, server).open()
    expect(page.locator("#live-status")).to_have_text("Live")
    page.evaluate("window.sameDocument = true")
    before = timeline.facts.count()
    asked: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            asked.append(request.headers.get("timeline-min-position"))
            if request.url == server.graphql and request.method == "POST"
            else None
        ),
    )

    today = dt.datetime.now(dt.UTC).date().isoformat()
    response = httpx.post(
        server.graphql,
        headers={"Authorization": f"Bearer {token.strip()}"},
        json={
            "query": RECORD,
            "variables": {
                "input": {
                    "kind": "MEETING_HELD",
                    "title": TITLE,
                    "occurred": "2026-11?",
                    "topics": ["france"],
                    "actors": ["Shabana Mahmood"],
                    "places": ["France"],
                    "source": {
                        "publisher": "Example News",
                        "url": "https://news.example/calais",
                        "publishedOn": today,
                        "quote": "Ministers met in Calais this month, officials said.",
                    },
                }
            },
        },
    )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()

    expect(timeline.fact(TITLE)).to_be_visible()
    expect(timeline.facts).to_have_count(before + 1)
    position = response.json()["data"]["recordFact"]["position"]
    assert asked, "the page read nothing after the change"
    assert set(asked) == {str(position)}, asked
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("#announcer")).to_have_text(f"New fact: “{TITLE}”.")
    item = page.locator("li.fact", has=page.get_by_role("button", name=TITLE, exact=True))
    expect(item).to_have_class(re.compile(r"\badded\b"))
    expect(item.locator(".flag.uncertain")).to_have_text("uncertain")

    # Its source carries its link, and the new actor is a filter choice straight away.
    timeline.fact(TITLE).click()
    expect(timeline.panel.get_by_role("link", name="Read the source")).to_have_attribute(
        "href", "https://news.example/calais"
    )
    expect(
        page.get_by_label("Actor", exact=True).locator("option", has_text="Shabana Mahmood")
    ).to_have_count(1)
