"""The "known at" slider replays the record: facts appear as their sources are published, the
chart's figures with them, and the URL keeps the day."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.servers import Server
from tests.e2e.pages import FRANCE_PAYMENTS, RWANDA, TimelinePage

pytestmark = pytest.mark.e2e

REPOSITORY = Path(__file__).resolve().parents[2]
DOCS = REPOSITORY / "docs"
# Under the ignored build/ folder, so a test run leaves the tree clean; `make docs-images`
# points this at docs/ to regenerate the README's pictures.
SCREENSHOTS = REPOSITORY / os.environ.get("TIMELINE_SCREENSHOTS_DIR", "build/screenshots")
PICTURES = ("timeline-page.png", "timeline-page-known.png")

# The Rwanda scheme was scrapped in July 2024, but the record cannot know that before its one
# source, article 000, was published. 000 is dated "2025-10", and a source counts as known from
# the last day its publication date can mean: 31 October 2025. So on 30 October 2025 the record
# does not show the fact yet, and from 31 October 2025 on it does. Both days are "before" and
# "after" in knowledge time, which is what the slider moves.
BEFORE_KNOWN = dt.date(2025, 10, 30)
AFTER_KNOWN = dt.date(2025, 10, 31)


def test_the_rwanda_fact_appears_when_its_source_is_published(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open()
    expect(timeline.fact(RWANDA)).to_be_visible()

    timeline.slide_to(BEFORE_KNOWN)
    expect(timeline.fact(RWANDA)).to_have_count(0)
    expect(timeline.facts).to_have_count(0)
    expect(timeline.summary).to_contain_text("showed nothing yet")
    assert timeline.params()["known"] == "2025-10-30"

    timeline.slider.press("ArrowRight")
    timeline.wait_until_shown(AFTER_KNOWN.isoformat())
    expect(timeline.fact(RWANDA)).to_be_visible()
    expect(timeline.summary).to_contain_text("On 31 October 2025 the record showed 30 facts")
    assert timeline.params()["known"] == "2025-10-31"


def test_the_chart_has_its_points_once_they_are_known(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open(
        f"?known={AFTER_KNOWN}", known=AFTER_KNOWN.isoformat()
    )
    expect(page.get_by_label("Measure", exact=True)).to_have_value("uk-payments-to-france")
    checkpoint = timeline.chart_marks("checkpoint")
    expect(checkpoint).to_have_count(1)
    expect(checkpoint).to_have_attribute(
        "aria-label",
        # The page writes date ranges with an en dash.
        "Checkpoint at 31 Oct 2025: more than £650,000,000 for 2018 – Oct 2025, "  # noqa: RUF001
        "reported by Unknown (syndicated copy) (bounds: more than £650,000,000, no upper bound)",
    )

    checkpoint.click()
    detail = page.locator("#mark-detail")
    expect(detail.get_by_role("heading")).to_have_text("Checkpoint at 31 Oct 2025")
    expect(detail.get_by_role("button", name=FRANCE_PAYMENTS)).to_be_visible()
    expect(detail.locator("blockquote")).to_contain_text("£650million")

    # A day earlier the figure is not known: only its grey shadow, "known later", is drawn.
    timeline.slide_to(BEFORE_KNOWN)
    expect(timeline.chart_marks("checkpoint")).to_have_count(0)
    expect(timeline.chart.locator(".ghost .diamond")).to_have_count(1)

    # A measure of flows has running-total points, each with its facts behind it.
    page.get_by_label("Measure", exact=True).select_option(label="Small boat arrivals in one week")
    timeline.slide_to(AFTER_KNOWN)
    points = timeline.chart_marks("total")
    expect(points).to_have_count(1)
    points.press("Enter")
    expect(detail).to_contain_text("Running total at 31 Oct 2025")
    expect(detail.locator("blockquote")).to_have_count(1)


def test_the_chart_names_every_source_and_shows_both_sides_of_a_contest(
    page: Page, server: Server
) -> None:
    timeline = TimelinePage(page, server).open(
        f"?known={AFTER_KNOWN}", known=AFTER_KNOWN.isoformat()
    )
    measure = page.get_by_label("Measure", exact=True)
    # 59,607 is reported alike by 000 and by the Daily Express (002).
    measure.select_option("small-boat-arrivals-under-labour")
    checkpoint = timeline.chart_marks("checkpoint")
    expect(checkpoint).to_have_attribute(
        "aria-label",
        re.compile(r"reported by Unknown \(syndicated copy\); Daily Express"),
    )
    checkpoint.click()
    expect(page.locator("#mark-detail blockquote")).to_have_count(2)

    # "Almost 22,000" (000) and "at least 22,000" (002), both known from 31 October 2025.
    measure.select_option("western-balkans-migrants-smuggled")
    point = timeline.chart_marks("total")
    expect(point).to_have_attribute("aria-label", re.compile(r"22,000 people, contested"))
    note = page.locator("#chart-note")
    expect(note).to_contain_text("Contested for 2024: almost 22,000 people")
    expect(note).to_contain_text("at least 22,000 people (Daily Express)")


def test_the_slider_moves_with_the_keyboard_and_the_url_follows(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open()
    today = dt.datetime.now(dt.UTC).date()
    assert timeline.slider_day() is None
    assert "known" not in timeline.params()

    timeline.slider.focus()
    timeline.slider.press("ArrowLeft")
    yesterday = today - dt.timedelta(days=1)
    expect(timeline.page.locator("#known-at-value")).to_have_text(
        f"{yesterday.day} {yesterday:%B %Y}"
    )
    timeline.wait_until_shown(yesterday.isoformat())
    assert timeline.params()["known"] == yesterday.isoformat()

    timeline.slider.press("PageDown")
    a_month_before = timeline.slider_day()
    assert a_month_before is not None
    assert (yesterday - a_month_before).days in range(28, 32)
    timeline.wait_until_shown(a_month_before.isoformat())
    assert timeline.params()["known"] == a_month_before.isoformat()

    timeline.slider.press("End")
    timeline.wait_until_shown("now")
    assert "known" not in timeline.params()

    # The URL is the view: opening it again shows the same day.
    page.goto(f"{server.http}/?known=2025-10-31&topic=asylum")
    timeline.wait_until_shown("2025-10-31")
    assert timeline.slider_day() == dt.date(2025, 10, 31)
    expect(page.get_by_label("Topic", exact=True)).to_have_value("asylum")


def test_the_buttons_step_between_the_days_the_record_changed(page: Page, server: Server) -> None:
    timeline = TimelinePage(page, server).open("?known=2025-10-01", known="2025-10-01")
    page.get_by_role("button", name="Next change").click()
    timeline.wait_until_shown("2025-10-31")
    page.get_by_role("button", name="Previous change").click()
    assert timeline.slider_day() is not None
    expect(timeline.facts).to_have_count(0)
    page.get_by_role("button", name="Now", exact=True).click()
    timeline.wait_until_shown("now")


def test_screenshot_on_1_october_2025(page: Page, server: Server) -> None:
    """The README's pictures: the record on 1 October 2025 (nothing yet, the France payments
    known later), and on 31 October 2025 with the checkpoint's sources open. Taken into
    SCREENSHOTS; the pictures in docs/ change only when SCREENSHOTS is docs/."""
    docs_before = {name: (DOCS / name).read_bytes() for name in PICTURES if (DOCS / name).exists()}
    page.set_viewport_size({"width": 1280, "height": 1200})
    timeline = TimelinePage(page, server).open("?known=2025-10-01", known="2025-10-01")
    expect(timeline.summary).to_have_text(
        "On 1 October 2025 the record showed nothing yet: its first facts became known on "
        "31 October 2025."
    )
    expect(timeline.chart.locator(".ghost text.value")).to_have_text(
        "more than £650m, known from 31 Oct 2025"
    )
    expect(page.locator("#live-status")).to_have_text("Live")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / PICTURES[0], animations="disabled")

    page.get_by_role("button", name="Next change").click()
    timeline.wait_until_shown("2025-10-31")
    timeline.chart_marks("checkpoint").click()
    expect(page.locator("#mark-detail blockquote")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / PICTURES[1], animations="disabled")

    assert all((SCREENSHOTS / name).stat().st_size > 0 for name in PICTURES)
    if SCREENSHOTS.resolve() != DOCS.resolve():
        assert {name: (DOCS / name).read_bytes() for name in docs_before} == docs_before
