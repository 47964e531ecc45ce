"""The peer: the ``eventsourcing`` library's own recorders, fed the same corpus.

Each of our events becomes one of the peer's domain events carrying the same content (the
codec's payload, the times and the metadata), stored by the peer's ``Mapper`` with its JSON
transcoder and its ``SQLiteApplicationRecorder`` or ``PostgresApplicationRecorder``, as
shipped (defaults: WAL journal on SQLite; a pipelined transaction under ``LOCK TABLE ... IN
EXCLUSIVE MODE`` on PostgreSQL). The peer's stream is its originator id: the fact's UUID, or
a UUID derived from the stream name. Decoding is the peer's: state bytes to its event object.
The peer is synchronous, so its calls block the event loop, which is what a caller gets.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEvent as PeerDomainEvent
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from timeline.application.chain import occurred_json, reported_json
from timeline.domain.events import DomainEvent
from timeline.store import codec

_STREAMS = uuid.UUID("6c1d9a5e-4f8b-4c1e-9d0a-7b2f3e4a5c6d")


@dataclass(frozen=True)
class LoggedEvent(PeerDomainEvent):
    """The peer's event: our record's content as the peer's frozen dataclass."""

    event_type: str
    schema_version: int
    payload: dict[str, Any]
    occurred: dict[str, Any] | None
    reported: dict[str, Any] | None
    metadata: dict[str, Any]


def originator_id(stream_id: str) -> UUID:
    """The peer's id for one of our streams."""
    prefix, _, rest = stream_id.partition("-")
    if prefix == "fact":
        return UUID(rest)
    return uuid.uuid5(_STREAMS, stream_id)


def logged_event(stream_id: str, version: int, event: DomainEvent) -> LoggedEvent:
    """The peer's event for our domain ``event``, the ``version``-th of its stream (from 1).

    Its payload is the codec's, as plain values built from the payload's Struct in compiled
    code: what the peer needs, without parsing the record's canonical text back (our
    codec writes that text for our store, and the peer pays for the codec all the same)."""
    record = codec.encode(event)
    return LoggedEvent(
        originator_id=originator_id(stream_id),
        originator_version=version,
        timestamp=dt.datetime.now(dt.UTC),
        event_type=record.event_type,
        schema_version=record.schema_version,
        payload=msgspec.to_builtins(codec.payload_of(event)),
        occurred=occurred_json(record.occurred),
        reported=reported_json(record.reported),
        metadata=record.metadata.to_json(),
    )


def peer_mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder)


@dataclass
class PeerStore:
    """One of the peer's recorders with its mapper."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]
    datastore: SQLiteDatastore | PostgresDatastore

    def append(self, events: Sequence[LoggedEvent]) -> None:
        """Store ``events`` in one transaction, encoding them as the peer does."""
        to_stored = self.mapper.to_stored_event
        stored: list[StoredEvent] = [to_stored(event) for event in events]
        self.recorder.insert_events(stored)

    def read_all(self, batch_size: int = 1000) -> Iterator[PeerDomainEvent]:
        """Every event in notification order, decoded, fetched ``batch_size`` at a time."""
        start = 1
        to_domain = self.mapper.to_domain_event
        while True:
            batch = self.recorder.select_notifications(start=start, limit=batch_size)
            for notification in batch:
                yield to_domain(notification)  # type: ignore[misc]
            if len(batch) < batch_size:
                return
            start = batch[-1].id + 1

    def durability(self) -> dict[str, str]:
        """The settings that decide what a commit survives, as the peer's connection has them."""
        if isinstance(self.datastore, SQLiteDatastore):
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute("PRAGMA journal_mode")
                journal = str(cursor.fetchone()[0])
                cursor.execute("PRAGMA synchronous")
                synchronous = _SQLITE_SYNCHRONOUS[int(cursor.fetchone()[0])]
            return {"journal_mode": journal, "synchronous": synchronous}
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SHOW synchronous_commit")
            row = cursor.fetchone()
        assert row is not None
        return {"synchronous_commit": str(next(iter(row.values())))}

    def close(self) -> None:
        self.datastore.close()


_SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def open_sqlite_peer(path: str) -> PeerStore:
    datastore = SQLiteDatastore(path)
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    return PeerStore(recorder=recorder, mapper=peer_mapper(), datastore=datastore)


def open_postgres_peer(dbname: str, host: str, port: int, user: str, password: str) -> PeerStore:
    datastore = PostgresDatastore(dbname, host, port, user, password)
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    return PeerStore(recorder=recorder, mapper=peer_mapper(), datastore=datastore)
