"""Finding facts: the filters and the search narrow the list, the fact panel shows the sources'
quotes and the revision history, and the page fits a 375 px phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.servers import Server
from tests.e2e.pages import RWANDA, TimelinePage

pytestmark = pytest.mark.e2e

DEPLOYMENT = (
    "UK sends border security officers to the Western Balkans to crack down on people traffickers"
)


def count_in_api(server: Server, filter_: dict[str, object]) -> int:
    """How many facts the API itself says match, to hold the page to."""
    response = httpx.post(
        server.graphql,
        json={
            "query": "query ($f: TimelineFilter) { timeline(filter: $f) { totalCount } }",
            "variables": {"f": filter_},
        },
    )
    count: int = response.json()["data"]["timeline"]["totalCount"]
    return count


def test_filters_and_search_narrow_the_list(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open()
    everything = count_in_api(server, {})
    expect(timeline.facts).to_have_count(everything)

    page.get_by_label("Topic", exact=True).select_option("funding")
    funding = count_in_api(server, {"topics": ["funding"]})
    assert 0 < funding < everything
    expect(timeline.facts).to_have_count(funding)
    expect(page.locator("#fact-groups h3")).to_have_text([f"Funding ({funding})"])
    assert timeline.params()["topic"] == "funding"

    page.get_by_label("Topic", exact=True).select_option("")
    page.get_by_label("Actor", exact=True).select_option("Keir Starmer")
    expect(timeline.facts).to_have_count(count_in_api(server, {"actors": ["Keir Starmer"]}))
    expect(timeline.fact(RWANDA)).to_be_visible()

    page.get_by_label("Place", exact=True).select_option("Rwanda")
    page.get_by_label("Kind", exact=True).select_option("POLICY_SCRAPPED")
    expect(timeline.facts).to_have_count(1)

    page.get_by_role("button", name="Clear filters").click()
    expect(timeline.facts).to_have_count(everything)
    page.get_by_label("Search", exact=True).fill("rwanda")
    expect(timeline.facts).to_have_count(1)
    expect(timeline.fact(RWANDA)).to_be_visible()
    expect(timeline.summary).to_have_text("Now the record shows 1 fact matching the filters.")
    assert timeline.params()["q"] == "rwanda"


def test_the_fact_panel_says_a_weeks_figure_covers_seven_days_of_its_window(
    page: Page, server: Server
) -> None:
    timeline = TimelinePage(page, server).open()
    timeline.fact("Nearly 2,000 small boat arrivals in the week before publication").click()
    expect(timeline.panel).to_contain_text("almost 2,000 people for 7 days within 22 Sep")


def test_the_fact_panel_shows_quotes_links_and_history(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open()
    timeline.fact(RWANDA).click()
    panel = timeline.panel
    expect(panel.get_by_role("heading", level=2)).to_have_text(RWANDA)
    expect(panel.get_by_role("heading", level=2)).to_be_focused()
    expect(panel.locator("blockquote")).to_have_text(
        # Verbatim, with the article's curly apostrophe.
        "Prime Minister Sir Keir Starmer scrapped the Tories’ Rwanda asylum deal as one of his "  # noqa: RUF001
        "first acts in power last year."
    )
    expect(panel).to_contain_text("Unknown (syndicated copy)")
    expect(panel).to_contain_text("the source said “as one of his first acts in power last year”")
    expect(panel.locator(".history > li")).to_have_count(1)
    expect(panel.locator(".history > li")).to_contain_text(
        "Revision 1: Recorded — known from 31 Oct 2025, Unknown (syndicated copy) (Oct 2025)"
    )
    assert "fact" in timeline.params()

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(timeline.fact(RWANDA)).to_be_focused()
    assert "fact" not in timeline.params()


def test_a_fact_changes_as_the_slider_replays_its_sources(page: Page, server: Server) -> None:
    """The officers' deployment is in 000 and 003 (002 reports only the technology). 000
    recorded it, known from 31 October 2025; 003's corroboration came later, known only
    from 23 November 2026 (its date runs up to the day it was curated)."""
    timeline = TimelinePage(page, server).open("?known=2025-10-31", known="2025-10-31")
    timeline.fact(DEPLOYMENT).click()
    expect(timeline.panel.locator(".source-list > li")).to_have_count(1)
    expect(timeline.panel.locator(".history > li")).to_have_count(1)

    page.get_by_role("button", name="Now", exact=True).click()
    timeline.wait_until_shown("now")
    expect(timeline.panel.locator(".source-list > li")).to_have_count(2)
    expect(timeline.panel.locator(".history > li")).to_have_count(2)
    expect(timeline.panel.locator(".history > li").last).to_contain_text("known from 23 Nov 2026")


def test_the_page_fits_a_375_px_phone(page: Page, server: Server) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    timeline = TimelinePage(page, server).open("?known=2025-10-31", known="2025-10-31")
    timeline.fact(RWANDA).click()
    expect(timeline.panel).to_be_visible()
    timeline.chart_marks("checkpoint").click()
    expect(page.locator("#mark-detail blockquote")).to_be_visible()
    page.get_by_text("The figures as a table").click()
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 375
    box = timeline.slider.bounding_box()
    assert box is not None
    assert box["width"] > 300
