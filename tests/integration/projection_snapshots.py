"""The read models' content, as stored and as the pure fold says it should be.

``stored_rows`` reads every row of a projection's tables (and its checkpoint); ``folded_rows``
builds the rows the pure fold of the log up to a position gives, with the adapter's own row
mapping. Both come out in one canonical form, so they compare with ``==`` and hash to
the same ``content_hash``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from timeline.application.ports import EventStore
from timeline.application.read_models import MEASURES, TIMELINE
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import TimelineModel, fold
from timeline.store import codec
from timeline.store.factory import create_engine
from timeline.store.read_models.rows import (
    active_changes,
    content_rows,
    day_change_rows,
    label_rows,
    measure_row,
    named,
    reading_rows,
    revision_row,
    source_rows,
)
from timeline.store.read_models.tables import (
    PROJECTION_TABLES,
    fact_contents,
    fact_labels,
    fact_revisions,
    fact_sources,
    figure_readings,
    measures,
    projection_checkpoints,
)
from timeline.store.read_models.total_rows import revision_readings, total_rows
from timeline.store.read_models.writes import LIVE
from timeline.store.sql.rows import utc

Snapshot = dict[str, list[str]]
"""Canonical rows by table name, sorted; ``checkpoint`` holds the position."""


def canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc(value).isoformat()
    if isinstance(value, Decimal):
        # PostgreSQL's NUMERIC may give back 1E+3 as 1000: compare values, not spellings.
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


def _line(row: Mapping[Any, Any]) -> str:
    return json.dumps(canonical(dict(row)), sort_keys=True, ensure_ascii=False)


async def stored_rows(url: str, name: str) -> Snapshot:
    engine = create_engine(url)
    snapshot: Snapshot = {}
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One snapshot for every table and the checkpoint: under READ COMMITTED each
                # SELECT has its own, and a killed worker's last COMMIT can still land
                # between them (the server finishes it after the client is gone).
                await conn.execution_options(isolation_level="REPEATABLE READ")
            for table in PROJECTION_TABLES[name]:
                result = await conn.execute(sa.select(table))
                snapshot[table.name] = sorted(_line(row._mapping) for row in result)
            position = (
                await conn.execute(
                    sa.select(projection_checkpoints.c.position).where(
                        projection_checkpoints.c.name == name
                    )
                )
            ).scalar()
    finally:
        await engine.dispose()
    snapshot["checkpoint"] = [str(position or 0)]
    return snapshot


async def logged_events(store: EventStore, until: int | None = None) -> list[LoggedEvent]:
    """The log as the runner sees it, up to position ``until``."""
    events = []
    async for record in store.read_all():
        if until is not None and record.position > until:
            break
        reported = None if record.reported is None else record.reported.latest
        events.append(
            LoggedEvent(record.position, record.recorded_at, reported, codec.decode(record))
        )
    return events


def folded_rows(events: Iterable[LoggedEvent], name: str, position: int) -> Snapshot:
    model = fold(events)
    return _model_rows(model, name, position)


def _model_rows(model: TimelineModel, name: str, position: int) -> Snapshot:
    rows: dict[str, list[dict[str, Any]]] = {table.name: [] for table in PROJECTION_TABLES[name]}
    if name == TIMELINE:
        for stream in model.revisions.values():
            for revision in stream:
                rows["fact_revisions"] += named(fact_revisions, [revision_row(revision)])
                rows["fact_contents"] += named(fact_contents, content_rows(revision))
                rows["fact_labels"] += named(fact_labels, label_rows(revision))
                rows["fact_sources"] += named(fact_sources, source_rows(revision))
                rows["figure_readings"] += named(figure_readings, reading_rows(revision))
        every_revision = [revision for stream in model.revisions.values() for revision in stream]
        for table_name, table_rows in day_change_rows(active_changes(every_revision)).items():
            rows[table_name] = named(LIVE[table_name], table_rows)
        rows.update(total_rows(revision_readings(every_revision)))
    elif name == MEASURES:
        rows["measures"] = named(measures, [measure_row(e) for e in model.measures.values()])
    snapshot = {
        table: sorted(_line(row) for row in table_rows) for table, table_rows in rows.items()
    }
    snapshot["checkpoint"] = [str(position)]
    return snapshot


def content_hash(snapshot: Snapshot) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
