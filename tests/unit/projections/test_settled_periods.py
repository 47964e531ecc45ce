from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.projections.builders import reading
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.selection import period_state
from timeline.domain.projections.settled_periods import KnownReading, Span, spans
from timeline.domain.quantities import Qualifier

START = dt.date(2025, 11, 1)
KEY = reading(1, "2025-10").period_key


def day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


@st.composite
def known_readings(draw: st.DrawFn) -> list[KnownReading]:
    """Readings of one period, each current on a few days (or from a day on, or never)."""
    found = []
    for number in range(1, draw(st.integers(1, 7)) + 1):
        value = draw(st.sampled_from((100, 120, 200)))
        qualifier = draw(st.sampled_from(Qualifier))
        reported = day(draw(st.integers(0, 3))).isoformat()
        known = reading(value, "2025-10", number=number, qualifier=qualifier, reported=reported)
        start = draw(st.integers(0, 8))
        end = draw(st.none() | st.integers(start, 10))
        found.append((known, day(start), None if end is None else day(end)))
    return found


def visible(rows: list[KnownReading], on: dt.date) -> list[Reading]:
    return [r for r, start, end in rows if start <= on and (end is None or on < end)]


def state_at(found: list[Span], on: dt.date | None) -> Span | None:
    holding = [span for span in found if span.holds_at(on)]
    assert len(holding) <= 1
    return holding[0] if holding else None


@given(known_readings())
def test_the_spans_say_on_every_day_what_the_readings_current_then_say(
    rows: list[KnownReading],
) -> None:
    found = spans(KEY, rows, "GBP")
    for offset in range(-1, 12):
        current = visible(rows, day(offset))
        span = state_at(found, day(offset))
        if not current:
            assert span is None
        else:
            assert span is not None
            assert span.state == period_state(KEY, current, "GBP")
    # Maximal: two stretches that meet never hold the same state.
    for first, second in itertools.pairwise(found):
        assert first.known_until is not None
        assert first.known_until < second.known_from or first.state != second.state
    last = state_at(found, None)
    assert (last is None) == (not [r for r, _, end in rows if end is None])


@given(known_readings(), st.integers(0, 10))
def test_spans_worked_out_again_from_a_spans_start_are_the_same_spans(
    rows: list[KnownReading], offset: int
) -> None:
    """What a batch does: keep the spans before the one holding the first changed day and
    work out the rest from that one's start, from the readings current since."""
    every = spans(KEY, rows, "GBP")
    since = max((s.known_from for s in every if s.known_from <= day(offset)), default=day(offset))
    current_since = [row for row in rows if row[2] is None or row[2] > since]
    kept = [span for span in every if span.known_from < since]
    assert kept + spans(KEY, current_since, "GBP", since=since) == every
