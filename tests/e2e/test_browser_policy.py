"""When the browser tests may skip: only outside CI and without TIMELINE_REQUIRE_BROWSER."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_required


@pytest.mark.parametrize(
    ("environ", "required"),
    [
        ({}, False),
        ({"TIMELINE_REQUIRE_BROWSER": "0"}, False),
        ({"TIMELINE_REQUIRE_BROWSER": "1"}, True),
        ({"CI": "true"}, True),
        ({"CI": "off", "TIMELINE_REQUIRE_BROWSER": "yes"}, True),
    ],
)
def test_browser_required(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], required: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TIMELINE_REQUIRE_BROWSER", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert browser_required() is required
