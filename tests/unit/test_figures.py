from __future__ import annotations

from decimal import Decimal

import pytest

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidFigure
from timeline.domain.figures import MAX_MEASURE_KEY, Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity

EUR_50M = Quantity(Decimal(50_000_000), "EUR")
GBP_45_5M = Quantity(Decimal(45_500_000), "GBP")


def figure(**changes: object) -> Figure:
    fields: dict[str, object] = {
        "measure": "uk-payments-to-france",
        "quantity": EUR_50M,
        "basis": Basis.FLOW,
        "period": FuzzyDate("2025"),
        "equivalent": GBP_45_5M,
    }
    fields.update(changes)
    return Figure(**fields)  # type: ignore[arg-type]


def test_a_figure_keeps_the_equivalent_its_source_reported() -> None:
    payment = figure()
    assert payment.units == frozenset({"EUR", "GBP"})
    assert payment.in_unit("GBP") == GBP_45_5M
    assert payment.in_unit("EUR") == EUR_50M
    assert payment.in_unit("USD") is None


def test_without_an_equivalent_a_figure_reads_only_in_its_own_unit() -> None:
    payment = figure(equivalent=None)
    assert payment.units == frozenset({"EUR"})
    assert payment.in_unit("GBP") is None


@pytest.mark.parametrize(
    "key",
    [
        "UK-payments",
        "uk_payments",
        "uk--payments",
        "-uk",
        "uk-",
        "",
        "uk payments",
        "é",
        "a" * (MAX_MEASURE_KEY + 1),
    ],
)
def test_measure_keys_must_be_slugs(key: str) -> None:
    with pytest.raises(InvalidFigure) as caught:
        figure(measure=key)
    assert caught.value.field == "measure"


def test_a_slug_with_digits_is_a_key() -> None:
    assert figure(measure="returns-2025-pilot").measure == "returns-2025-pilot"


@pytest.mark.parametrize("period", ["2018/..", "2018/"])
def test_a_period_without_a_known_end_is_refused(period: str) -> None:
    with pytest.raises(InvalidFigure, match="must have a known end") as caught:
        figure(period=FuzzyDate(period), basis=Basis.CUMULATIVE)
    assert caught.value.field == "period"


def test_a_cumulative_total_may_run_from_an_open_start() -> None:
    total = figure(period=FuzzyDate("../2025-10"), basis=Basis.CUMULATIVE)
    assert total.period.open_start


def test_an_equivalent_in_the_same_unit_is_refused() -> None:
    with pytest.raises(InvalidFigure, match="is the figure's own unit EUR") as caught:
        figure(equivalent=Quantity(Decimal(1), "EUR", Qualifier.ABOUT))
    assert caught.value.field == "equivalent.unit"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": Decimal(5)}, "quantity"),
        ({"basis": "FLOW"}, "basis"),
        ({"period": "2025"}, "period"),
        ({"equivalent": Decimal(5)}, "equivalent"),
    ],
)
def test_wrong_types_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFigure) as caught:
        figure(**changes)
    assert caught.value.field == field


def last_week(**changes: object) -> Figure:
    fields: dict[str, object] = {
        "measure": "small-boat-arrivals-weekly",
        "quantity": Quantity(Decimal(2000), "people", Qualifier.ALMOST),
        "basis": Basis.FLOW,
        "period": FuzzyDate("2025-09-22/2025-10-30"),
        "span_days": 7,
    }
    fields.update(changes)
    return Figure(**fields)  # type: ignore[arg-type]


def test_a_figure_can_cover_a_span_of_known_length_inside_its_period() -> None:
    figure = last_week()
    assert figure.span_days == 7
    assert not figure.covers_period
    assert Figure(
        measure=figure.measure, quantity=figure.quantity, basis=Basis.FLOW, period=figure.period
    ).covers_period


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"span_days": 0}, "at least 1 day"),
        ({"span_days": True}, "whole number of days"),
        ({"span_days": "7"}, "whole number of days"),
        ({"basis": Basis.CUMULATIVE}, "only a FLOW figure"),
        ({"span_days": 39}, "not shorter than the period"),
        ({"span_days": 40}, "not shorter than the period"),
    ],
)
def test_a_span_must_be_a_flow_shorter_than_its_period(
    changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidFigure, match=reason) as caught:
        last_week(**changes)
    assert caught.value.field == "span_days"


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("small_boat_arrivals", "did you mean 'small-boat-arrivals'?"),
        ("Small Boat--Arrivals ", "did you mean 'small-boat-arrivals'?"),
    ],
)
def test_a_malformed_measure_key_is_refused_with_the_key_it_likely_meant(
    key: str, suggestion: str
) -> None:
    with pytest.raises(InvalidFigure, match="single '-'") as refused:
        figure(measure=key)
    assert refused.value.reason.endswith(suggestion)


def test_a_key_with_nothing_to_keep_gets_no_suggestion() -> None:
    with pytest.raises(InvalidFigure) as refused:
        figure(measure="_-_")
    assert "did you mean" not in refused.value.reason
