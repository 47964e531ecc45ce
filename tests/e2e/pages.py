"""The timeline page as the tests drive it: by roles and labels, the way people do."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, expect

from tests.api.servers import Server

RWANDA = "Keir Starmer scrapped the Rwanda asylum scheme"
FRANCE_PAYMENTS = "UK has given France more than £650m to stop small boats since 2018"


class TimelinePage:
    def __init__(self, page: Page, server: Server) -> None:
        self.page = page
        self.server = server
        self.slider = page.get_by_role("slider", name="Known at")
        self.summary = page.locator("#summary")
        self.facts = page.locator("#fact-groups li.fact")
        self.chart = page.locator("#chart")
        self.panel = page.locator("#fact-panel")

    def open(self, query: str = "", known: str = "now") -> TimelinePage:
        self.page.goto(f"{self.server.http}/{query}")
        self.wait_until_shown(known)
        return self

    def wait_until_shown(self, known: str) -> None:
        """Until the list and the chart both show the record as known on ``known``."""
        for part in ("#facts", "#chart"):
            expect(
                self.page.locator(f'{part}[aria-busy="false"][data-known-at="{known}"]')
            ).to_be_attached()

    def fact(self, title: str) -> Locator:
        return self.page.locator("#fact-groups").get_by_role("button", name=title, exact=True)

    def slider_day(self) -> dt.date | None:
        """The day the slider names, or None at now."""
        text = self.slider.get_attribute("aria-valuetext") or ""
        if text.startswith("now"):
            return None
        return dt.datetime.strptime(text, "%d %B %Y").date()

    def slide_to(self, day: dt.date) -> None:
        """Move the slider with the keyboard, as a person would: Home, then a day at a time."""
        self.slider.focus()
        self.slider.press("Home")
        first = self.slider_day()
        assert first is not None
        assert first <= day
        for _ in range((day - first).days):
            self.slider.press("ArrowRight")
        assert self.slider_day() == day
        self.wait_until_shown(day.isoformat())

    def params(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.page.url).query).items()}

    def chart_marks(self, kind: str) -> Locator:
        """The chart's clickable marks of one kind ("total" or "checkpoint")."""
        return self.chart.locator(f'[data-mark^="{kind}:"]')
