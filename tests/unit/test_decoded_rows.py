"""Decoded read-model rows: kept by content, never answering for a row what it does not hold."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, logs
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import readings_of
from timeline.domain.projections.revisions import fold
from timeline.store.sql.decoded_rows import DecodedRows
from timeline.store.sql.projection_rows import (
    READING_CONTENT,
    named,
    reading_from_row,
    reading_rows,
)
from timeline.store.sql.projection_tables import figure_readings


class ContentOnly(Mapping[str, Any]):
    """A row that refuses every column but the reading's content."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row

    def __getitem__(self, name: str) -> Any:
        if name not in READING_CONTENT:
            raise KeyError(f"{name} is not content")
        return self._row[name]

    def __iter__(self) -> Iterator[str]:
        return iter(READING_CONTENT)

    def __len__(self) -> int:
        return len(READING_CONTENT)


def as_read(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the reads select it: the JSON columns as their text."""
    return {
        name: orjson.dumps(value).decode() if isinstance(value, dict) else value
        for name, value in row.items()
    }


@UNHURRIED
@given(log=logs())
def test_each_reading_row_decodes_to_its_own_reading_and_repeats_share_one(
    log: list[LoggedEvent],
) -> None:
    decoded = DecodedRows()
    seen: dict[tuple[Any, ...], object] = {}
    for stream in fold(log).revisions.values():
        for revision in stream:
            rows = [as_read(row) for row in named(figure_readings, reading_rows(revision))]
            readings = [decoded.reading(row) for row in rows]
            # The decoded value of a row is its own, however many revisions repeat it,
            # and it follows from the content columns alone.
            assert tuple(readings) == readings_of(revision)
            assert readings == [reading_from_row(ContentOnly(row)) for row in rows]
            for row, reading in zip(rows, readings, strict=True):
                content = tuple(row[name] for name in READING_CONTENT)
                assert seen.setdefault(content, reading) is reading
