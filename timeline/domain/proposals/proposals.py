"""What the proposer hands a curator: proposed facts, each field with how sure it is and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.spans import Span
from timeline.domain.quantities import Basis, Qualifier


@dataclass(frozen=True, slots=True, kw_only=True)
class Guess:
    """How sure the proposer is of one field (0 to 1), and the rule that gave it."""

    confidence: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposedFigure:
    measure: str
    label: str
    value: Decimal
    unit: str
    qualifier: Qualifier
    basis: Basis
    period: FuzzyDate
    span: Span
    """Where the number is written."""


class MatchStatus(StrEnum):
    NEW = "new"
    CORROBORATION = "corroboration"
    """It repeats a fact on record: the same measure and period, or kind, date and actors."""
    CONFLICT = "conflict"
    """It reads a figure on record differently: a corroboration with its own reading."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordMatch:
    status: MatchStatus
    fact_id: UUID | None = None
    fact_title: str | None = None
    record_reading: str | None = None
    """The record's reading of the figure, for a conflict, as "MORE_THAN 650000000 GBP"."""
    reason: str = ""


NEW = RecordMatch(status=MatchStatus.NEW)
NEW_MEASURE = "figure.measure"


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    slug: str
    kind: str
    title: str
    summary: str
    quote: Span
    occurred: FuzzyDate
    occurred_phrase: str | None
    inferred: tuple[str, ...]
    date_note: str
    actors: tuple[str, ...]
    places: tuple[str, ...]
    figure: ProposedFigure | None
    guesses: Mapping[str, Guess] = field(default_factory=lambda: MappingProxyType({}))
    match: RecordMatch = NEW

    @property
    def confidence(self) -> float:
        """The least sure of its fields: a proposal is as good as its weakest guess. A new
        measure key is left out: naming a new measure is always the curator's call."""
        return min(
            (
                g.confidence
                for name, g in self.guesses.items()
                if name != NEW_MEASURE or g.confidence >= 0.5
            ),
            default=0.0,
        )


def reading(figure: ProposedFigure | None) -> str | None:
    if figure is None:
        return None
    return f"{figure.qualifier} {figure.value} {figure.unit} over {figure.period}"
