"""Figure history: every reading a measure has ever had, in the order it was reported.

Unlike the totals, which see the readings current at one point, the history goes through
every revision ever made, so a reading later corrected or retracted still shows, with how
it ended. A reading is one figure from one source brought in by one event; it stays the
same reading through the revisions that carry it over unchanged.

Each entry names the reading it superseded: the previous reading, in reported order, of the
same measure, basis and period days, that was published earlier or came from the same source
(a reading re-read). Another source's reading published the same day supersedes nothing: the
order in which the two were recorded says nothing about which is right.
``change`` is the difference from it when both can be read in one unit (either's own or a
reported equivalent), otherwise None: there is no conversion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.figures import Figure
from timeline.domain.projections.readings import PeriodKey, Reading, readings_of
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.sources import Source


class ReadingStatus(StrEnum):
    CURRENT = "CURRENT"
    """Still a reading of the fact's latest revision."""
    REVISED = "REVISED"
    """Dropped or replaced by a later revision of the fact."""
    RETRACTED = "RETRACTED"
    """Its fact was retracted while the reading stood."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    reading: Reading
    revision: int
    """The fact's revision that brought the reading in."""
    superseded: Reading | None
    change: Decimal | None
    status: ReadingStatus
    ended_by: FactRevision | None
    """The revision that revised the reading away or retracted its fact."""

    @property
    def source(self) -> Source:
        return self.reading.source

    @property
    def quote(self) -> str:
        return self.reading.source.quote

    @property
    def ended_reason(self) -> str | None:
        return None if self.ended_by is None else self.ended_by.reason


_Identity = tuple[UUID, int, Figure, str]


@dataclass(frozen=True, slots=True)
class _Life:
    reading: Reading
    revision: int
    status: ReadingStatus
    ended_by: FactRevision | None


def figure_history(
    revisions: Iterable[FactRevision], measure: str, period: FuzzyDate | None = None
) -> tuple[HistoryEntry, ...]:
    """Every reading of ``measure`` (of ``period``'s days only, if given) across all of
    ``revisions``, in reported order."""
    streams: defaultdict[UUID, list[FactRevision]] = defaultdict(list)
    for revision in revisions:
        streams[revision.fact_id].append(revision)
    lives = [
        life
        for stream in streams.values()
        for life in _lives(sorted(stream, key=lambda revision: revision.revision))
        if life.reading.measure == measure and (period is None or _same_days(life, period))
    ]
    entries = []
    earlier: defaultdict[PeriodKey, list[Reading]] = defaultdict(list)
    for life in sorted(lives, key=lambda life: life.reading.recency()):
        reading = life.reading
        previous = _superseded(earlier[reading.period_key], reading)
        earlier[reading.period_key].append(reading)
        entries.append(
            HistoryEntry(
                reading=reading,
                revision=life.revision,
                superseded=previous,
                change=None if previous is None else change(previous.figure, reading.figure),
                status=life.status,
                ended_by=life.ended_by,
            )
        )
    return tuple(entries)


def _superseded(earlier: list[Reading], reading: Reading) -> Reading | None:
    """The reading ``reading`` took over from: the latest earlier one published before it,
    or re-read from its own source. Another source's reading published the same day is not
    superseded, whichever was recorded first: the two stand side by side (``selection``)."""
    for before in reversed(earlier):
        if (
            before.reported_on < reading.reported_on
            or before.source.identity == reading.source.identity
        ):
            return before
    return None


def change(before: Figure, after: Figure) -> Decimal | None:
    """``after`` less ``before`` in a unit both were reported in, else None."""
    for unit in (before.quantity.unit, after.quantity.unit):
        old, new = before.in_unit(unit), after.in_unit(unit)
        if old is not None and new is not None:
            return new.value - old.value
    return None


def _same_days(life: _Life, period: FuzzyDate) -> bool:
    days = life.reading.period
    return (days.earliest, days.latest) == (period.earliest, period.latest)


def _lives(stream: list[FactRevision]) -> list[_Life]:
    """Each distinct reading of one fact's stream: when it came in and how it ended."""
    born: dict[_Identity, tuple[Reading, int]] = {}
    ended: dict[_Identity, FactRevision] = {}
    alive: set[_Identity] = set()
    for revision in stream:
        now = {_identity(reading): reading for reading in readings_of(revision)}
        for key, reading in now.items():
            born.setdefault(key, (reading, revision.revision))
        for key in alive - now.keys():
            ended.setdefault(key, revision)
        alive = set(now)
    lives = []
    for key, (reading, number) in born.items():
        end = ended.get(key)
        if end is None:
            status = ReadingStatus.CURRENT
        elif end.fact.is_retracted:
            status = ReadingStatus.RETRACTED
        else:
            status = ReadingStatus.REVISED
        lives.append(_Life(reading, number, status, end))
    return lives


def _identity(reading: Reading) -> _Identity:
    return (reading.fact_id, reading.position, reading.figure, reading.source.identity)
