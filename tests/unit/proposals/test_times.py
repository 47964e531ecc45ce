"""Time phrases found in clauses and resolved against the publication date."""

from __future__ import annotations

import pytest

from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.spans import Span
from timeline.domain.proposals.times import time_phrases
from timeline.domain.quantities import Basis

PUBLISHED = FuzzyDate("2025-10")


def phrases(text: str) -> list[tuple[str, str, Basis, bool]]:
    found = time_phrases(text, Span(0, len(text), text), PUBLISHED)
    return [(p.span.text, p.occurred.text, p.basis, p.baseline) for p in found]


@pytest.mark.parametrize(
    ("text", "phrase", "occurred", "basis"),
    [
        ("arrivals so far this year", "so far this year", "2025-01-01/2025-10", Basis.CUMULATIVE),
        ("payments since 2018", "since 2018", "2018/2025-10", Basis.CUMULATIVE),
        ("met in Sarajevo on October 9.", "on October 9", "2025-10-09", Basis.FLOW),
        ("smuggled last year alone", "last year", "2024", Basis.FLOW),
        ("came last week alone", "last week", "2025-09-22/2025-10-30", Basis.FLOW),
        ("arrived under Labour is now", "under Labour", "2024-07-05/2025-10", Basis.CUMULATIVE),
        (
            "since Labour came into power in July 2024, with",
            "since Labour came into power in July 2024",
            "2024-07-05/2025-10",
            Basis.CUMULATIVE,
        ),
        (
            "in the first half of this year",
            "in the first half of this year",
            "2025-01-01/2025-06-30",
            Basis.FLOW,
        ),
        ("spent in 2023 on hotels", "in 2023", "2023", Basis.FLOW),
    ],
)
def test_a_phrase_is_found_and_resolved(
    text: str, phrase: str, occurred: str, basis: Basis
) -> None:
    assert phrases(text) == [(phrase, occurred, basis, False)]


def test_a_start_nobody_dated_is_an_open_start_up_to_publication() -> None:
    [found] = time_phrases(
        "since the scheme came into force",
        Span(0, 32, "since the scheme came into force"),
        PUBLISHED,
    )
    assert found.occurred == FuzzyDate("../2025-10")
    assert found.confidence < 0.5


def test_a_point_of_comparison_is_a_baseline_not_a_period() -> None:
    assert phrases("up a third on the same point in 2024") == [
        ("in 2024", "2024", Basis.FLOW, True)
    ]


def test_a_future_day_without_a_year_is_the_next_one() -> None:
    text = "the rules will change on 1 January"
    [(_, occurred, _, _)] = phrases(text)
    assert occurred == "2026-01-01"
