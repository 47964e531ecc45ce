"""The ``EventImporter`` port over SQL: events recorded elsewhere, written back verbatim.

An import is the log's second way in, beside ``append``, and it must keep every promise
appends keep (see ``timeline.store.sql.recorder``): gapless positions in commit order, a
hash chain that holds, ``recorded_at`` that never decreases. So it takes the very
transaction appends take, the backend's ``_write_transaction`` holding the global append
lock, reads the head under it and refuses any event that does not continue it. The whole
import is that one transaction: written completely, or not at all.

Appends answer a retry by its idempotency key, so the keys an imported log was written with
are rebuilt too: an append is the run of consecutive events of one stream that carry the
same key in their metadata (the recorder writes the key into every event of the append).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content
from timeline.application.errors import ImportRefused
from timeline.application.ports import EventImporter, EventStore
from timeline.application.records import NewEvent, RecordedEvent
from timeline.store.fingerprints import append_fingerprint
from timeline.store.sql.failures import translated
from timeline.store.sql.recorder import SqlEventStore
from timeline.store.sql.rows import event_row, utc
from timeline.store.sql.tables import events, idempotency_keys

_HEAD = sa.select(events.c.position, events.c.hash, events.c.recorded_at).order_by(
    events.c.position.desc()
)
_INSERT_EVENTS = events.insert()
_INSERT_KEYS = idempotency_keys.insert()


class SqlEventImporter:
    """Imports into the log of ``store``, under that store's own append lock."""

    def __init__(self, store: SqlEventStore) -> None:
        self._store = store

    async def import_events(self, batches: Iterable[Sequence[RecordedEvent]]) -> int:
        """See ``EventImporter.import_events``."""
        store = self._store
        # The store's own locked transaction (and its announcement to listeners): imports
        # and appends queue on one lock, however either is implemented.
        async with translated(), store._write_transaction() as conn:
            chain = await _Chain.at_head(conn)
            keys = _Keys()
            for batch in batches:
                if batch:
                    rows = [chain.row(event, keys) for event in batch]
                    await conn.execute(_INSERT_EVENTS, rows)
                    await keys.insert(conn)
            keys.flush()
            await keys.insert(conn)
            if chain.written:
                await store._announce(conn, chain.position)
            return chain.position


def open_event_importer(store: EventStore) -> EventImporter:
    """The importer into ``store``'s log (a store opened by ``timeline.store.factory``)."""
    if not isinstance(store, SqlEventStore):
        raise TypeError(f"cannot import into a {type(store).__name__}")
    return SqlEventImporter(store)


@dataclass(slots=True)
class _Chain:
    """The head as the import moves it: each event must continue it."""

    position: int
    hash: str
    recorded_at: dt.datetime | None
    written: int = 0

    @classmethod
    async def at_head(cls, conn: AsyncConnection) -> _Chain:
        row = (await conn.execute(_HEAD.limit(1))).first()
        if row is None:
            return cls(0, GENESIS_HASH, None)
        return cls(row.position, row.hash, utc(row.recorded_at))

    def row(self, event: RecordedEvent, keys: _Keys) -> dict[str, Any]:
        if event.position != self.position + 1:
            raise ImportRefused(event.position, f"the log's head is at {self.position}")
        recorded_at = utc(event.recorded_at)
        if self.recorded_at is not None and recorded_at < self.recorded_at:
            raise ImportRefused(event.position, "recorded_at is earlier than the head's")
        if event.hash != chain_hash(self.hash, recorded_content(event)):
            raise ImportRefused(event.position, "the hash does not chain to the head's")
        self.position, self.hash, self.recorded_at = event.position, event.hash, recorded_at
        self.written += 1
        new = NewEvent(
            event_id=event.event_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            payload=event.payload,
            occurred=event.occurred,
            reported=event.reported,
            metadata=event.metadata,
        )
        keys.add(event, new)
        return event_row(
            new,
            position=event.position,
            stream_id=event.stream_id,
            stream_version=event.stream_version,
            recorded_at=recorded_at,
            metadata=event.metadata,
            hash_=event.hash,
        )


@dataclass(slots=True)
class _Keys:
    """The idempotency keys of the imported appends, one row per run of keyed events."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    _run: list[tuple[RecordedEvent, NewEvent]] = field(default_factory=list)

    def add(self, event: RecordedEvent, new: NewEvent) -> None:
        if self._run:
            last = self._run[-1][0]
            if (
                event.metadata.idempotency_key != last.metadata.idempotency_key
                or event.stream_id != last.stream_id
            ):
                self.flush()
        if event.metadata.idempotency_key is not None:
            self._run.append((event, new))

    async def insert(self, conn: AsyncConnection) -> None:
        """Write the rows of the runs that have ended."""
        if self.rows:
            await conn.execute(_INSERT_KEYS, self.rows)
            self.rows = []

    def flush(self) -> None:
        """End the current run."""
        if not self._run:
            return
        first, last = self._run[0][0], self._run[-1][0]
        self.rows.append(
            {
                "key": first.metadata.idempotency_key,
                "stream_id": first.stream_id,
                "first_position": first.position,
                "last_position": last.position,
                "stream_version": last.stream_version,
                "fingerprint": append_fingerprint(first.stream_id, [n for _, n in self._run]),
                "recorded_at": utc(first.recorded_at),
            }
        )
        self._run = []
