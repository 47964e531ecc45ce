"""Reading and period-state rows decode, trustingly, to the very values the fold holds."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, logs
from tests.unit.projections.builders import reading
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import readings_of
from timeline.domain.projections.revisions import fold
from timeline.domain.projections.settled_periods import Span
from timeline.store.read_models.rows import named, reading_from_row, reading_rows
from timeline.store.read_models.tables import figure_readings
from timeline.store.read_models.total_rows import (
    STATE_READ,
    DecodedTexts,
    StoredReadings,
    amount_row,
    decoded_states,
    period_spans,
    reading_from_text,
    reading_text,
    revision_readings,
    state_of,
)

TINY = 64 * 1_500
"""A text budget for kept states that some of the generated states' rows are over."""


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
                for values in (row, as_read(row)):  # PostgreSQL's values, SQLite's text
                    state = tuple(values[name] for name in STATE_READ)
                    assert state_of(state) == span.state
                    assert kept(state) == span.state
                    assert kept(state) is kept(state)  # found, not decoded again
                    # Less text than the states met: the least recent ones are decoded
                    # again, and one whose rows' text is over the most one state may have
                    # is never kept.
                    assert tiny(state) == span.state
                    text = len(values["readings"]) + len(values["conflict"] or "")
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
                readings = StoredReadings(row["readings"], row["standing"])
                expected = span.state.amount.readings
                assert (readings[0], readings[-1], len(readings)) == (
                    expected[0],
                    expected[-1],
                    len(expected),
                )
                assert readings == expected
                assert tuple(readings) == expected
                assert hash(readings) == hash(expected)
                state = state_of(tuple(row[name] for name in STATE_READ))
                assert (
                    amount_row(period, unit, Span(span.known_from, span.known_until, state)) == row
                )


def test_a_stored_state_reads_its_first_and_last_reading_alone() -> None:
    first, last = (
        reading_text(reading(value, "2025-10", number=number))
        for value, number in ((100, 1), (120, 2))
    )
    readings = StoredReadings(f"[{first},\nnot a reading,\n{last}]", 3)
    assert readings[0] == reading_from_text(first)
    assert readings[-1] == reading_from_text(last)
    with pytest.raises(msgspec.DecodeError):
        list(readings)


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
