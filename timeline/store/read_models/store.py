"""The ``ProjectionStore`` port over SQL, shared by the SQLite and PostgreSQL backends.

Writes: a batch is one transaction that first takes its projections' locks (PostgreSQL: a
transaction advisory lock per projection, all in one statement; SQLite: the database's
single write lock, held from ``BEGIN IMMEDIATE``), then reads their checkpoints, then writes
rows and checkpoints together. The locks end with the transaction, so a process killed
mid-batch leaves the rows and checkpoints of the last committed batch, and the next batch
(in any process) resumes from there. A rebuild fills shadow tables and swaps them in
(``read_models.shadows``).

Reads: every read is one statement, which sees one snapshot by itself, so a page's rows,
its total and the checkpoint it reports agree with each other (``queries.page_read``); on
PostgreSQL it runs outside any transaction, one round trip. See the backends for why a
rebuild's swap cannot come between the parts of one statement.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.ports import Clock, ProjectionBatch
from timeline.application.read_models import (
    MAX_PAGE_SIZE,
    PROJECTIONS,
    Checkpoint,
    FactFilter,
    FactPage,
    MeasureStates,
    PageKey,
    check_projection,
)
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure
from timeline.domain.projections.visibility import AsOf
from timeline.store.read_models import queries as queries
from timeline.store.read_models.decoded_rows import DecodedRows
from timeline.store.read_models.rows import (
    DayChanges,
    Row,
    mapping,
    measure_from_row,
    reading_from_row,
)
from timeline.store.read_models.settled_pages import SettledPages
from timeline.store.read_models.shadows import create_shadows, drop_shadows, shadow_of
from timeline.store.read_models.statements import CompiledRead, compiled_read
from timeline.store.read_models.tables import (
    PROJECTION_TABLES,
    fact_sources,
    projection_checkpoints,
    total_readings,
)
from timeline.store.read_models.total_rows import (
    STATE_AT,
    STATE_COLUMNS,
    UNITS_AT,
    decoded_states,
)
from timeline.store.read_models.writes import (
    LIVE,
    SqlBatch,
    read_checkpoints,
    write_checkpoints,
)
from timeline.store.sql.failures import translated
from timeline.store.sql.rows import utc

logger = logging.getLogger("timeline.projections")


class SqlProjectionStore(abc.ABC):
    """The read models on an async SQLAlchemy engine; subclassed per backend. The engine is
    shared with the process's other stores, and disposed here only if ``owns_engine``."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, owns_engine: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self._owns_engine = owns_engine
        self._decoded = DecodedRows()
        self._states = decoded_states()
        self._settled = SettledPages()

    # -- what a backend provides ------------------------------------------------------

    @abc.abstractmethod
    def _write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction that may write the read models."""

    @abc.abstractmethod
    async def _lock(self, conn: AsyncConnection, names: Sequence[str], *, wait: bool) -> list[str]:
        """Take the locks of projections ``names`` (sorted) until ``conn``'s transaction
        ends, in one statement; those taken (all when ``wait``: with ``wait`` False, those
        another process holds are left out)."""

    async def _begin_read(self, conn: AsyncConnection) -> AsyncConnection:
        """Prepare ``conn`` for a read of one statement."""
        return conn

    async def _position_now(self) -> int | None:
        """The timeline projection's position, in one statement outside any transaction,
        where the backend has a cheaper way to it than a read's snapshot; else None."""
        return None

    @abc.abstractmethod
    def _rebuild_guard(self, name: str) -> AbstractAsyncContextManager[None]:
        """Held for a whole rebuild; raises ``ProjectionBusy`` if another one runs."""

    @abc.abstractmethod
    async def _driver_rows(
        self, conn: AsyncConnection, read: CompiledRead, values: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """``read``'s rows for ``values`` as the driver gives them, on the driver's own
        connection under ``conn``: one statement, which sees one snapshot by itself."""

    async def _prepare_swap(self, tables: Sequence[sa.Table]) -> None:
        """Work on the filled shadows that can happen before the swap's transaction."""
        return None

    @abc.abstractmethod
    async def _swap(self, conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
        """Replace ``tables`` with their shadows inside ``conn``'s transaction."""

    @staticmethod
    @abc.abstractmethod
    async def _bulk_insert(
        conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: list[Any]
    ) -> None:
        """How every batch writes its new rows (a ``BulkInsert``)."""

    # -- reads ------------------------------------------------------------------------

    async def fact_page(
        self,
        as_of: AsOf,
        criteria: FactFilter,
        *,
        first: int,
        after: PageKey | None = None,
        count: bool = True,
    ) -> FactPage:
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise ValueError(f"first must be between 0 and {MAX_PAGE_SIZE}, not {first}")
        question = (criteria, first, after, count)
        now = await self._position_now()
        kept = None if now is None else self._settled.kept(now, as_of, question)
        if kept is not None:
            return kept
        shape = queries.PageShape.of(as_of, criteria, after, count=count)
        values = queries.page_values(as_of, criteria, first, after)
        async with self._reading() as conn:
            read = _page_read(conn.dialect, shape)
            rows = read.mapped(await self._driver_rows(conn, read, values))
            head = rows[0]  # the anchor's row is there even when the page is empty
            found = rows if head["fact_id"] is not None else []
            revisions = await self._decode(conn, found[:first])
        position = int(head["page_position"] or 0)
        latest = None if head["page_latest"] is None else utc(head["page_latest"])
        page = FactPage(
            revisions=tuple(revisions),
            total=int(head["page_total"]) if count else None,
            has_more=len(found) > first,
            position=position,
        )
        key = self._settled.key(position, latest, as_of, question)
        if key is not None:
            self._settled.keep(key, page)
        return page

    async def facts_by_id(
        self, fact_ids: Collection[UUID], as_of: AsOf
    ) -> dict[UUID, FactRevision]:
        if not fact_ids:
            return {}
        revisions = await self._revisions(queries.by_ids(fact_ids, as_of))
        return {revision.fact_id: revision for revision in revisions}

    async def fact_histories(self, fact_ids: Collection[UUID]) -> dict[UUID, list[FactRevision]]:
        histories: dict[UUID, list[FactRevision]] = {fact_id: [] for fact_id in fact_ids}
        if histories:
            for revision in await self._revisions(queries.histories(histories)):
                histories[revision.fact_id].append(revision)
        return histories

    async def revisions_matching(
        self, revisions: Collection[tuple[UUID, int]], criteria: FactFilter
    ) -> set[tuple[UUID, int]]:
        if not revisions:
            return set()
        async with self._reading() as conn:
            result = await conn.execute(queries.revisions_matching(revisions, criteria))
            return {(fact_id, revision) for fact_id, revision in result}

    async def readings_at(self, measure: str, as_of: AsOf) -> list[Reading]:
        async with self._reading() as conn:
            result = await conn.execute(queries.readings(measure, as_of))
            return [reading_from_row(mapping(row)) for row in result]

    async def measure_states(
        self, measure: str, as_of: AsOf, *, every_reading: bool = True
    ) -> MeasureStates | None:
        async with self._reading() as conn:
            read = _measure_states(
                conn.dialect,
                known=as_of.known_at is not None,
                pinned=as_of.recorded_before is not None,
            )
            values = {
                "measure": measure,
                "every_reading": every_reading,
                **queries.as_of_values(as_of),
            }
            # The driver's rows as they come: the statement is compiled once, each value
            # bound as its column binds it, and no SQLAlchemy type processes a value read
            # (``total_rows.state_of`` takes either backend's).
            rows = await self._driver_rows(conn, read, values)
        if not rows:
            return None  # not registered (as of its recorded time)
        *_, pinned, label, unit = rows[0]
        found = Measure(key=measure, label=label, unit=unit)
        if rows[0][UNITS_AT] is None:
            return MeasureStates(found, [])  # no period yet
        if pinned:
            return MeasureStates(found, None)  # pinned before some revision's recorded time
        if any(unit not in row[UNITS_AT].split() for row in rows):
            # Some reading has no value in the unit: only the fold says which.
            return MeasureStates(found, None)
        decoded, last = self._states, len(STATE_COLUMNS)
        held = [decoded(tuple(row[STATE_AT:last])) for row in rows if row[STATE_AT] is not None]
        return MeasureStates(found, held)

    async def measure_streams(self, measure: str) -> list[FactRevision]:
        return await self._revisions(queries.measure_streams(measure))

    async def streams_known_between(
        self, after: dt.date, until: dt.date, recorded_before: dt.datetime | None = None
    ) -> list[FactRevision]:
        return await self._revisions(queries.streams_known_between(after, until, recorded_before))

    async def measures(self, as_of: AsOf) -> list[RegisteredMeasure]:
        pinned = as_of.recorded_before is not None
        async with self._reading() as conn:
            read = _registered(conn.dialect, pinned)
            rows = read.mapped(await self._driver_rows(conn, read, queries.as_of_values(as_of)))
        return [measure_from_row(row) for row in rows]

    async def checkpoints(self) -> list[Checkpoint]:
        table = projection_checkpoints
        async with self._reading() as conn:
            rows = (await conn.execute(sa.select(table))).all()
        stored = {row.name: row for row in rows}
        return [
            Checkpoint(
                name=name,
                position=stored[name].position if name in stored else 0,
                updated_at=utc(stored[name].updated_at) if name in stored else None,
            )
            for name in sorted(PROJECTIONS)
        ]

    async def projected_position(self) -> int:
        return min(checkpoint.position for checkpoint in await self.checkpoints())

    # -- writes -----------------------------------------------------------------------

    @asynccontextmanager
    async def batches(
        self, names: Collection[str], *, wait: bool = True
    ) -> AsyncIterator[dict[str, SqlBatch]]:
        # Every statement here is a round trip that waits for the server and then for a
        # CPU: the projector's batches were some 30 of them, half of it the measures'
        # transaction of its own. So the locks are one statement, the checkpoints one read
        # (after the locks, or it could see a checkpoint from before another process's
        # last batch) and one write for all, then one commit.
        chosen = sorted({check_projection(name) for name in names})
        async with self._translated(), self._write_transaction() as conn:
            locked = await self._lock(conn, chosen, wait=wait)
            if not locked:
                yield {}
                return
            positions = await read_checkpoints(conn, locked)
            held = {
                name: SqlBatch(
                    conn, LIVE, positions[name], clock=self._clock, bulk=self._bulk_insert
                )
                for name in locked
            }
            yield held
            saved = {name: batch.saved for name, batch in held.items() if batch.saved is not None}
            await write_checkpoints(conn, saved, self._clock)

    @asynccontextmanager
    async def rebuild(self, name: str) -> AsyncIterator[SqlRebuild]:
        tables = PROJECTION_TABLES[check_projection(name)]
        async with self._translated(), self._rebuild_guard(name):
            async with self._write_transaction() as conn:
                await create_shadows(conn, tables)
            rebuild = SqlRebuild(self, name, tables)
            try:
                yield rebuild
            finally:
                if not rebuild.swapped:
                    await self._discard(tables)

    @abc.abstractmethod
    async def refresh_statistics(self) -> list[str]: ...

    async def close(self) -> None:
        if self._owns_engine:
            await self._engine.dispose()

    # -- internals --------------------------------------------------------------------

    async def _revisions(self, statement: sa.Select[Any]) -> list[FactRevision]:
        async with self._reading() as conn:
            rows = [mapping(row) for row in await conn.execute(statement)]
            return await self._decode(conn, rows)

    async def _decode(self, conn: AsyncConnection, rows: Sequence[Row]) -> list[FactRevision]:
        """``rows`` (``queries.revisions``) decoded, with the sources of those not decoded
        before read on ``conn`` in one more statement (``queries.sources_of`` says why it
        may be a statement of its own)."""
        found = self._decoded.kept(rows)
        missing = [row for row, revision in zip(rows, found, strict=True) if revision is None]
        if not missing:
            return [revision for revision in found if revision is not None]
        sources = await queries.sources_of(conn, fact_sources, missing)
        # Decoded apart from the kept ones, which decoding these may evict.
        fresh = iter([self._decoded.decoded(row, sources) for row in missing])
        return [next(fresh) if revision is None else revision for revision in found]

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """For ONE statement: it sees one snapshot by itself (see the backends)."""
        async with self._translated(), self._engine.connect() as conn:
            yield await self._begin_read(conn)

    def _translated(self) -> AbstractAsyncContextManager[None]:
        return translated("the read models")

    async def _discard(self, tables: Sequence[sa.Table]) -> None:
        # Best effort: a rebuild that failed because the database went away cannot clean
        # up either, and the next rebuild replaces whatever shadows are left.
        with contextlib.suppress(DBAPIError, OSError):
            async with self._write_transaction() as conn:
                await drop_shadows(conn, tables)


@functools.lru_cache(maxsize=256)
def _page_read(dialect: sa.Dialect, shape: queries.PageShape) -> CompiledRead:
    """The page statement of ``shape`` for ``dialect``: a few shapes serve every reader
    (a shape is how many values each of its filter's lists holds, not which)."""
    return compiled_read(dialect, queries.page_read(shape))


@functools.cache
def _registered(dialect: sa.Dialect, pinned: bool) -> CompiledRead:
    return compiled_read(dialect, queries.registered(pinned=pinned))


@functools.cache
def _measure_states(dialect: sa.Dialect, *, known: bool, pinned: bool) -> CompiledRead:
    """``queries.measure_states`` compiled for ``dialect``."""
    lateral = dialect.name == "postgresql"
    statement = queries.measure_states(known, pinned, lateral=lateral)
    return compiled_read(dialect, statement, typed=False)


class SqlRebuild:
    """The ``ProjectionRebuild`` port: shadow tables filled batch by batch, then swapped."""

    def __init__(self, store: SqlProjectionStore, name: str, tables: Sequence[sa.Table]) -> None:
        self._store = store
        self._name = name
        self._tables = tables
        self._shadows = {table.name: shadow_of(table) for table in tables}
        self.position = 0
        """The last position applied to the shadows; only in memory: a rebuild that dies
        is started again from scratch."""
        self.swapped = False
        self._active_days: DayChanges = Counter()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[ProjectionBatch]:
        store = self._store
        async with store._translated(), store._write_transaction() as conn:
            batch = self._shadow_batch(conn, active_days=self._active_days)
            yield batch
        self.position = batch.position  # only once the transaction has committed

    def _shadow_batch(
        self, conn: AsyncConnection, *, active_days: DayChanges | None = None
    ) -> SqlBatch:
        store = self._store
        return SqlBatch(
            conn,
            self._shadows,
            self.position,
            clock=store._clock,
            bulk=store._bulk_insert,
            active_days=active_days,
        )

    @asynccontextmanager
    async def swap(self) -> AsyncIterator[ProjectionBatch]:
        store = self._store
        async with store._translated():
            if self._active_days or total_readings in self._tables:
                async with store._write_transaction() as conn:
                    await self._shadow_batch(conn).settle(self._active_days)
                self._active_days = Counter()
            await store._prepare_swap(self._tables)
            async with store._write_transaction() as conn:
                await store._lock(conn, [self._name], wait=True)
                batch = self._shadow_batch(conn)
                yield batch
                await store._swap(conn, self._tables)
                await write_checkpoints(conn, {self._name: batch.position}, store._clock)
        self.position = batch.position
        self.swapped = True
        logger.info("projection %s rebuilt up to position %d", self._name, self.position)
