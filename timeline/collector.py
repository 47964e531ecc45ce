"""The cyclic garbage collector as a long-running process that reads big models wants it.

CPython starts a young-generation collection every 700 net allocations of container objects
and a full one whenever the survivors have grown by a quarter. A running total at a million
events reads some 10,000 readings and builds up to 100,000 conflict pairs, all of them
containers: at the default threshold that is hundreds of collections per query, and the full
ones walk every row the store keeps decoded (``DecodedRows``) and everything the process
imported. Measured on the bench's million-event log (SQLite, 24 totals), selecting the
readings that count took 140 to 1,040 ms a query with the defaults and 110 to 360 ms with a
young threshold of 50,000; with collection off altogether, 110 to 185 ms.

The same holds for the long jobs (a rebuild, an import, reading the whole log): reading
200,000 events of that log, decoded, went from 15,000-25,000 to 32,000 a second. So every
process of ours (the ``timeline`` command, each server worker, the benchmarks, where the
peer shares the setting) freezes what it built at start-up (modules, the schema: alive until
exit, never worth walking again) and collects the young generation every 50,000
allocations. Reference counting still frees everything that is not in a cycle at once; only
cycles wait longer, and 50,000 small objects is a few megabytes.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Net container allocations between young-generation collections (CPython's default: 700)."""


def tune_collector() -> None:
    """Set the collector for one of our processes, after start-up (again: harmless)."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
