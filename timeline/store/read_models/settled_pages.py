"""Timeline pages kept by read-model position, for reads that pin no earlier recorded time.

A page of the timeline read model follows from the model's rows and the reader's question
(its ``AsOf``, filter, size, cursor, and whether it counts). The rows follow from the
timeline projection's checkpoint position: rows and checkpoint are written in one
transaction, and a rebuild folds the same events into the same rows. The recorded time the
reader pins only matters up to the latest ``recorded_from`` among the rows: a revision is
current at a recordedBefore R when ``recorded_from < R <= recorded_until``, and every
``recorded_until`` is a later revision's ``recorded_from``. So a read pinned after the
latest ``recorded_from`` (every read of "now", which ``TimelineQueries`` pins to the clock,
as known now or at any knownAt) gets the page an unpinned read would get at that position,
and such pages are kept, keyed by position and question; a write moves the position and
leaves them behind. A read pinned earlier is answered from the tables every time.

Finding a kept page needs no snapshot: a position names its rows, so the position read alone,
outside any transaction, says which pages are current (``kept``); both backends read it in
one statement on a kept connection (``held_connection``), so a kept page costs one round
trip to the database. A page that is not kept is one more statement, which also reads the
position and the latest ``recorded_from`` it is kept under (``queries.page_read``).

At a million events a page with its totalCount is some 150 ms of SQL; kept, it is the
checkpoint read and a lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

from cachetools import LRUCache

from timeline.application.read_models import FactFilter, FactPage, PageKey
from timeline.domain.projections.visibility import AsOf
from timeline.store.sql.rows import utc

PAGES = 1_024
"""Pages kept. Their revisions are shared with ``DecodedRows``, so a page is a few hundred
bytes of its own."""

Question = tuple[FactFilter, int, PageKey | None, bool]
"""What a page asks besides its AsOf: the filter, its size, the cursor, whether it counts."""


class SettledPages:
    """Pages of the positions read, least recently used out."""

    def __init__(self, size: int = PAGES) -> None:
        self._pages: LRUCache[Hashable, FactPage] = LRUCache(size)
        self._latest: tuple[int, dt.datetime | None] | None = None
        """The last position asked about and its latest recorded_from."""

    def key(
        self, position: int, latest: dt.datetime | None, as_of: AsOf, question: Question
    ) -> Hashable | None:
        """What the page ``question`` asks at ``as_of`` is kept under, for a page read at
        ``position`` where the latest ``recorded_from`` was ``latest`` (both read in the
        page's own statement); None if ``as_of`` pins a time some row is not before."""
        if self._latest is None or self._latest[0] < position:
            self._latest = (position, latest)
        return _key(position, latest, as_of, question)

    def kept(self, position: int, as_of: AsOf, question: Question) -> FactPage | None:
        """The page kept for ``question`` at ``as_of`` if ``position`` is the timeline's
        position now (read by itself, no snapshot needed), as far as known without reading
        anything more."""
        if self._latest is None or self._latest[0] != position:
            return None
        key = _key(position, self._latest[1], as_of, question)
        return None if key is None else self._pages.get(key)

    def keep(self, key: Hashable, page: FactPage) -> None:
        self._pages[key] = page


def _key(
    position: int, latest: dt.datetime | None, as_of: AsOf, question: Question
) -> Hashable | None:
    pinned = as_of.recorded_before
    if pinned is not None and latest is not None and utc(pinned) <= latest:
        return None
    return (position, as_of.known_at, *question)
