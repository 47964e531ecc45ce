"""One projection batch: the rows it reads and writes inside its transaction.

A batch costs a fixed number of statements whatever its size: one SELECT for the open
revisions of the facts it touches, one bulk insert per table for new rows, one executemany
per table for closed intervals, one upsert of the days whose active count changes (a
rebuild sums them in memory and inserts them once), and the checkpoint. New rows, a
rebuild's and the projector's alike, go through the backend's ``BulkInsert`` (SQLite: one
executemany on the raw connection; PostgreSQL: COPY) as tuples in column order, every value
bound by the column's own SQLAlchemy type or by a faster equivalent that a test holds to
it, so the stored bytes are the ones an ``insert()`` would have written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.application.ports import Clock
from timeline.application.read_models import ProjectionChanges
from timeline.domain.facts import FactStatus
from timeline.domain.projections.revisions import FactRevision
from timeline.store.read_models import queries
from timeline.store.read_models.rows import (
    DayChanges,
    RowValues,
    active_changes,
    content_rows,
    day_change_rows,
    interval,
    label_rows,
    mapping,
    measure_row,
    reading_rows,
    revision_from_row,
    revision_row,
    source_rows,
)
from timeline.store.read_models.tables import (
    JSONText,
    active_fact_changes,
    fact_contents,
    fact_labels,
    fact_revisions,
    fact_sources,
    figure_readings,
    label_fact_changes,
    measures,
    projection_checkpoints,
    total_amounts,
    total_periods,
    total_readings,
    total_standing,
)
from timeline.store.read_models.total_writes import settle_totals, write_totals
from timeline.store.sql.rows import utc

TableSet = Mapping[str, sa.Table]
"""A projection's tables by their live names: the live tables, or their shadows."""


class BulkInsert(Protocol):
    """Writes ``rows`` (tuples in the order of ``columns``, values already bound) into
    ``table`` inside ``conn``'s transaction."""

    async def __call__(
        self, conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: list[Any]
    ) -> None: ...


Processor = Callable[[Any], Any]
_binders: dict[tuple[str, str], list[tuple[int, Processor]]] = {}


def bound_rows(table: sa.Table, dialect: sa.Dialect, rows: list[RowValues]) -> list[RowValues]:
    """``rows`` (values in column order) as the values the driver gets, bound column by
    column: a row at a time cost a generator and a lookup per value, a third of the
    rebuild's Python."""
    key = (table.name, dialect.name)
    binders = _binders.get(key)
    if binders is None:
        binders = [
            (index, bind)
            for index, column in enumerate(table.columns)
            if (bind := processor(column, dialect)) is not None
        ]
        _binders[key] = binders
    if not binders or not rows:
        return rows
    columns = list(zip(*rows, strict=True))
    for index, bind in binders:
        columns[index] = tuple(map(bind, columns[index]))
    return list(zip(*columns, strict=True))


LIVE: TableSet = {
    table.name: table
    for table in (
        fact_revisions,
        fact_contents,
        fact_labels,
        fact_sources,
        figure_readings,
        active_fact_changes,
        label_fact_changes,
        total_readings,
        total_periods,
        total_amounts,
        total_standing,
        measures,
    )
}


def processor(column: sa.Column[Any], dialect: sa.Dialect) -> Processor | None:
    """How a value of ``column`` is bound for ``dialect``: the type's own bind processor, or
    for JSON and SQLite's dates the same text made faster (``tests/unit/test_row_binding``
    holds each equal to the type's own)."""
    impl = column.type.dialect_impl(dialect)
    standard = impl.bind_processor(dialect)
    if standard is None:
        return None
    if isinstance(impl, sa.JSON | JSONText):
        return _json_text(standard)
    if dialect.name == "sqlite" and isinstance(impl, sa.DateTime):
        return _sqlite_datetime(standard)
    if dialect.name == "sqlite" and isinstance(impl, sa.Date):
        return _sqlite_date(standard)
    return standard


def _json_text(standard: Processor) -> Processor:
    def bind(value: Any) -> Any:
        # orjson writes the compact text json.dumps does, three times faster; whatever it
        # refuses (integers past 64 bits, mappings that are not dicts) takes the column's own
        # serializer, as does None (JSON null).
        if value is None:
            return standard(value)
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            return standard(value)

    return bind


def _sqlite_datetime(standard: Processor) -> Processor:
    # SQLAlchemy's format is the ISO form with a space and six digits of microseconds, zone
    # dropped: isoformat's first 26 characters for any year from 1000 (earlier years and
    # anything but a datetime take the type's own way).
    def bind(value: Any) -> Any:
        if type(value) is dt.datetime and value.year >= 1000:
            return value.isoformat(" ", "microseconds")[:26]
        return standard(value)

    return bind


def _sqlite_date(standard: Processor) -> Processor:
    def bind(value: Any) -> Any:
        if type(value) is dt.date and value.year >= 1000:
            return value.isoformat()
        return standard(value)

    return bind


class SqlBatch:
    """The ``ProjectionBatch`` port on one open transaction.

    ``save`` notes the position it reached (``saved``); whoever opened the transaction
    writes the checkpoints of all its batches at once before it commits (a shadow batch's
    never: a rebuild's position only becomes a checkpoint when it is swapped in).
    """

    def __init__(
        self,
        conn: AsyncConnection,
        tables: TableSet,
        position: int,
        *,
        clock: Clock,
        bulk: BulkInsert,
        active_days: DayChanges | None = None,
    ) -> None:
        self._conn = conn
        self._tables = tables
        self._position = position
        self._clock = clock
        self._bulk = bulk
        self._active_days = active_days
        self.saved: int | None = None

    @property
    def position(self) -> int:
        return self._position if self.saved is None else self.saved

    async def open_revisions(self, fact_ids: Collection[UUID]) -> dict[UUID, FactRevision]:
        tables = self._tables
        table = tables[fact_revisions.name]
        read = queries.revisions(table, tables[fact_contents.name])
        ordered = sorted(fact_ids)
        revisions: dict[UUID, FactRevision] = {}
        # One statement for any batch up to MAX_IDS facts.
        for start in range(0, len(ordered), queries.MAX_IDS):
            chunk = ordered[start : start + queries.MAX_IDS]
            result = await self._conn.execute(
                read.where(table.c.fact_id.in_(chunk), table.c.known_until.is_(None))
            )
            rows = [mapping(row) for row in result]
            sources = await queries.sources_of(self._conn, tables[fact_sources.name], rows)
            for row in rows:
                revision = revision_from_row(row, sources[row["fact_id"]])
                revisions[revision.fact_id] = revision
        return revisions

    async def save(self, changes: ProjectionChanges, position: int) -> None:
        if position < self.position:
            raise ValueError(f"checkpoint {position} would go back from {self.position}")
        opened = changes.opened
        await self._insert(fact_revisions.name, [revision_row(r) for r in opened])
        await self._insert(fact_contents.name, [row for r in opened for row in content_rows(r)])
        await self._insert(fact_labels.name, [row for r in opened for row in label_rows(r)])
        await self._insert(fact_sources.name, [row for r in opened for row in source_rows(r)])
        await self._insert(
            figure_readings.name, [row for r in changes.opened for row in reading_rows(r)]
        )
        await self._insert(measures.name, [measure_row(m) for m in changes.measures])
        if changes.closed:
            closing = [_closing(revision) for revision in changes.closed]
            await self._conn.execute(_close(self._tables[fact_revisions.name]), closing)
            await self._conn.execute(_close(self._tables[figure_readings.name]), closing)
        await self._add_active_changes(changes)
        await write_totals(
            self._conn, self._tables, self._insert, changes, settle=self._active_days is None
        )
        self.saved = position

    async def _add_active_changes(self, changes: ProjectionChanges) -> None:
        if self._active_days is not None:
            # A rebuild's shadow: summed in memory (a few thousand days) and written once
            # before the swap (``settle``), not upserted batch after batch; the labels' are
            # summed there from the shadows' own rows.
            self._active_days.update(active_changes(changes.opened, changes.closed, labels=False))
            return
        by_day = active_changes(changes.opened, changes.closed)
        # An upsert: a day's row is added to by every batch that opens or closes an active
        # revision on it.
        for name, rows in day_change_rows(by_day).items():
            if not rows:
                continue
            table = self._tables[name]
            keys = list(table.primary_key.columns)
            dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
            insert = dialect.insert(table)
            upsert = insert.on_conflict_do_update(
                index_elements=keys,
                set_={"change": table.c.change + insert.excluded.change},
            )
            names = [column.name for column in table.columns]
            await self._conn.execute(upsert, [dict(zip(names, row, strict=True)) for row in rows])

    async def settle(self, days: DayChanges) -> None:
        """What a rebuild's batches leave to the end: ``days`` (every day they changed,
        those that sum to zero too) into an empty ``active_fact_changes`` and
        ``label_fact_changes``, and the running totals' period states from every reading
        (``settle_totals``)."""
        await self._insert(
            active_fact_changes.name, day_change_rows(days)[active_fact_changes.name]
        )
        if label_fact_changes.name in self._tables:
            await self._conn.execute(label_changes_fill(self._tables))
        if total_readings.name in self._tables:
            await settle_totals(self._conn, self._tables, self._insert)

    async def _insert(self, name: str, rows: list[RowValues]) -> None:
        if not rows:
            return
        table = self._tables[name]
        columns = [column.name for column in table.columns]
        await self._bulk(self._conn, table, columns, bound_rows(table, self._conn.dialect, rows))


async def read_checkpoints(conn: AsyncConnection, names: Collection[str]) -> dict[str, int]:
    """Each of ``names``' checkpoint (0 for one never written), in one statement."""
    table = projection_checkpoints
    result = await conn.execute(
        sa.select(table.c.name, table.c.position).where(table.c.name.in_(sorted(names)))
    )
    found = {name: int(position) for name, position in result}
    return {name: found.get(name, 0) for name in names}


async def write_checkpoints(
    conn: AsyncConnection, positions: Mapping[str, int], clock: Clock
) -> None:
    """Move each checkpoint of ``positions`` there, in one statement (an upsert: the row
    of a projection that never ran is not there yet)."""
    if not positions:
        return
    table = projection_checkpoints
    now = utc(clock.now())
    rows = [
        {"name": name, "position": position, "updated_at": now}
        for name, position in sorted(positions.items())
    ]
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    await conn.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=[table.c.name],
            set_={"position": insert.excluded.position, "updated_at": insert.excluded.updated_at},
        )
    )


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
    _, known_until, _, recorded_until = interval(revision)
    return {
        "b_fact_id": revision.fact_id,
        "b_revision": revision.revision,
        "b_known_until": known_until,
        "b_recorded_until": recorded_until,
    }


def label_changes_fill(tables: TableSet) -> sa.Insert:
    """``label_fact_changes`` of ``tables`` filled from their revisions and labels, as the
    batches' ``active_changes`` would have upserted it: a rebuild sums them once, in the
    database, instead of holding every (label, day) of the log in memory (some 25 MB at
    100,000 events). Held equal to the batches' rows by the rebuild's tests."""
    revision = tables[fact_revisions.name].c
    label = tables[fact_labels.name].c
    target = tables[label_fact_changes.name]
    active = revision.status == str(FactStatus.ACTIVE)
    starts = sa.select(
        revision.fact_id,
        revision.content_revision,
        revision.known_from.label("known_on"),
        sa.literal(1).label("change"),
    ).where(active)
    ends = sa.select(
        revision.fact_id,
        revision.content_revision,
        revision.known_until.label("known_on"),
        sa.literal(-1).label("change"),
    ).where(active, revision.known_until.is_not(None))
    days = sa.union_all(starts, ends).subquery("days")
    summed = (
        sa.select(label.facet, label.label, days.c.known_on, sa.func.sum(days.c.change))
        .select_from(
            days.join(
                tables[fact_labels.name],
                sa.and_(label.fact_id == days.c.fact_id, label.revision == days.c.content_revision),
            )
        )
        .group_by(label.facet, label.label, days.c.known_on)
    )
    return sa.insert(target).from_select(["facet", "label", "known_on", "change"], summed)
