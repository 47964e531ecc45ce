"""The page's world: a seeded database, real ``timeline serve`` processes and headless Chromium.

Chromium is Debian's package (``apt-get install chromium``), driven by Playwright through
``executable_path``: Playwright never downloads a browser. When it is missing the browser tests
skip, unless ``CI`` or ``TIMELINE_REQUIRE_BROWSER`` is set to a true value: then they fail, so
that CI can never go green without them. The flags keep Chromium off the network it would
otherwise call home to, which matters on a closed network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.api.servers import Server, serving
from tests.conftest import required

CHROMIUM = Path(os.environ.get("TIMELINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def browser_required() -> bool:
    """True when CI or TIMELINE_REQUIRE_BROWSER asks for the browser tests to be mandatory."""
    return required("TIMELINE_REQUIRE_BROWSER")


def timeline_cli(database_url: str, *arguments: str) -> str:
    """Run ``timeline ARGUMENTS`` on ``database_url``; its standard output."""
    completed = subprocess.run(
        [sys.executable, "-c", "from timeline.cli import main; main()", *arguments],
        env={**os.environ, "TIMELINE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return completed.stdout


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and seeded with the corpus once, as ``make run`` does."""
    path = tmp_path_factory.mktemp("seeded") / "timeline.db"
    url = f"sqlite:///{path}"
    timeline_cli(url, "db", "upgrade")
    timeline_cli(url, "seed")
    return path


def copy_of(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("served") / "timeline.db"
    shutil.copyfile(seeded, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def server(seeded_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``timeline serve`` on the seeded corpus; no test writes to it."""
    with serving(copy_of(seeded_database, tmp_path_factory)) as running:
        yield running


@pytest.fixture
def writable_server(
    seeded_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """A server of its own on a copy of the corpus, and its database URL, for a test that
    records facts."""
    url = copy_of(seeded_database, tmp_path_factory)
    with serving(url) as running:
        yield running, url


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile, for one module. Not for the session: while
    Playwright's sync API is running it holds this thread's event loop, and the asyncio tests
    that follow the browser's modules need the thread to themselves."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if browser_required():
            pytest.fail(
                f"{message}. CI or TIMELINE_REQUIRE_BROWSER is set, so the browser tests must run.",
                pytrace=False,
            )
        pytest.skip(message)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=DESKTOP,
            locale="en-GB",
            timezone_id="UTC",
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(chromium: BrowserContext) -> Iterator[Page]:
    """A new tab; the test fails if the page logs an error or throws (a CSP violation
    included)."""
    tab = chromium.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    tab.on("console", console)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield tab
    tab.close()
    assert not problems, "\n".join(problems)
