"""Figures in running text: value, unit and qualifier as a curator reads them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.domain.proposals.numbers import numbers
from timeline.domain.proposals.spans import Span
from timeline.domain.quantities import Qualifier


def found(text: str) -> list[tuple[Decimal, str | None, Qualifier]]:
    return [(n.value, n.unit, n.qualifier) for n in numbers(text, Span(0, len(text), text))]


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("handing France more than £650million", "650000000", "GBP", Qualifier.MORE_THAN),
        ("a grant of £3.25 million", "3250000", "GBP", Qualifier.EXACT),
        ("Brussels pledged €50m", "50000000", "EUR", Qualifier.EXACT),
        ("some $1.2bn was spent", "1200000000", "USD", Qualifier.ABOUT),
        ("is now 59,607", "59607", None, Qualifier.EXACT),
        ("nearly 2,000 came last week", "2000", None, Qualifier.ALMOST),
        ("has soared past 175,000", "175000", None, Qualifier.MORE_THAN),
        ("at least 22,000 people", "22000", None, Qualifier.AT_LEAST),
        ("up to 300 beds", "300", None, Qualifier.AT_MOST),
        ("fewer than 40 flights", "40", None, Qualifier.LESS_THAN),
        ("around 1,000 boats", "1000", None, Qualifier.ABOUT),
        ("a rise of 12.5%", "12.5", "percent", Qualifier.EXACT),
        ("down 8 per cent", "8", "percent", Qualifier.EXACT),
        ("up a third on 2024", "33.3", "percent", Qualifier.ABOUT),
        ("almost half of arrivals", "50", "percent", Qualifier.ALMOST),
        ("costs 5,000 pounds each", "5000", "GBP", Qualifier.EXACT),
    ],
)
def test_a_figure_is_read_with_its_unit_and_qualifier(
    text: str, value: str, unit: str | None, qualifier: Qualifier
) -> None:
    assert found(text) == [(Decimal(value), unit, qualifier)]


@pytest.mark.parametrize(
    "text",
    [
        "aboard a 40ft dinghy",
        "the 400-mile land border",
        "a 17-year-old boy",
        "in 2024",
        "since 2018",
        "on 9 October",
        "on October 9",
        "at 10 am",
        "a 40m drop",
        "the 3rd time",
    ],
)
def test_lengths_ages_years_and_days_are_not_figures(text: str) -> None:
    assert found(text) == []


@given(st.integers(min_value=1, max_value=10**12))
def test_any_whole_amount_in_pounds_reads_back(amount: int) -> None:
    text = f"it cost £{amount:,} in all"
    [(value, unit, _)] = found(text)
    assert (value, unit) == (Decimal(amount), "GBP")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_every_span_is_the_text_it_claims(text: str) -> None:
    for number in numbers(text, Span(0, len(text), text)):
        assert text[number.span.start : number.span.end] == number.span.text
