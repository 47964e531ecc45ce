"""The state of each period of a measure over knowledge days, for readers past every record.

A running total as known at day K and recorded before R sums the readings of the revisions
current then. Once R is past every revision's recorded time (every read of "now", and every
``knownAt`` read now: the SETTLED reads of ``settled_pages``), a revision is current at K
exactly when ``known_from <= K < known_until``, so what a period's readings say
(``selection.PeriodState``) is a step function of K alone: it changes only on the days a
reading of the period comes or goes. ``spans`` cuts it into maximal stretches of equal
state, which the read side keeps, one row each, so that a total as known at K reads one
state per period instead of every reading (``totals.running_total_of``).

A stretch is a function of the readings of its period alone, and each is maximal (its
neighbours differ from it, or there is a gap where no reading is known), so the rows are the
same however the readings arrived: in one batch or many, in log order or, as a rebuild
writes them, not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from timeline.domain.projections.readings import PeriodKey, Reading, readings_of
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.projections.selection import PeriodState, period_state

KnownReading = tuple[Reading, dt.date, dt.date | None]
"""A reading and the knowledge days its revision is current on: [known_from, known_until)."""


@dataclass(frozen=True, slots=True)
class Span:
    """``state`` holds on the knowledge days [known_from, known_until) (None: from then on)."""

    known_from: dt.date
    known_until: dt.date | None
    state: PeriodState

    def holds_at(self, known_at: dt.date | None) -> bool:
        if known_at is None:
            return self.known_until is None
        return self.known_from <= known_at and (
            self.known_until is None or known_at < self.known_until
        )


def known_readings(revisions: Iterable[FactRevision]) -> Iterator[KnownReading]:
    """Every reading of ``revisions`` with its revision's knowledge days."""
    for revision in revisions:
        for reading in readings_of(revision):
            yield reading, revision.known_from, revision.known_until


def units_of(readings: Iterable[Reading]) -> frozenset[str]:
    """The units every one of ``readings`` has a value in: the units a period's states are
    kept in (a measure whose readings all have a value in its unit is read from them)."""
    found: frozenset[str] | None = None
    for reading in readings:
        units = reading.figure.units
        found = units if found is None else found & units
    return found or frozenset()


def spans(
    key: PeriodKey, rows: Iterable[KnownReading], unit: str, since: dt.date | None = None
) -> list[Span]:
    """The states of period ``key`` (whose readings all have a value in ``unit``) from the
    knowledge day ``since`` on (from the first, if None), in maximal stretches. ``rows``
    must hold every reading of the period current on some day from ``since`` on."""
    live = [
        (reading, known_from, known_until)
        for reading, known_from, known_until in rows
        # A revision closed on the day it opened is never current.
        if (known_until is None or known_from < known_until)
        and (since is None or known_until is None or since < known_until)
    ]
    days = {day for _, known_from, known_until in live for day in (known_from, known_until)}
    days.discard(None)
    starts = sorted(day for day in days if day is not None and (since is None or day > since))
    if since is not None:
        starts.insert(0, since)
    found: list[Span] = []
    for index, day in enumerate(starts):
        until = starts[index + 1] if index + 1 < len(starts) else None
        visible = [
            reading
            for reading, known_from, known_until in live
            if known_from <= day and (known_until is None or day < known_until)
        ]
        if not visible:
            continue
        state = period_state(key, visible, unit)
        if found and found[-1].known_until == day and found[-1].state == state:
            found[-1] = Span(found[-1].known_from, until, state)
        else:
            found.append(Span(day, until, state))
    return found
