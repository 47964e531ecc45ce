"""Revision rows decoded once per database.

Everything in a ``fact_revisions`` row but its interval is fixed when the row is written:
the row of (fact id, revision) is the fold of the same immutable events in every run and
every rebuild, and a later event only closes the interval (``known_until``,
``recorded_until``). So a reader decodes a row the first time it meets it and afterwards
only reads the interval, which is what turns a hot page from a few milliseconds of
validation into a lookup. (Readings were kept here too, for running totals that read every
reading of a measure; a settled total now reads one kept state per period instead.)

The JSON columns come from the reads as text (``queries.revisions``), so that a row found
here is never even parsed, and its fact's sources are read only for the rows not found
(``kept``). A cache belongs to one projection store, which is one database: keys are
only unique within it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from cachetools import LRUCache

from timeline.domain.projections.revisions import FactRevision
from timeline.domain.sources import Source
from timeline.store.read_models.rows import Row, revision_from_row
from timeline.store.sql.rows import utc

REVISIONS = 4_096
"""Decoded revisions kept: about 80 pages of 50, at about 4.7 KB each (19 MB)."""


class DecodedRows:
    """The decoded value of each row met, least recently used out."""

    def __init__(self, *, revisions: int = REVISIONS) -> None:
        self._revisions: LRUCache[tuple[UUID, int], FactRevision] = LRUCache(revisions)

    def kept(self, rows: Sequence[Row]) -> list[FactRevision | None]:
        """Each row's revision if it was decoded before (with the row's interval), else
        None: ``decoded`` needs its fact's sources."""
        found: list[FactRevision | None] = []
        for row in rows:
            key = (row["fact_id"], row["revision"])
            revision = self._revisions.get(key)
            if revision is not None:
                current = _with_interval(revision, row)
                if current is not revision:  # closed since: keep the closed one
                    self._revisions[key] = current
                revision = current
            found.append(revision)
        return found

    def decoded(self, row: Row, sources: Mapping[UUID, Sequence[Source]]) -> FactRevision:
        """``row`` decoded with its fact's ``sources``, and kept."""
        found = self._revisions[(row["fact_id"], row["revision"])] = revision_from_row(
            row, sources[row["fact_id"]]
        )
        return found


def _with_interval(revision: FactRevision, row: Row) -> FactRevision:
    known_until, recorded_until = row["known_until"], row["recorded_until"]
    if recorded_until is not None:
        recorded_until = utc(recorded_until)
    if known_until == revision.known_until and recorded_until == revision.recorded_until:
        return revision
    changed: dict[str, Any] = {"known_until": known_until, "recorded_until": recorded_until}
    return dataclasses.replace(revision, **changed)
