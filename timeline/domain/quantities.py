"""Quantities: a Decimal value, a unit and a qualifier that says how the value was put.

The qualifier maps to honest bounds on the true amount. With reported value ``v``:

    qualifier  true amount lies in
    EXACT      [v, v]
    ABOUT      [0.9v, 1.1v]
    AT_LEAST   [v, unbounded)
    MORE_THAN  (v, unbounded)
    AT_MOST    [0, v]
    LESS_THAN  [0, v)
    ALMOST     [0.9v, v)

``[`` and ``]`` include the bound, ``(`` and ``)`` exclude it. ABOUT and ALMOST need a
tolerance the words do not give; ten per cent covers how "about 1,000" and "almost 50,000"
are used in reporting (rounding to the leading digit or two) without claiming more. Nothing
is negative, so AT_MOST and LESS_THAN start at zero. The table is ``QUALIFIER_TABLE``; a test
keeps this text and the data in step.

Units are upper-case ISO 4217 currency codes (``GBP``, ``EUR``), count units (``people``,
``boats``, ``returns``...) whose values must be whole, or the ratio unit ``percent``. Ratios
are allowed so that a source's "up a third" can be kept, but they never add up: ``total``
refuses them, as it refuses mixed units. There is no currency conversion anywhere; a figure
keeps the equivalent its source reported beside its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

import pycountry

from timeline.domain.errors import InvalidQuantity, NotAdditive


class Qualifier(StrEnum):
    EXACT = "EXACT"
    ABOUT = "ABOUT"
    AT_LEAST = "AT_LEAST"
    MORE_THAN = "MORE_THAN"
    AT_MOST = "AT_MOST"
    LESS_THAN = "LESS_THAN"
    ALMOST = "ALMOST"

    @classmethod
    def parse(cls, text: str, *, field: str = "qualifier") -> Qualifier:
        try:
            return cls(text)
        except ValueError:
            known = ", ".join(cls)
            reason = f"unknown qualifier {text!r}; use one of {known}"
            raise InvalidQuantity(field, reason) from None


class Basis(StrEnum):
    FLOW = "FLOW"
    """An amount within its period (crossings in October)."""
    CUMULATIVE = "CUMULATIVE"
    """A running total over its period, as at the period's end (crossings since 2018)."""


class UnitKind(StrEnum):
    CURRENCY = "CURRENCY"
    COUNT = "COUNT"
    RATIO = "RATIO"


COUNT_UNITS = frozenset(
    {
        "people",
        "boats",
        "crossings",
        "returns",
        "removals",
        "arrests",
        "officers",
        "vessels",
        "flights",
        "applications",
        "decisions",
        "detentions",
        "deaths",
        "beds",
        "sites",
        "drones",
    }
)
RATIO_UNITS = frozenset({"percent"})
# Codes pycountry lists that name no money: "no currency" and the testing code.
_NOT_MONEY = frozenset({"XXX", "XTS"})


def unit_kind(unit: str, *, field: str = "unit") -> UnitKind:
    """The kind of a unit, or InvalidQuantity for a unit nobody registered."""
    if unit in COUNT_UNITS:
        return UnitKind.COUNT
    if unit in RATIO_UNITS:
        return UnitKind.RATIO
    if (
        len(unit) == 3
        and unit.isascii()
        and unit.isupper()
        and unit not in _NOT_MONEY
        and pycountry.currencies.get(alpha_3=unit) is not None
    ):
        return UnitKind.CURRENCY
    upper = unit.upper()
    known_upper = upper != unit and len(upper) == 3 and pycountry.currencies.get(alpha_3=upper)
    hint = f"; did you mean {upper!r}?" if known_upper else ""
    raise InvalidQuantity(
        field,
        f"unknown unit {unit!r}: use an ISO 4217 code, a count unit "
        f"({', '.join(sorted(COUNT_UNITS))}) or percent{hint}",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounds:
    """Where a true amount lies. ``None`` means unbounded on that side (never inclusive)."""

    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool

    def __post_init__(self) -> None:
        if self.lower is None and self.lower_inclusive:
            raise InvalidQuantity("bounds.lower_inclusive", "an unbounded side includes nothing")
        if self.upper is None and self.upper_inclusive:
            raise InvalidQuantity("bounds.upper_inclusive", "an unbounded side includes nothing")
        if self.lower is None or self.upper is None:
            return
        touching = self.lower == self.upper and self.lower_inclusive and self.upper_inclusive
        if self.lower > self.upper or (self.lower == self.upper and not touching):
            raise InvalidQuantity("bounds", "the bounds leave no possible amount")

    @classmethod
    def exact(cls, value: Decimal) -> Bounds:
        return cls(lower=value, lower_inclusive=True, upper=value, upper_inclusive=True)

    @classmethod
    def zero(cls) -> Bounds:
        """The identity of ``+``: the bounds of an empty sum."""
        return cls.exact(Decimal(0))

    def contains(self, amount: Decimal) -> bool:
        if self.lower is not None and (
            amount < self.lower or (amount == self.lower and not self.lower_inclusive)
        ):
            return False
        return self.upper is None or (
            amount < self.upper or (amount == self.upper and self.upper_inclusive)
        )

    def __add__(self, other: Bounds) -> Bounds:
        # x in A and y in B gives x + y in A + B. A sum reaches a bound only if every term
        # can reach its own, so one exclusive term makes the sum's bound exclusive.
        lower = None if self.lower is None or other.lower is None else self.lower + other.lower
        upper = None if self.upper is None or other.upper is None else self.upper + other.upper
        return Bounds(
            lower=lower,
            lower_inclusive=lower is not None and self.lower_inclusive and other.lower_inclusive,
            upper=upper,
            upper_inclusive=upper is not None and self.upper_inclusive and other.upper_inclusive,
        )

    def __radd__(self, other: int) -> Bounds:
        # Lets the built-in sum() start from 0.
        if other != 0:
            return NotImplemented
        return self


@dataclass(frozen=True, slots=True)
class QualifierRule:
    """Bounds as factors of the reported value; ``upper_factor=None`` means unbounded."""

    lower_factor: Decimal
    lower_inclusive: bool
    upper_factor: Decimal | None
    upper_inclusive: bool

    def bounds(self, value: Decimal) -> Bounds:
        return Bounds(
            lower=self.lower_factor * value,
            lower_inclusive=self.lower_inclusive,
            upper=None if self.upper_factor is None else self.upper_factor * value,
            upper_inclusive=self.upper_inclusive,
        )

    def notation(self) -> str:
        """Interval notation in terms of ``v``, as in the module docstring."""
        return "{}{}, {}{}".format(
            "[" if self.lower_inclusive else "(",
            _times_v(self.lower_factor),
            "unbounded" if self.upper_factor is None else _times_v(self.upper_factor),
            "]" if self.upper_inclusive else ")",
        )


def _times_v(factor: Decimal) -> str:
    if factor == 0:
        return "0"
    return "v" if factor == 1 else f"{factor}v"


_ONE = Decimal(1)
QUALIFIER_TABLE: Mapping[Qualifier, QualifierRule] = MappingProxyType(
    {
        Qualifier.EXACT: QualifierRule(_ONE, True, _ONE, True),
        Qualifier.ABOUT: QualifierRule(Decimal("0.9"), True, Decimal("1.1"), True),
        Qualifier.AT_LEAST: QualifierRule(_ONE, True, None, False),
        Qualifier.MORE_THAN: QualifierRule(_ONE, False, None, False),
        Qualifier.AT_MOST: QualifierRule(Decimal(0), True, _ONE, True),
        Qualifier.LESS_THAN: QualifierRule(Decimal(0), True, _ONE, False),
        Qualifier.ALMOST: QualifierRule(Decimal("0.9"), True, _ONE, False),
    }
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A reported amount: ``Quantity(Decimal("650000000"), "GBP", Qualifier.MORE_THAN)``."""

    value: Decimal
    unit: str
    qualifier: Qualifier = Qualifier.EXACT

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            # A float has already lost the reported digits; refuse rather than guess them.
            raise InvalidQuantity("value", f"must be a Decimal, not {type(self.value).__name__}")
        if not self.value.is_finite():
            raise InvalidQuantity("value", f"must be a finite number, not {self.value}")
        if self.value.is_signed():
            raise InvalidQuantity("value", f"must not be negative ({self.value})")
        if not isinstance(self.unit, str):
            raise InvalidQuantity("unit", "must be a string")
        kind = unit_kind(self.unit)
        if kind is UnitKind.COUNT and self.value != self.value.to_integral_value():
            raise InvalidQuantity("value", f"a count of {self.unit} must be whole ({self.value})")
        if not isinstance(self.qualifier, Qualifier):
            raise InvalidQuantity("qualifier", f"must be a Qualifier, not {self.qualifier!r}")
        try:
            self.bounds  # noqa: B018 - LESS_THAN 0 and ALMOST 0 describe no amount at all
        except InvalidQuantity:
            raise InvalidQuantity(
                "value", f"{self.qualifier} {self.value} leaves no possible amount"
            ) from None

    @classmethod
    def of(
        cls, value: str | int | Decimal, unit: str, qualifier: str = Qualifier.EXACT
    ) -> Quantity:
        """Build from loose input (text, int), refusing floats and unknown qualifiers."""
        if isinstance(value, float | bool):
            raise InvalidQuantity("value", f"must be text or a whole number, not {value!r}")
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise InvalidQuantity("value", f"{value!r} is not a number") from None
        return cls(number, unit, Qualifier.parse(qualifier))

    @property
    def kind(self) -> UnitKind:
        return unit_kind(self.unit)

    @property
    def additive(self) -> bool:
        return self.kind is not UnitKind.RATIO

    @property
    def bounds(self) -> Bounds:
        return QUALIFIER_TABLE[self.qualifier].bounds(self.value)

    def __str__(self) -> str:
        return f"{self.qualifier} {self.value} {self.unit}"


def cover(bounds: Iterable[Bounds]) -> Bounds:
    """The least bounds holding every amount any of ``bounds`` holds: where the truth lies
    when one of several readings is right and nobody can say which."""
    sides = list(bounds)
    if not sides:
        raise InvalidQuantity("bounds", "there is nothing to cover")
    lower: Decimal | None = None
    lower_inclusive = False
    if all(side.lower is not None for side in sides):
        lowest = min(sides, key=lambda side: (side.lower, not side.lower_inclusive))
        lower, lower_inclusive = lowest.lower, lowest.lower_inclusive
    upper: Decimal | None = None
    upper_inclusive = False
    if all(side.upper is not None for side in sides):
        highest = max(sides, key=lambda side: (side.upper, side.upper_inclusive))
        upper, upper_inclusive = highest.upper, highest.upper_inclusive
    return Bounds(
        lower=lower, lower_inclusive=lower_inclusive, upper=upper, upper_inclusive=upper_inclusive
    )


def total(quantities: Iterable[Quantity]) -> Bounds:
    """Bounds on the sum of the true amounts; refuses ratios and mixed units."""
    result = Bounds.zero()
    unit: str | None = None
    for index, quantity in enumerate(quantities):
        if not quantity.additive:
            raise NotAdditive(f"quantities[{index}].unit", f"{quantity.unit} values never add up")
        if unit is not None and quantity.unit != unit:
            raise NotAdditive(
                f"quantities[{index}].unit", f"{quantity.unit} cannot be added to {unit}"
            )
        unit = quantity.unit
        result = result + quantity.bounds
    return result
