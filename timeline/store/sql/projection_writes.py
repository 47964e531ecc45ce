"""One projection batch: the rows it reads and writes inside its transaction.

A batch costs a fixed number of statements whatever its size: one SELECT for the open
revisions of the facts it touches, one executemany per table for new rows, one per table
for closed intervals, one upsert of the days whose active count changes, and the
checkpoint. A rebuild's batches hand their new rows to the backend's ``BulkInsert`` instead
(SQLite: one executemany on the raw connection; PostgreSQL: COPY), with every value bound by
the column's own SQLAlchemy type, so the stored bytes are the ones an ``insert()`` would
have written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.application.ports import Clock
from timeline.application.read_models import ProjectionChanges
from timeline.domain.projections.revisions import FactRevision
from timeline.store.sql.projection_rows import (
    active_changes,
    interval,
    label_rows,
    mapping,
    measure_row,
    reading_rows,
    revision_from_row,
    revision_row,
)
from timeline.store.sql.projection_tables import (
    active_fact_changes,
    fact_labels,
    fact_revisions,
    figure_readings,
    measures,
    projection_checkpoints,
    total_amounts,
    total_periods,
    total_readings,
)
from timeline.store.sql.rows import utc
from timeline.store.sql.total_writes import write_totals

TableSet = Mapping[str, sa.Table]
"""A projection's tables by their live names: the live tables, or their shadows."""

_MAX_IDS = 10_000


class BulkInsert(Protocol):
    """Writes ``rows`` (tuples in the order of ``columns``, values already bound) into
    ``table`` inside ``conn``'s transaction."""

    async def __call__(
        self, conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: list[Any]
    ) -> None: ...


Processor = Callable[[Any], Any] | None
_processors: dict[tuple[str, str], list[Processor]] = {}


def bound_rows(
    table: sa.Table, dialect: sa.Dialect, rows: list[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``rows`` as tuples of the values the driver gets, bound by each column's type."""
    names = [column.name for column in table.columns]
    key = (table.name, dialect.name)
    processors = _processors.get(key)
    if processors is None:
        processors = [_processor(column, dialect) for column in table.columns]
        _processors[key] = processors
    pairs = list(zip(names, processors, strict=True))
    return names, [
        tuple(row[name] if bind is None else bind(row[name]) for name, bind in pairs)
        for row in rows
    ]


LIVE: TableSet = {
    table.name: table
    for table in (
        fact_revisions,
        fact_labels,
        figure_readings,
        active_fact_changes,
        total_readings,
        total_periods,
        total_amounts,
        measures,
    )
}


def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Processor:
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    if bind is None or not isinstance(column.type.dialect_impl(dialect), sa.JSON):
        return bind
    standard = bind

    def json_text(value: Any) -> Any:
        # orjson writes the compact text json.dumps does, three times faster; whatever it
        # refuses (integers past 64 bits, mappings that are not dicts) takes the column's own
        # serializer, as does None (JSON null).
        if value is None:
            return standard(value)
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            return standard(value)

    return json_text


class SqlBatch:
    """The ``ProjectionBatch`` port on one open transaction.

    ``checkpoint`` names the checkpoint row that ``save`` moves; a shadow batch has none,
    because a rebuild's position only becomes a checkpoint when it is swapped in.
    """

    def __init__(
        self,
        conn: AsyncConnection,
        tables: TableSet,
        position: int,
        *,
        checkpoint: str | None,
        clock: Clock,
        bulk: BulkInsert | None = None,
    ) -> None:
        self._conn = conn
        self._tables = tables
        self._position = position
        self._checkpoint = checkpoint
        self._clock = clock
        self._bulk = bulk
        self.saved: int | None = None

    @property
    def position(self) -> int:
        return self._position if self.saved is None else self.saved

    async def open_revisions(self, fact_ids: Collection[UUID]) -> dict[UUID, FactRevision]:
        table = self._tables[fact_revisions.name]
        ordered = sorted(fact_ids)
        revisions: dict[UUID, FactRevision] = {}
        # One statement for any batch up to _MAX_IDS facts; beyond, stay under the drivers'
        # bound-parameter limits (32,766 on SQLite, 32,767 on asyncpg).
        for start in range(0, len(ordered), _MAX_IDS):
            chunk = ordered[start : start + _MAX_IDS]
            result = await self._conn.execute(
                sa.select(table).where(table.c.fact_id.in_(chunk), table.c.known_until.is_(None))
            )
            for row in result:
                revision = revision_from_row(mapping(row))
                revisions[revision.fact_id] = revision
        return revisions

    async def save(self, changes: ProjectionChanges, position: int) -> None:
        if position < self.position:
            raise ValueError(f"checkpoint {position} would go back from {self.position}")
        await self._insert(fact_revisions.name, [revision_row(r) for r in changes.opened])
        await self._insert(fact_labels.name, [row for r in changes.opened for row in label_rows(r)])
        await self._insert(
            figure_readings.name, [row for r in changes.opened for row in reading_rows(r)]
        )
        await self._insert(measures.name, [measure_row(m) for m in changes.measures])
        if changes.closed:
            closing = [_closing(revision) for revision in changes.closed]
            await self._conn.execute(_close(self._tables[fact_revisions.name]), closing)
            await self._conn.execute(_close(self._tables[figure_readings.name]), closing)
        await self._add_active_changes(changes)
        await write_totals(self._conn, self._tables, changes)
        if self._checkpoint is not None:
            await write_checkpoint(self._conn, self._checkpoint, position, self._clock)
        self.saved = position

    async def _add_active_changes(self, changes: ProjectionChanges) -> None:
        by_day = active_changes(changes.opened, changes.closed)
        if not by_day:
            return
        # An upsert, in a rebuild's batches too: a day's row is added to by every batch
        # that opens or closes an active revision on it.
        table = self._tables[active_fact_changes.name]
        insert = (postgresql if self._conn.dialect.name == "postgresql" else sqlite).insert(table)
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.known_on],
            set_={"change": table.c.change + insert.excluded.change},
        )
        rows = [{"known_on": day, "change": change} for day, change in sorted(by_day.items())]
        await self._conn.execute(upsert, rows)

    async def _insert(self, name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = self._tables[name]
        if self._bulk is None:
            await self._conn.execute(table.insert(), rows)
            return
        columns, bound = bound_rows(table, self._conn.dialect, rows)
        await self._bulk(self._conn, table, columns, bound)


async def read_checkpoint(conn: AsyncConnection, name: str) -> int:
    result = await conn.execute(
        sa.select(projection_checkpoints.c.position).where(projection_checkpoints.c.name == name)
    )
    return int(result.scalar_one_or_none() or 0)


async def write_checkpoint(conn: AsyncConnection, name: str, position: int, clock: Clock) -> None:
    # Under the projection's lock nobody else writes this row, so update-else-insert is safe
    # and portable (no dialect-specific upsert).
    table = projection_checkpoints
    values = {"position": position, "updated_at": utc(clock.now())}
    updated = await conn.execute(sa.update(table).where(table.c.name == name).values(**values))
    if updated.rowcount == 0:
        await conn.execute(sa.insert(table).values(name=name, **values))


def _close(table: sa.Table) -> sa.Update:
    return (
        sa.update(table)
        .where(
            table.c.fact_id == sa.bindparam("b_fact_id"),
            table.c.revision == sa.bindparam("b_revision"),
        )
        .values(
            known_until=sa.bindparam("b_known_until"),
            recorded_until=sa.bindparam("b_recorded_until"),
        )
    )


def _closing(revision: FactRevision) -> dict[str, Any]:
    until = interval(revision)
    return {
        "b_fact_id": revision.fact_id,
        "b_revision": revision.revision,
        "b_known_until": until["known_until"],
        "b_recorded_until": until["recorded_until"],
    }
