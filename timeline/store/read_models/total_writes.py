"""The running totals' part of a timeline batch: the periods a batch touches, worked out again.

A batch that opens a revision with readings, or closes one, changes what those readings'
periods say from one knowledge day on: the revision's known_from, or the day it now ends.
For each period touched, the stored states from the one holding that day onwards are
replaced by ``settled_periods.spans`` of the period's readings current on some day since:
the states before are those of readings the batch did not change, so the rows are the
from-scratch ones (``total_rows.total_rows``) after any batch. A batch costs a fixed
number of statements whatever its size (every period's rows by one range read of their
primary keys, which a rebuild's shadows have too).

A batch that only adds readings to a period, known from the start of its last state on,
folds that state forward instead (``selection.folded``): its rows follow from the state and
the new readings alone, so neither the period's readings nor its standing ones are read:
the state's row is written again (it holds its first and last reading), and of its other
standing readings (``total_standing``) only those it gained. What a fold cannot tell (a
conflict, a closing, a reading known before the last state) is worked out again, and so is
a state of more than two readings that would stand on a later day with more (its middle
rows would be copied: new facts are known from the day they are reported, so a reading
joins the standing ones on the day they were reported, not later; it takes a revision,
which closes one and is worked out again anyway).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.application.read_models import ProjectionChanges
from timeline.domain.projections.readings import Reading, readings_of
from timeline.domain.projections.selection import PeriodState, folded
from timeline.domain.projections.settled_periods import KnownReading, Span, spans
from timeline.store.read_models.rows import RowValues
from timeline.store.read_models.tables import (
    total_amounts,
    total_periods,
    total_readings,
    total_standing,
)
from timeline.store.read_models.total_rows import (
    PERIOD_COLUMNS,
    STATE_READ,
    DecodedTexts,
    Period,
    StoredReadings,
    amount_row,
    middle_rows,
    period_key,
    period_of,
    period_row,
    reading_from_text,
    reading_row,
    revision_readings,
    row_period,
    settled_rows,
    span_middle_rows,
    state_of,
    units_text,
)

_CHUNK = 2_000
"""Periods per statement: five bound parameters each, under every driver's limit."""

Insert = Callable[[str, list[RowValues]], Awaitable[None]]
"""The batch's one way to write new rows (``SqlBatch._insert``, the backend's bulk insert):
rows of the table of that live name, values in column order."""


async def write_totals(
    conn: AsyncConnection,
    tables: Mapping[str, sa.Table],
    insert: Insert,
    changes: ProjectionChanges,
    *,
    settle: bool = True,
) -> None:
    """Apply ``changes`` (already written to the revision tables) to the totals' tables.

    A rebuild's batch (``settle=False``) writes the readings alone: its revisions come in
    out of knowledge order (the latest of each fact is held back until closed or pushed
    out), so the periods' states are worked out once, from every reading, before the swap
    (``settle_totals``)."""
    if not (changes.opened or changes.closed):
        return  # the measures' batches, and the timeline's with no fact in them
    readings = tables[total_readings.name]
    touched: dict[Period, dt.date] = {}
    units: dict[Period, frozenset[str]] = {}
    added: defaultdict[Period, list[KnownReading]] = defaultdict(list)
    rows = []
    for known in revision_readings(changes.opened):
        reading, _, known_from, known_until = known
        period = period_of(reading)
        rows.append(reading_row(known))
        touched[period] = min(touched.get(period, known_from), known_from)
        units[period] = units.get(period, reading.figure.units) & reading.figure.units
        added[period].append((reading, known_from, known_until))
    first_known = dict(touched)  # the new readings' own; closings only move touched on
    closing = []
    for revision in changes.closed:
        until = revision.known_until
        assert until is not None  # a closed revision has a successor
        for reading in readings_of(revision):
            period = period_of(reading)
            touched[period] = min(touched.get(period, until), until)
            added.pop(period, None)  # a closing: worked out again, never folded
            closing.append(
                {
                    **{f"b_{name}": value for name, value in period_row(period).items()},
                    "b_fact_id": reading.fact_id,
                    "b_revision": revision.revision,
                    "b_reading_index": reading.reading_index,
                    "b_known_until": until,
                }
            )
    await insert(total_readings.name, _values(readings, rows))
    if closing:
        await conn.execute(_close(readings), closing)
    if touched and settle:
        kept = await _periods(conn, tables[total_periods.name], touched, units, first_known)
        await _replace_states(conn, tables, insert, touched, kept, added)


SETTLE_ROWS = 2_000
"""Amount rows a rebuild's settling holds before it writes them."""


async def settle_totals(
    conn: AsyncConnection, tables: Mapping[str, sa.Table], insert: Insert
) -> None:
    """Fill a rebuild's empty ``total_periods``, ``total_amounts`` and ``total_standing``
    from its readings, as a fold of them from scratch (``total_rows``) would.

    One period at a time, streamed in key order: at a million events the readings are some
    130,000 documents (110 MB of text) and their states 60,000 rows, and holding them all
    at once made the rebuild's peak memory 700 MB."""
    readings = tables[total_readings.name].c
    result = await conn.stream(
        sa.select(readings.reading, readings.known_from, readings.known_until).order_by(
            *(readings[name] for name in PERIOD_COLUMNS)
        )
    )
    periods: list[dict[str, Any]] = []
    amounts: list[dict[str, Any]] = []
    middles: list[dict[str, Any]] = []

    async def write() -> None:
        await insert(total_periods.name, _values(tables[total_periods.name], periods))
        await insert(total_amounts.name, _values(tables[total_amounts.name], amounts))
        await insert(total_standing.name, _values(tables[total_standing.name], middles))
        periods.clear()
        amounts.clear()
        middles.clear()

    def settle(period: Period, held: list[KnownReading]) -> None:
        period_found, amounts_found, middles_found = settled_rows(period, held)
        periods.append(period_found)
        amounts.extend(amounts_found)
        middles.extend(middles_found)

    current: Period | None = None
    held: list[KnownReading] = []
    async for text, known_from, known_until in result:
        reading = reading_from_text(text)
        period = period_of(reading)
        if period != current:
            if current is not None:
                settle(current, held)
                if len(amounts) >= SETTLE_ROWS:
                    await write()
            current, held = period, []
        held.append((reading, known_from, known_until))
    if current is not None:
        settle(current, held)
    await write()


async def _periods(
    conn: AsyncConnection,
    table: sa.Table,
    touched: Collection[Period],
    new: dict[Period, frozenset[str]],
    first_known: dict[Period, dt.date],
) -> dict[Period, frozenset[str]]:
    """Each touched period's units once the new readings are in (they only ever narrow),
    kept with its first knowledge day (which only ever moves earlier: readings are closed,
    never removed); ``new`` and ``first_known`` are the new readings' own."""
    found: dict[Period, frozenset[str]] = {}
    kept: dict[Period, dt.date] = {}
    for row in await _select(conn, table, touched):
        period = row_period(row)
        found[period] = frozenset(row["units"].split())
        kept[period] = row["first_known"]
    changed = []
    for period, units in new.items():
        narrowed = units if period not in found else found[period] & units
        first = min(kept.get(period, first_known[period]), first_known[period])
        if found.get(period) != narrowed or kept.get(period) != first:
            changed.append(
                {**period_row(period), "units": units_text(narrowed), "first_known": first}
            )
        found[period] = narrowed
    if changed:
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
        await conn.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c[name] for name in PERIOD_COLUMNS],
                set_={"units": insert.excluded.units, "first_known": insert.excluded.first_known},
            ),
            changed,
        )
    return found


async def _replace_states(
    conn: AsyncConnection,
    tables: Mapping[str, sa.Table],
    insert: Insert,
    touched: dict[Period, dt.date],
    units: dict[Period, frozenset[str]],
    added: Mapping[Period, list[KnownReading]],
) -> None:
    """Replace the states of ``touched`` periods from their days on; those that only gained
    ``added`` readings (a closing took its period out of them) folded forward if they can.

    A state's middle readings go with it, but for a fold's: the stored state's stay, and
    the fold writes those it added after them."""
    amounts, standing = tables[total_amounts.name], tables[total_standing.name]
    stored: defaultdict[tuple[Period, str], list[sa.RowMapping]] = defaultdict(list)
    for row in await _select(conn, amounts, touched, *(amounts.c[name] for name in _READ)):
        stored[row_period(row), row["unit"]].append(row)
    deletions = []  # of states, each from its day on
    cleared = []  # of middle readings, each from its day on
    inserts = []
    middles = []
    for period, unit in stored:
        if unit not in units.get(period, frozenset()):
            deletions.append(_deletion(period, unit, dt.date.min))
            cleared.append(deletions[-1])
    # Each unit's states are worked out again from the start of the one holding the first
    # day that changed: the days before it see the same readings as before.
    since: dict[tuple[Period, str], dt.date] = {}
    for period, day in touched.items():
        for unit in units.get(period, frozenset()):
            rows = stored.get((period, unit), [])
            fold = _folded(period, rows, added.get(period), unit)
            if fold is not None:
                start, spans_found = fold
                deletions.append(_deletion(period, unit, start))
                for span in spans_found:
                    inserts.append(amount_row(period, unit, span))
                    readings = span.state.amount.readings
                    if not isinstance(readings, StoredReadings):
                        if span.known_from == start:  # the stored state's, replaced
                            cleared.append(_deletion(period, unit, start))
                        middles += span_middle_rows(period, unit, span)
                        continue
                    # The stored state's readings (their rows stay), then those added.
                    seq = max(readings.stored - 1, 1)
                    middles += middle_rows(period, unit, span.known_from, readings.added, seq)
                continue
            before = [row["known_from"] for row in rows if row["known_from"] <= day]
            since[period, unit] = max(before, default=day)
            deletions.append(_deletion(period, unit, since[period, unit]))
            cleared.append(deletions[-1])
    earliest: dict[Period, dt.date] = {}
    for (period, _), day in since.items():
        earliest[period] = min(earliest.get(period, day), day)
    known: defaultdict[Period, list[KnownReading]] = defaultdict(list)
    texts = DecodedTexts()
    if earliest:
        for row in await _select(conn, tables[total_readings.name], earliest):
            period, until = row_period(row), row["known_until"]
            if until is None or until > earliest[period]:
                known[period].append((texts.decode(row["reading"]), row["known_from"], until))
    for (period, unit), day in since.items():
        for span in spans(period_key(period), known[period], unit, since=day):
            inserts.append(amount_row(period, unit, span, texts.text_of))
            middles += span_middle_rows(period, unit, span, texts.text_of)
    if deletions:
        await conn.execute(_delete(amounts), deletions)
    if cleared:
        await conn.execute(_delete(standing), cleared)
    await insert(total_amounts.name, _values(amounts, inserts))
    await insert(total_standing.name, _values(standing, middles))


_READ = ("unit", "known_from", "known_until", *STATE_READ)
"""Read of every state of a period touched."""


def _folded(
    period: Period,
    rows: list[sa.RowMapping],
    added: list[KnownReading] | None,
    unit: str,
) -> tuple[dt.date, list[Span]] | None:
    """The states of ``period`` in ``unit`` from the start of its open state on, folded
    forward from it by the readings ``added`` (all current from their day on), with that
    start; None when they are to be worked out again from the readings."""
    last = next((row for row in rows if row["known_until"] is None), None)
    if not added or last is None or last["conflict"] is not None:
        return None
    start: dt.date = last["known_from"]
    by_day: defaultdict[dt.date, list[Reading]] = defaultdict(list)
    for reading, known_from, known_until in added:
        if known_until is not None or known_from < start:
            return None
        by_day[known_from].append(reading)
    state: PeriodState | None = state_of(tuple(last[name] for name in STATE_READ))
    found: list[Span] = []
    for day in sorted(by_day):
        assert state is not None
        if day > start:
            found.append(Span(start, day, state))
        state, start = folded(state, by_day[day], unit), day
        if state is None:
            return None
    assert state is not None
    # A state is cut from the one before it only where it differs. Folding from a state's
    # first day, the state ending that day may be equal to the new one (some reading closed
    # on it); they are equal only if they count the same readings.
    first_day = last["known_from"]
    count = state.superseded + len(state.amount.readings)
    if min(by_day) == first_day and any(
        row["known_until"] == first_day and row["superseded"] + row["standing"] == count
        for row in rows
    ):
        return None
    found.append(Span(start, None, state))
    if any(_moved(span, first_day) for span in found):
        return None
    return first_day, found


def _moved(span: Span, first_day: dt.date) -> bool:
    """Whether ``span`` stands on the stored state's middle readings on another day."""
    readings = span.state.amount.readings
    return (
        span.known_from != first_day
        and isinstance(readings, StoredReadings)
        and readings.stored > 2
    )


def _values(table: sa.Table, rows: list[dict[str, Any]]) -> list[RowValues]:
    """``rows`` as the batch's insert takes them: values in ``table``'s column order."""
    names = [column.name for column in table.columns]
    return [tuple(row[name] for name in names) for row in rows]


async def _select(
    conn: AsyncConnection,
    table: sa.Table,
    periods: Collection[Period],
    *columns: sa.ColumnElement[Any],
) -> list[sa.RowMapping]:
    """Rows of ``table`` in ``periods`` (their key columns, and ``columns`` or all)."""
    keys = [table.c[name] for name in PERIOD_COLUMNS]
    chosen = [*keys, *columns] if columns else list(table.c)
    found: list[sa.RowMapping] = []
    ordered = sorted(periods)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        result = await conn.execute(sa.select(*chosen).where(sa.tuple_(*keys).in_(chunk)))
        found += result.mappings().all()
    return found


def _deletion(period: Period, unit: str, since: dt.date) -> dict[str, Any]:
    return {
        **{f"b_{name}": value for name, value in period_row(period).items()},
        "b_unit": unit,
        "b_since": since,
    }


def _matching(table: sa.Table) -> list[sa.ColumnElement[bool]]:
    return [table.c[name] == sa.bindparam(f"b_{name}") for name in PERIOD_COLUMNS]


def _delete(table: sa.Table) -> sa.Delete:
    return sa.delete(table).where(
        *_matching(table),
        table.c.unit == sa.bindparam("b_unit"),
        table.c.known_from >= sa.bindparam("b_since"),
    )


def _close(table: sa.Table) -> sa.Update:
    return (
        sa.update(table)
        .where(
            *_matching(table),
            table.c.fact_id == sa.bindparam("b_fact_id"),
            table.c.revision == sa.bindparam("b_revision"),
            table.c.reading_index == sa.bindparam("b_reading_index"),
        )
        .values(known_until=sa.bindparam("b_known_until"))
    )
