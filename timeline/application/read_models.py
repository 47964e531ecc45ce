"""What crosses the ``ProjectionStore`` port: filters, pages, checkpoints and row changes.

The rows themselves are the pure projections' values (``FactRevision``, ``Reading``,
``RegisteredMeasure``); these types only say which of them to fetch or write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from timeline.domain.measures import Measure
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure
from timeline.domain.projections.selection import PeriodState

TIMELINE: Final = "timeline"
"""Fact revisions, their labels and their figure readings (one fold, one checkpoint)."""
MEASURES: Final = "measures"
"""The measure registry."""
PROJECTIONS: Final = (TIMELINE, MEASURES)

MAX_PAGE_SIZE: Final = 500


class UnknownProjection(ValueError):
    """A projection name that is not one of ``PROJECTIONS``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no projection {name!r}; the projections are {', '.join(PROJECTIONS)}")
        self.name = name


def check_projection(name: str) -> str:
    if name not in PROJECTIONS:
        raise UnknownProjection(name)
    return name


@dataclass(frozen=True, slots=True)
class MeasureStates:
    """A measure as registered at some ``AsOf`` and the state in its unit of each of its
    periods with a reading current then, in any order (``ProjectionStore.measure_states``);
    ``states`` is None when the kept rows cannot say, and the total is folded from the
    readings."""

    measure: Measure
    states: list[PeriodState] | None


@dataclass(frozen=True, kw_only=True, slots=True)
class FactFilter:
    """Which facts a timeline page lists. Empty sets do not filter; within a set any one
    matches, and the sets combine with AND.

    ``text`` matches a substring of the title or the summary, ignoring case (SQLite folds
    ASCII letters only). ``occurred_from``/``occurred_to`` keep facts whose occurred span
    overlaps those days (inclusive).
    """

    kinds: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    text: str | None = None
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None
    include_retracted: bool = False


@dataclass(frozen=True, order=True, slots=True)
class PageKey:
    """Where a revision sorts on a timeline page, and the cursor that resumes after it.

    Earliest occurred day first; on the same day the coarser date first (a year heads the
    entries of its year: ``precision`` is 0 for YEAR, 1 for MONTH, 2 for DAY); the fact id
    makes the order total.
    """

    occurred_earliest: dt.date
    precision: int
    fact_id: UUID

    @classmethod
    def of(cls, revision: FactRevision) -> PageKey:
        occurred = revision.fact.content.occurred
        earliest, coarseness, *_ = occurred.sort_key()
        return cls(earliest, coarseness, revision.fact_id)

    def encode(self) -> str:
        """An opaque cursor for clients: ``2025-10-01.2.<uuid>``."""
        return f"{self.occurred_earliest.isoformat()}.{self.precision}.{self.fact_id}"

    @classmethod
    def decode(cls, cursor: str) -> PageKey:
        try:
            day, precision, fact_id = cursor.split(".", 2)
            return cls(dt.date.fromisoformat(day), int(precision), UUID(fact_id))
        except ValueError as error:
            raise ValueError(f"{cursor!r} is not a timeline cursor") from error


@dataclass(frozen=True, kw_only=True, slots=True)
class FactPage:
    """Up to ``first`` revisions in page order, how many match in all (None when the
    reader did not ask), and whether more follow; ``position`` is the timeline checkpoint
    the answer reflects."""

    revisions: tuple[FactRevision, ...]
    total: int | None
    has_more: bool
    position: int

    @property
    def end_cursor(self) -> PageKey | None:
        return PageKey.of(self.revisions[-1]) if self.revisions else None


@dataclass(frozen=True, kw_only=True, slots=True)
class Checkpoint:
    """How far a projection has read the log."""

    name: str
    position: int
    updated_at: dt.datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ProjectionChanges:
    """What one batch changes in a projection's tables.

    ``opened`` are revisions new to the tables (already closed when their successor came in
    the same batch); ``closed`` are stored revisions whose interval now ends.
    """

    opened: Sequence[FactRevision] = ()
    closed: Sequence[FactRevision] = ()
    measures: Sequence[RegisteredMeasure] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not (self.opened or self.closed or self.measures)
