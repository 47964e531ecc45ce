"""Reading and period-state rows decode, trustingly, to the very values the fold holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, logs
from tests.unit.projections.builders import reading
from timeline.domain.projections import selection
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import Reading, readings_of
from timeline.domain.projections.revisions import fold
from timeline.domain.projections.selection import PeriodState
from timeline.domain.projections.settled_periods import Span
from timeline.store.read_models.rows import named, reading_from_row, reading_rows
from timeline.store.read_models.tables import figure_readings
from timeline.store.read_models.total_rows import (
    STATE_READ,
    DecodedTexts,
    StoredReadings,
    amount_row,
    decoded_states,
    middle_rows,
    period_of,
    period_spans,
    reading_from_text,
    reading_text,
    revision_readings,
    span_middle_rows,
    state_of,
)

TINY = 64 * 1_500
"""A text budget for kept states that some of the generated states' rows are over."""


def state_values(row: dict[str, Any], middles: list[dict[str, Any]]) -> tuple[Any, ...]:
    """A state row's values as a total reads them: ``STATE_READ``, then its middle readings'
    texts joined (None for a state of two or fewer)."""
    joined = ",\n".join(middle["reading"] for middle in middles) or None
    return (*(row[name] for name in STATE_READ), joined)


def as_read(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the reads select it: the JSON columns as their text, the decimals as SQLite
    gives them back (their fixed-point text)."""
    return {
        name: orjson.dumps(value).decode()
        if isinstance(value, dict)
        else format(value, "f")
        if name in ("value", "lower", "upper") and value is not None
        else value
        for name, value in row.items()
    }


@UNHURRIED
@given(log=logs())
def test_each_reading_row_and_text_decodes_to_its_own_reading(log: list[LoggedEvent]) -> None:
    for stream in fold(log).revisions.values():
        for revision in stream:
            readings = readings_of(revision)
            rows = [as_read(row) for row in named(figure_readings, reading_rows(revision))]
            assert tuple(reading_from_row(row) for row in rows) == readings
            assert tuple(reading_from_text(reading_text(r)) for r in readings) == readings


@UNHURRIED
@given(log=logs())
def test_each_state_row_decodes_to_its_own_period_state(log: list[LoggedEvent]) -> None:
    # The state's period key is its first reading's, not read from the row's key columns.
    kept, tiny = decoded_states(), decoded_states(kept_text=TINY, kept_alone=TINY // 64)
    known = revision_readings(r for stream in fold(log).revisions.values() for r in stream)
    found = period_spans((reading, start, end) for reading, _, start, end in known)
    for period, (_, by_unit) in found.items():
        for unit, spans in by_unit.items():
            for span in spans:
                row = amount_row(period, unit, span)
                middles = span_middle_rows(period, unit, span)
                assert len(middles) == max(len(span.state.amount.readings) - 2, 0)
                for values in (row, as_read(row)):  # PostgreSQL's values, SQLite's text
                    state = state_values(values, middles)
                    assert state_of(state) == span.state
                    assert kept(state) == span.state
                    assert kept(state) is kept(state)  # found, not decoded again
                    # Less text than the states met: the least recent ones are decoded
                    # again, and one whose rows' text is over the most one state may have
                    # is never kept.
                    assert tiny(state) == span.state
                    text = len(values["readings"]) + len(values["conflict"] or "")
                    text += len(state[-1] or "")
                    assert (tiny(state) is tiny(state)) == (text <= TINY // 64)


@UNHURRIED
@given(log=logs())
def test_a_stored_state_gives_its_readings_and_is_written_back_as_it_was_read(
    log: list[LoggedEvent],
) -> None:
    known = revision_readings(r for stream in fold(log).revisions.values() for r in stream)
    found = period_spans((reading, start, end) for reading, _, start, end in known)
    for period, (_, by_unit) in found.items():
        for unit, spans in by_unit.items():
            for span in spans:
                row = amount_row(period, unit, span)
                middles = span_middle_rows(period, unit, span)
                readings = StoredReadings(
                    row["readings"], row["standing"], state_values(row, middles)[-1]
                )
                expected = span.state.amount.readings
                assert (readings[0], readings[-1], len(readings)) == (
                    expected[0],
                    expected[-1],
                    len(expected),
                )
                assert readings == expected
                assert tuple(readings) == expected
                assert hash(readings) == hash(expected)
                state = state_of(state_values(row, middles))
                again = Span(span.known_from, span.known_until, state)
                assert amount_row(period, unit, again) == row
                assert span_middle_rows(period, unit, again) == middles


def test_a_stored_state_reads_its_first_and_last_reading_alone() -> None:
    first, last = (
        reading_text(reading(value, "2025-10", number=number))
        for value, number in ((100, 1), (120, 2))
    )
    readings = StoredReadings(f"[{first},\n{last}]", 3, "not a reading")
    assert readings[0] == reading_from_text(first)
    assert readings[-1] == reading_from_text(last)
    with pytest.raises(msgspec.DecodeError):
        list(readings)
    # A batch reads no middle readings: asked for them, it says so rather than guess.
    with pytest.raises(LookupError):
        list(StoredReadings(f"[{first},\n{last}]", 3))


@UNHURRIED
@given(log=logs())
def test_a_state_row_of_readings_decoded_from_their_texts_reuses_those_texts(
    log: list[LoggedEvent],
) -> None:
    # The incremental path writes a state's readings back as the texts it read them from.
    texts = DecodedTexts()
    known = [
        (texts.decode(reading_text(reading)), start, end)
        for reading, _, start, end in revision_readings(
            r for stream in fold(log).revisions.values() for r in stream
        )
    ]
    for period, (_, by_unit) in period_spans(known).items():
        for unit, spans in by_unit.items():
            for span in spans:
                assert amount_row(period, unit, span, texts.text_of) == amount_row(
                    period, unit, span
                )
                assert span_middle_rows(period, unit, span, texts.text_of) == span_middle_rows(
                    period, unit, span
                )


@pytest.mark.parametrize("stored", [1, 2, 3, 5])
@pytest.mark.parametrize("added", [(1,), (2, 1), (3, 2)])
def test_readings_a_fold_extends_are_written_as_a_state_of_them_all_would_be(
    stored: int, added: tuple[int, ...]
) -> None:
    # A fold writes a stored state's readings as they stand (its middle rows stay, or are
    # copied: seq 1 to stored - 2) and the middle texts it added after them: together the
    # rows of a state worked out from all of those readings.
    every = [reading(100, "2025-10", number=n) for n in range(1, stored + sum(added) + 1)]
    period = period_of(every[0])
    whole = Span(dt.date(2025, 11, 1), None, period_state(every[:stored]))
    row = amount_row(period, "GBP", whole)
    middles = span_middle_rows(period, "GBP", whole)
    readings = StoredReadings(row["readings"], stored)
    with_middle = StoredReadings(row["readings"], stored, state_values(row, middles)[-1])
    taken = stored
    for count in added:
        later = tuple(every[taken : taken + count])
        readings, with_middle = readings.extended(later), with_middle.extended(later)
        taken += count
        expected = Span(whole.known_from, None, period_state(every[:taken]))
        assert (len(readings), readings[0], readings[-1]) == (taken, every[0], every[taken - 1])
        assert with_middle == tuple(every[:taken])
        kept = [m for m in middles if m["seq"] <= stored - 2]
        written = middle_rows(period, "GBP", whole.known_from, readings.added, max(stored - 1, 1))
        assert kept + written == span_middle_rows(period, "GBP", expected)
        folded_span = Span(
            whole.known_from,
            None,
            replace(expected.state, amount=replace(expected.state.amount, readings=readings)),
        )
        assert (
            amount_row(period, "GBP", folded_span)["readings"]
            == amount_row(period, "GBP", expected)["readings"]
        )


def period_state(readings: list[Reading]) -> PeriodState:
    return selection.period_state(readings[0].period_key, readings, "GBP")


def test_a_state_read_without_its_middle_readings_is_kept_by_the_size_of_them_all() -> None:
    # A checkpoint read lean (first and last only) of a period with hundreds of readings
    # stands for their text: over the bound one state may have, it is not kept.
    every = [reading(100, "2025-10", number=n) for n in (1, 2)]
    period = period_of(every[0])
    row = amount_row(period, "GBP", Span(dt.date(2025, 11, 1), None, period_state(every)))
    kept = decoded_states(kept_text=TINY, kept_alone=len(row["readings"]) * 10)
    small = (*(row[name] for name in STATE_READ), None)
    assert kept(small) is kept(small)
    large = (*(500 if name == "standing" else row[name] for name in STATE_READ), None)
    assert kept(large) is not kept(large)
    assert len(kept(large).amount.readings) == 500
