from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.domain import quantities
from timeline.domain.errors import InvalidQuantity, NotAdditive
from timeline.domain.quantities import (
    QUALIFIER_TABLE,
    Bounds,
    Qualifier,
    Quantity,
    UnitKind,
    total,
    unit_kind,
)

from .domain_strategies import quantities as quantity_values

M = Decimal(1_000_000)


def bounds(
    lower: str | None, lower_inclusive: bool, upper: str | None, upper_inclusive: bool
) -> Bounds:
    return Bounds(
        lower=None if lower is None else Decimal(lower),
        lower_inclusive=lower_inclusive,
        upper=None if upper is None else Decimal(upper),
        upper_inclusive=upper_inclusive,
    )


@pytest.mark.parametrize(
    ("qualifier", "value", "expected"),
    [
        (Qualifier.EXACT, "100", bounds("100", True, "100", True)),
        (Qualifier.ABOUT, "1000", bounds("900", True, "1100", True)),
        (Qualifier.AT_LEAST, "100", bounds("100", True, None, False)),
        (Qualifier.MORE_THAN, "650000000", bounds("650000000", False, None, False)),
        (Qualifier.AT_MOST, "100", bounds("0", True, "100", True)),
        (Qualifier.LESS_THAN, "100", bounds("0", True, "100", False)),
        (Qualifier.ALMOST, "50000", bounds("45000", True, "50000", False)),
    ],
)
def test_each_qualifier_maps_to_its_bounds(
    qualifier: Qualifier, value: str, expected: Bounds
) -> None:
    assert Quantity(Decimal(value), "GBP", qualifier).bounds == expected


def test_the_table_covers_every_qualifier() -> None:
    assert set(QUALIFIER_TABLE) == set(Qualifier)


@pytest.mark.parametrize("qualifier", list(Qualifier))
def test_the_module_docstring_shows_the_table_as_coded(qualifier: Qualifier) -> None:
    line = f"{qualifier:<10} {QUALIFIER_TABLE[qualifier].notation()}"
    assert quantities.__doc__ is not None
    assert line in quantities.__doc__


@pytest.mark.parametrize(
    ("qualifier", "holds_value"),
    [
        (Qualifier.EXACT, True),
        (Qualifier.ABOUT, True),
        (Qualifier.AT_LEAST, True),
        (Qualifier.AT_MOST, True),
        (Qualifier.MORE_THAN, False),
        (Qualifier.LESS_THAN, False),
        (Qualifier.ALMOST, False),
    ],
)
def test_only_inclusive_qualifiers_admit_the_reported_value(
    qualifier: Qualifier, holds_value: bool
) -> None:
    quantity = Quantity(Decimal(40), "boats", qualifier)
    assert quantity.bounds.contains(quantity.value) is holds_value


def test_bounds_contains_respects_inclusivity() -> None:
    b = bounds("10", False, "20", True)
    assert [b.contains(Decimal(x)) for x in ("9", "10", "10.01", "20", "20.01")] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert bounds("10", True, None, False).contains(Decimal(10**30))


def test_adding_bounds_adds_ends_and_keeps_exclusivity() -> None:
    more_than = Quantity(Decimal(650) * M, "GBP", Qualifier.MORE_THAN).bounds
    exact = Quantity(Decimal(50) * M, "GBP").bounds
    at_most = Quantity(Decimal(10) * M, "GBP", Qualifier.AT_MOST).bounds
    assert more_than + exact == bounds("700000000", False, None, False)
    assert exact + at_most == bounds("50000000", True, "60000000", True)
    assert at_most + Quantity(Decimal(5), "GBP", Qualifier.LESS_THAN).bounds == bounds(
        "0", True, "10000005", False
    )


def test_zero_is_the_identity_and_builtin_sum_works() -> None:
    exact = Bounds.exact(Decimal(7))
    assert exact + Bounds.zero() == exact == Bounds.zero() + exact
    assert sum([exact, exact]) == Bounds.exact(Decimal(14))


@pytest.mark.parametrize(
    "arguments",
    [
        ("10", True, "9", True),
        ("10", True, "10", False),
        ("10", False, "10", True),
        (None, True, "10", True),
        ("10", True, None, True),
    ],
)
def test_bounds_that_admit_nothing_are_refused(
    arguments: tuple[str | None, bool, str | None, bool],
) -> None:
    with pytest.raises(InvalidQuantity):
        bounds(*arguments)


@st.composite
def quantities_with_true_amounts(
    draw: st.DrawFn, unit: str = "GBP"
) -> list[tuple[Quantity, Decimal]]:
    """Quantities of one unit, each with an amount it could truly stand for."""
    pairs = []
    for quantity in draw(st.lists(quantity_values(unit=unit), min_size=1, max_size=6)):
        b = quantity.bounds
        assert b.lower is not None
        high = b.upper if b.upper is not None else b.lower + 10**6
        share = draw(st.decimals(min_value=0, max_value=1, places=3))
        amount = b.lower + (high - b.lower) * share
        if not b.contains(amount):
            amount = (b.lower + high) / 2  # strictly inside when an end is exclusive
        assert b.contains(amount)
        pairs.append((quantity, amount))
    return pairs


@given(quantities_with_true_amounts())
def test_the_sum_of_bounds_holds_the_sum_of_true_amounts(
    pairs: list[tuple[Quantity, Decimal]],
) -> None:
    summed = total(quantity for quantity, _ in pairs)
    assert summed.contains(sum((amount for _, amount in pairs), Decimal(0)))


@given(quantities_with_true_amounts())
def test_inclusive_values_sum_inside_the_total(pairs: list[tuple[Quantity, Decimal]]) -> None:
    inclusive = [q for q, _ in pairs if q.bounds.contains(q.value)]
    assert total(inclusive).contains(sum((q.value for q in inclusive), Decimal(0)))


@given(st.lists(quantity_values(unit="people"), max_size=6), st.data())
def test_more_than_stays_a_lower_bound_through_every_sum(
    others: list[Quantity], data: st.DataObject
) -> None:
    more_than = Quantity(Decimal(650), "people", Qualifier.MORE_THAN)
    position = data.draw(st.integers(0, len(others)))
    summed = total([*others[:position], more_than, *others[position:]])
    assert summed.lower is not None
    assert summed.lower >= more_than.value
    assert summed.lower_inclusive is False
    assert summed.upper is None


@given(quantity_values(), quantity_values(), quantity_values())
def test_adding_bounds_is_associative_and_commutative(
    a: Quantity, b: Quantity, c: Quantity
) -> None:
    x, y, z = a.bounds, b.bounds, c.bounds
    assert (x + y) + z == x + (y + z)
    assert x + y == y + x


def test_total_refuses_ratios_and_mixed_units() -> None:
    with pytest.raises(NotAdditive, match="percent values never add up") as caught:
        total([Quantity(Decimal(33), "percent")])
    assert caught.value.field == "quantities[0].unit"
    with pytest.raises(NotAdditive, match="EUR cannot be added to GBP"):
        total([Quantity(Decimal(1), "GBP"), Quantity(Decimal(1), "EUR")])
    assert total([]) == Bounds.zero()


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("GBP", UnitKind.CURRENCY),
        ("EUR", UnitKind.CURRENCY),
        ("people", UnitKind.COUNT),
        ("boats", UnitKind.COUNT),
        ("returns", UnitKind.COUNT),
        ("percent", UnitKind.RATIO),
    ],
)
def test_unit_kinds(unit: str, kind: UnitKind) -> None:
    assert unit_kind(unit) is kind


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        ("gbp", "did you mean 'GBP'"),
        ("XXX", "unknown unit"),
        ("ZZZ", "unknown unit"),
        ("pounds", "unknown unit"),
        ("quid", "or percent$"),
        ("", "unknown unit"),
    ],
)
def test_unknown_units_are_refused(unit: str, reason: str) -> None:
    with pytest.raises(InvalidQuantity, match=reason) as caught:
        Quantity(Decimal(1), unit)
    assert caught.value.field == "unit"


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "field", "reason"),
    [
        (1.5, "GBP", Qualifier.EXACT, "value", "must be a Decimal, not float"),
        (Decimal("NaN"), "GBP", Qualifier.EXACT, "value", "finite"),
        (Decimal("Infinity"), "GBP", Qualifier.EXACT, "value", "finite"),
        (Decimal(-5), "GBP", Qualifier.EXACT, "value", "must not be negative"),
        (Decimal("-0"), "GBP", Qualifier.EXACT, "value", "must not be negative"),
        (Decimal("2.5"), "people", Qualifier.EXACT, "value", "must be whole"),
        (Decimal(0), "people", Qualifier.LESS_THAN, "value", "leaves no possible amount"),
        (Decimal(0), "people", Qualifier.ALMOST, "value", "leaves no possible amount"),
        (Decimal(1), "people", "ABOUT", "qualifier", "must be a Qualifier"),
    ],
)
def test_bad_quantities_are_refused(
    value: object, unit: str, qualifier: object, field: str, reason: str
) -> None:
    with pytest.raises(InvalidQuantity, match=reason) as caught:
        Quantity(value, unit, qualifier)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_fractional_money_and_percent_are_fine() -> None:
    assert Quantity(Decimal("45.5") * M, "GBP").value == Decimal("45500000.0")
    assert Quantity(Decimal("33.3"), "percent").additive is False


def test_of_parses_loose_input_but_never_floats() -> None:
    assert Quantity.of("650000000", "GBP", "MORE_THAN") == Quantity(
        Decimal(650) * M, "GBP", Qualifier.MORE_THAN
    )
    assert Quantity.of(12, "boats") == Quantity(Decimal(12), "boats")
    with pytest.raises(InvalidQuantity, match=r"not 1\.5"):
        Quantity.of(1.5, "GBP")  # type: ignore[arg-type]
    with pytest.raises(InvalidQuantity, match="not a number"):
        Quantity.of("lots", "GBP")
    with pytest.raises(InvalidQuantity, match="unknown qualifier 'ROUGHLY'") as caught:
        Quantity.of("1", "GBP", "ROUGHLY")
    assert caught.value.field == "qualifier"


def test_str_reads_like_the_source() -> None:
    assert str(Quantity(Decimal(650), "GBP", Qualifier.MORE_THAN)) == "MORE_THAN 650 GBP"


@given(st.lists(quantity_values(unit="GBP"), min_size=1, max_size=5))
def test_cover_holds_every_amount_any_side_holds_and_no_less(sides: list[Quantity]) -> None:
    covered = quantities.cover(side.bounds for side in sides)
    ends = [x for side in sides for x in (side.bounds.lower, side.bounds.upper) if x is not None]
    for side in sides:
        for amount in ends:
            if side.bounds.contains(amount):
                assert covered.contains(amount)
    # Each end of the cover is some side's end.
    assert covered.lower in {side.bounds.lower for side in sides}
    assert covered.upper in {side.bounds.upper for side in sides}


def test_cover_of_almost_and_at_least_runs_from_ninety_percent_to_unbounded() -> None:
    almost = Quantity(Decimal(22000), "people", Qualifier.ALMOST).bounds
    at_least = Quantity(Decimal(22000), "people", Qualifier.AT_LEAST).bounds
    assert quantities.cover([almost, at_least]) == Bounds(
        lower=Decimal(19800), lower_inclusive=True, upper=None, upper_inclusive=False
    )
    with pytest.raises(InvalidQuantity):
        quantities.cover([])
