"""Read-model rows decoded once per database: revisions by key, readings by content.

Everything in a ``fact_revisions`` row but its interval is fixed when the row is written:
the row of (fact id, revision) is the fold of the same immutable events in every run and
every rebuild, and a later event only closes the interval (``known_until``,
``recorded_until``). A ``figure_readings`` row carries nothing else that changes either, and
is kept by its content (``READING_CONTENT``), which the rows of the same reading in a
fact's later revisions repeat. So a reader decodes a row the first time it meets it and
afterwards only reads the interval, which is what turns a hot page from a few milliseconds
of validation into a lookup.

The JSON columns come from the reads as text (``projection_queries.REVISION_COLUMNS``), so
that a row found here is never even parsed. A cache belongs to one projection store, which
is one database: keys are only unique within it.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from cachetools import LRUCache

from timeline.domain.projections.readings import Reading
from timeline.domain.projections.revisions import FactRevision
from timeline.store.sql.projection_rows import (
    READING_CONTENT,
    Row,
    reading_from_row,
    revision_from_row,
)
from timeline.store.sql.rows import utc

REVISIONS = 4_096
"""Decoded revisions kept: about 80 pages of 50, at about 4.7 KB each (19 MB)."""
READINGS = 65_536
"""Decoded readings kept, at about 1.9 KB each with their key (about 120 MB when full):
nearly every distinct reading of the million-event corpus (70,000 over six measures, in
132,000 rows). A running total reads all of one measure's current readings, so a cache
that holds fewer than the measures asked about is emptied as fast as it fills: at 16,384
readings keyed by row, 90,000 of 102,000 readings met in 20 totals were decoded afresh."""


class DecodedRows:
    """The decoded value of each row met, least recently used out."""

    def __init__(self, *, revisions: int = REVISIONS, readings: int = READINGS) -> None:
        self._revisions: LRUCache[tuple[UUID, int], FactRevision] = LRUCache(revisions)
        self._readings: LRUCache[tuple[Any, ...], Reading] = LRUCache(readings)

    def revision(self, row: Row) -> FactRevision:
        key = (row["fact_id"], row["revision"])
        found = self._revisions.get(key)
        if found is None:
            found = self._revisions[key] = revision_from_row(row)
            return found
        current = _with_interval(found, row)
        if current is not found:  # closed since: keep the closed one
            self._revisions[key] = current
        return current

    def reading(self, row: Row) -> Reading:
        # By content, not by (fact, revision, index): every revision of a corroborated fact
        # repeats the readings before it, so rows outnumber readings about two to one.
        key = tuple(row[name] for name in READING_CONTENT)
        found = self._readings.get(key)
        if found is None:
            found = self._readings[key] = reading_from_row(row)
        return found


def _with_interval(revision: FactRevision, row: Row) -> FactRevision:
    known_until, recorded_until = row["known_until"], row["recorded_until"]
    if recorded_until is not None:
        recorded_until = utc(recorded_until)
    if known_until == revision.known_until and recorded_until == revision.recorded_until:
        return revision
    changed: dict[str, Any] = {"known_until": known_until, "recorded_until": recorded_until}
    return dataclasses.replace(revision, **changed)
