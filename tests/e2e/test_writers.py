"""The writers' panel: paste an article, review the proposed facts, record the kept ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.servers import Server
from tests.e2e.conftest import timeline_cli
from tests.e2e.pages import TimelinePage

pytestmark = pytest.mark.e2e

ARTICLE = (Path(__file__).parents[1] / "fixtures" / "article.txt").read_text(encoding="utf-8")
MEETING = "Officials from both countries met in Athens on 3 March."


def open_panel(page: Page, server: Server, token: str) -> None:
    TimelinePage(page, server).open()
    page.get_by_text("For writers: propose facts from an article").click()
    page.get_by_label("Writer token").fill(token)
    page.get_by_label("Published on").fill("2025-03-10")
    page.get_by_label("Publisher").fill("Example News")
    page.get_by_label("Article URL").fill("https://news.example/athens")
    page.get_by_label("Article text").fill(ARTICLE)
    page.get_by_role("button", name="Propose facts").click()


def test_a_writer_reviews_proposals_and_records_the_kept_ones(
    page: Page, writable_server: tuple[Server, str]
) -> None:
    server, database_url = writable_server
    token = timeline_cli(database_url, "tokens", "create", "e2e-desk", "--role", "writer").strip()
    open_panel(page, server, token)

    status = page.locator("#propose-status")
    expect(status).to_contain_text("proposed facts from Example News, published 2025-03-10")
    meeting = page.get_by_label(f"Keep: {MEETING}")
    expect(meeting).to_be_checked()
    proposals = page.locator("#proposal-list > li")
    assert proposals.count() >= 4
    expect(proposals.filter(has_text=MEETING)).to_contain_text("Meeting held · 2025-03-03")
    money = proposals.filter(has_text="£480m")
    expect(money).to_contain_text("MORE_THAN 480000000 GBP, cumulative over 2018/2025-03-10")
    for box in page.locator("#proposal-list input[type=checkbox]").all():
        if box.get_attribute("id") != meeting.get_attribute("id"):
            box.uncheck()

    page.get_by_role("button", name="Record the kept facts").click()

    expect(status).to_have_text("Recorded 1 facts and 0 corroborations.")
    expect(TimelinePage(page, server).fact(MEETING)).to_be_visible()


def test_a_reader_token_is_refused_and_nothing_is_proposed(
    page: Page, writable_server: tuple[Server, str]
) -> None:
    server, database_url = writable_server
    token = timeline_cli(database_url, "tokens", "create", "e2e-reader", "--role", "reader").strip()
    open_panel(page, server, token)

    expect(page.locator("#propose-status")).to_contain_text("Could not propose:")
    expect(page.locator("#proposals")).to_be_hidden()
