"""CI must not go green without PostgreSQL: the policy the conftest applies."""

from __future__ import annotations

import pytest

from tests.conftest import postgres_required


@pytest.mark.parametrize(
    ("environment", "required"),
    [
        ({}, False),
        ({"CI": ""}, False),
        ({"CI": "false"}, False),
        ({"CI": "0"}, False),
        ({"TIMELINE_REQUIRE_POSTGRES": "no"}, False),
        ({"CI": "true"}, True),
        ({"CI": "1"}, True),
        ({"TIMELINE_REQUIRE_POSTGRES": "1"}, True),
        ({"CI": "off", "TIMELINE_REQUIRE_POSTGRES": "yes"}, True),
    ],
)
def test_postgres_is_required_when_ci_or_the_variable_is_truthy(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], required: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TIMELINE_REQUIRE_POSTGRES", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert postgres_required() is required
