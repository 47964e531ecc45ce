"""Figures: a quantity of a named measure over a period, as a source reported it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidFigure
from timeline.domain.quantities import Basis, Quantity

MAX_MEASURE_KEY = 80
# Lower-case words joined by single hyphens: stable in URLs, CSV headers and stream ids.
_MEASURE_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_measure_key(key: object, *, field: str = "measure") -> str:
    if not isinstance(key, str):
        raise InvalidFigure(field, "must be a string")
    if len(key) > MAX_MEASURE_KEY:
        raise InvalidFigure(field, f"is longer than {MAX_MEASURE_KEY} characters")
    if not _MEASURE_KEY.fullmatch(key):
        reason = f"{key!r} is not a key like 'uk-payments-to-france' (a-z, 0-9, single '-')"
        suggestion = _hyphenated(key)
        if suggestion is not None:
            reason += f": did you mean {suggestion!r}?"
        raise InvalidFigure(field, reason)
    return key


def _hyphenated(key: str) -> str | None:
    """The key a client most likely meant (``Small_Boat arrivals`` -> ``small-boat-arrivals``),
    if lowering it and joining its words with single hyphens gives a valid one."""
    words = re.split(r"[^a-z0-9]+", key.lower())
    candidate = "-".join(word for word in words if word)
    return candidate if _MEASURE_KEY.fullmatch(candidate) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """``quantity`` of ``measure`` over ``period``.

    FLOW: the amount within the period. CUMULATIVE: the total over the period as at its end.
    ``equivalent`` is the same amount in another unit as the source itself gave it ("EUR 50m
    (GBP 45.5m)"); it is kept, never computed.

    ``span_days``, for a FLOW figure only, says the amount covers a period of known length
    somewhere inside ``period``, which is then only the window it lies in: "nearly 2,000 came
    last week", published some day in October, is ``span_days=7`` within
    ``2025-09-22/2025-10-30``. The amount bounds those days, never the whole window, so such
    a figure never encloses another (``selection``). None: the figure covers all of
    ``period``.
    """

    measure: str
    quantity: Quantity
    basis: Basis
    period: FuzzyDate
    equivalent: Quantity | None = None
    span_days: int | None = None

    def __post_init__(self) -> None:
        check_measure_key(self.measure)
        if not isinstance(self.quantity, Quantity):
            raise InvalidFigure("quantity", "must be a Quantity")
        if not isinstance(self.basis, Basis):
            raise InvalidFigure("basis", f"must be a Basis, not {self.basis!r}")
        if not isinstance(self.period, FuzzyDate):
            raise InvalidFigure("period", "must be a FuzzyDate")
        if self.period.open_end:
            # An amount "from 2018 onwards" has not happened yet; it cannot have been counted.
            raise InvalidFigure("period", f"{self.period} must have a known end")
        if self.span_days is not None:
            _check_span(self.span_days, self.basis, self.period)
        if self.equivalent is not None:
            if not isinstance(self.equivalent, Quantity):
                raise InvalidFigure("equivalent", "must be a Quantity")
            if self.equivalent.unit == self.quantity.unit:
                raise InvalidFigure(
                    "equivalent.unit", f"is the figure's own unit {self.quantity.unit}"
                )

    @property
    def covers_period(self) -> bool:
        """The amount is over all of ``period``, not a shorter span somewhere inside it."""
        return self.span_days is None

    def describe_period(self) -> str:
        """``2024``; ``7 days within 2025-09-22/2025-10-30`` for a span inside its period."""
        if self.span_days is None:
            return self.period.text
        return f"{self.span_days} days within {self.period.text}"

    @property
    def units(self) -> frozenset[str]:
        """Every unit this figure can be read in: its own and its reported equivalent's."""
        if self.equivalent is None:
            return frozenset({self.quantity.unit})
        return frozenset({self.quantity.unit, self.equivalent.unit})

    def in_unit(self, unit: str) -> Quantity | None:
        """The figure as reported in ``unit``, or None; never a conversion."""
        if self.quantity.unit == unit:
            return self.quantity
        if self.equivalent is not None and self.equivalent.unit == unit:
            return self.equivalent
        return None


def _check_span(span_days: object, basis: Basis, period: FuzzyDate) -> None:
    if type(span_days) is not int:
        raise InvalidFigure("span_days", f"must be a whole number of days, not {span_days!r}")
    if span_days < 1:
        raise InvalidFigure("span_days", f"must be at least 1 day ({span_days})")
    if basis is not Basis.FLOW:
        # A running total is "as at its period's end"; a span inside the window has no end.
        raise InvalidFigure("span_days", "only a FLOW figure can cover part of its period")
    window = (period.latest - period.earliest).days + 1
    if span_days >= window:
        raise InvalidFigure(
            "span_days",
            f"{span_days} days is not shorter than the period {period} ({window} days): "
            "a figure over its whole period has no span_days",
        )
