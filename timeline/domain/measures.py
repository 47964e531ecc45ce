"""Measures: the registry of keys under which figures from different sources add up.

The first figure for a key registers it with that figure's unit. Every later figure must be
in that unit, or carry an equivalent the source itself reported in it: that is what makes a
running total of ``uk-payments-to-france`` a sum of like with like, without conversion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from timeline.domain.errors import InvalidFigure, UnexpectedEvent, UnitMismatch
from timeline.domain.events import MeasureRegistered
from timeline.domain.figures import Figure, check_measure_key
from timeline.domain.quantities import unit_kind
from timeline.domain.texts import MAX_LABEL, check_text


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    key: str
    label: str
    unit: str

    def __post_init__(self) -> None:
        check_measure_key(self.key, field="key")
        check_text("label", self.label, MAX_LABEL)
        unit_kind(self.unit)

    @classmethod
    def from_event(cls, event: MeasureRegistered) -> Measure:
        return cls(key=event.key, label=event.label, unit=event.unit)


def register_or_check(
    existing: Measure | None, figure: Figure, label: str
) -> MeasureRegistered | None:
    """Decide whether ``figure`` registers its measure (an event) or fits it (None).

    Raises UnitMismatch when the measure is registered in a unit the figure was not
    reported in. ``label`` is used only when registering.
    """
    if existing is None:
        return MeasureRegistered(key=figure.measure, label=label, unit=figure.quantity.unit)
    if existing.key != figure.measure:
        raise InvalidFigure(
            "figure.measure", f"{figure.measure!r} is checked against measure {existing.key!r}"
        )
    if existing.unit in figure.units:
        return None
    raise UnitMismatch(
        "figure.quantity.unit",
        f"measure {existing.key!r} is counted in {existing.unit}; the figure is in "
        f"{figure.quantity.unit} with no reported equivalent in {existing.unit}",
    )


def fold_measures(events: Iterable[MeasureRegistered]) -> Mapping[str, Measure]:
    """The registry after ``events``; a key registered twice means a corrupt log."""
    registry: dict[str, Measure] = {}
    for event in events:
        if event.key in registry:
            raise UnexpectedEvent("key", f"measure {event.key!r} is already registered")
        registry[event.key] = Measure.from_event(event)
    return MappingProxyType(registry)
