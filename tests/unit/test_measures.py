from __future__ import annotations

from decimal import Decimal

import pytest

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError, InvalidFigure, UnexpectedEvent, UnitMismatch
from timeline.domain.events import MeasureRegistered
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure, fold_measures, register_or_check
from timeline.domain.quantities import Basis, Quantity

PAYMENTS = Measure(key="uk-payments-to-france", label="UK payments to France", unit="GBP")


def payment(unit: str, equivalent: str | None = None) -> Figure:
    return Figure(
        measure="uk-payments-to-france",
        quantity=Quantity(Decimal(50_000_000), unit),
        basis=Basis.FLOW,
        period=FuzzyDate("2025"),
        equivalent=None if equivalent is None else Quantity(Decimal(45_500_000), equivalent),
    )


def test_the_first_figure_registers_its_measure_in_its_own_unit() -> None:
    event = register_or_check(None, payment("EUR", equivalent="GBP"), "UK payments to France")
    assert event == MeasureRegistered(
        key="uk-payments-to-france", label="UK payments to France", unit="EUR"
    )


def test_a_figure_in_the_measure_unit_fits() -> None:
    assert register_or_check(PAYMENTS, payment("GBP"), "ignored") is None


def test_a_figure_with_a_reported_equivalent_in_the_measure_unit_fits() -> None:
    assert register_or_check(PAYMENTS, payment("EUR", equivalent="GBP"), "ignored") is None


def test_a_figure_in_another_unit_without_an_equivalent_is_refused() -> None:
    with pytest.raises(UnitMismatch, match="counted in GBP; the figure is in EUR") as caught:
        register_or_check(PAYMENTS, payment("EUR"), "ignored")
    assert caught.value.field == "figure.quantity.unit"


def test_an_equivalent_in_a_third_unit_does_not_help() -> None:
    with pytest.raises(UnitMismatch):
        register_or_check(PAYMENTS, payment("EUR", equivalent="USD"), "ignored")


def test_a_figure_is_only_checked_against_its_own_measure() -> None:
    other = Measure(key="small-boat-arrivals", label="Arrivals", unit="GBP")
    with pytest.raises(InvalidFigure) as caught:
        register_or_check(other, payment("GBP"), "ignored")
    assert caught.value.field == "figure.measure"


def test_registering_validates_the_label() -> None:
    with pytest.raises(DomainError, match="label: must not be empty"):
        register_or_check(None, payment("GBP"), " ")


def test_the_registry_is_the_fold_of_its_events() -> None:
    events = [
        MeasureRegistered(key="uk-payments-to-france", label="UK payments to France", unit="GBP"),
        MeasureRegistered(key="small-boat-arrivals", label="Arrivals", unit="people"),
    ]
    registry = fold_measures(events)
    assert registry["uk-payments-to-france"] == PAYMENTS
    assert registry["small-boat-arrivals"].unit == "people"


def test_a_measure_registered_twice_is_a_corrupt_log() -> None:
    event = MeasureRegistered(key="small-boat-arrivals", label="Arrivals", unit="people")
    with pytest.raises(UnexpectedEvent):
        fold_measures([event, event])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": "Bad Key", "label": "x", "unit": "GBP"}, "key"),
        ({"key": "k", "label": "", "unit": "GBP"}, "label"),
        ({"key": "k", "label": "x", "unit": "quid"}, "unit"),
    ],
)
def test_bad_measures_are_refused(fields: dict[str, str], field: str) -> None:
    with pytest.raises(DomainError, match=f"^{field}: "):
        Measure(**fields)
    with pytest.raises(DomainError, match=f"^{field}: "):
        MeasureRegistered(**fields)
