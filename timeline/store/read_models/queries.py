"""The read models' SELECTs, as SQLAlchemy Core: "current at", the page filters, the keyset.

"Current at ``as_of``" is ``AsOf.is_current`` turned into a WHERE clause: the revision is
seen (known_from <= K, recorded_from < R) and its successor is not (known_until > K or
recorded_until >= R, or there is no successor). Within a fact's stream at most one
revision passes (see ``timeline.domain.projections.visibility``), so no DISTINCT is needed,
and the known_from bound is a range on its index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.application.read_models import TIMELINE, FactFilter, PageKey
from timeline.domain.facts import FactStatus
from timeline.domain.projections.visibility import AsOf
from timeline.domain.quantities import Basis
from timeline.domain.sources import Source
from timeline.store.read_models.rows import Row, sources_from_rows
from timeline.store.read_models.tables import (
    active_fact_changes,
    fact_contents,
    fact_labels,
    fact_revisions,
    figure_readings,
    label_fact_changes,
    measures,
    projection_checkpoints,
    total_amounts,
    total_periods,
    total_standing,
)
from timeline.store.read_models.total_rows import PERIOD_COLUMNS, PERIOD_READ, STATE_READ
from timeline.store.sql.rows import utc

_LIKE_ESCAPE = "\\"
MAX_IDS = 10_000
"""Facts per statement: under the drivers' bound-parameter limits (32,766 on SQLite, 32,767 on
asyncpg)."""

EVERY_ACTIVE_FACT = FactFilter()
CORRECTED_AT_MOST = 1_000
"""How many revisions recorded after a pinned reader's time its summed total may be
corrected by (``pinned_correction``); past that it counts the matches instead: the
correction of a reader pinned far back (an analyst's recordedBefore) would visit every later
revision, each a row of the table, where counting reads one covering index."""


def _as_text(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """A JSON column as the text the database holds, unparsed (see ``DecodedRows``). A CAST,
    not only a coerced type: asyncpg would otherwise hand JSONB back already parsed."""
    return sa.cast(column, sa.Text()).label(column.name)


def _read_columns(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    return [_as_text(column) if isinstance(column.type, sa.JSON) else column for column in table.c]


READING_COLUMNS = _read_columns(figure_readings)


def revisions(
    table: sa.Table = fact_revisions, contents: sa.Table = fact_contents
) -> sa.Select[Any]:
    """Revision rows with their content, as ``rows.revision_from_row`` reads them (given
    their facts' sources, ``sources_of``); ``table`` and ``contents`` may be shadows."""
    content = contents.c
    columns = (content.title, content.summary, _as_text(content.content))
    return sa.select(*_read_columns(table), *columns).select_from(
        table.join(contents, _content_of(table, contents))
    )


def _content_of(table: sa.Table, contents: sa.Table) -> sa.ColumnElement[bool]:
    content = contents.c
    return sa.and_(content.fact_id == table.c.fact_id, content.revision == table.c.content_revision)


async def sources_of(
    conn: AsyncConnection, table: sa.Table, rows: Sequence[Row]
) -> dict[UUID, list[Source]]:
    """The sources the revision ``rows`` hold (``table``: ``fact_sources`` or its shadow),
    by fact: one statement per ``MAX_IDS`` facts. They are not part of the statement
    that read the rows, and need not be: a fact's sources are written once, in the
    transaction that wrote the first revision to hold them, and every build of the read
    model writes the same ones, so any later statement finds them as they were."""
    needed: dict[UUID, int] = {}
    for row in rows:
        needed[row["fact_id"]] = max(needed.get(row["fact_id"], 0), row["sources"])
    found: dict[UUID, list[Source]] = {fact_id: [] for fact_id in needed}
    ordered = sorted(needed)
    source = table.c
    for start in range(0, len(ordered), MAX_IDS):
        chunk = ordered[start : start + MAX_IDS]
        statement = (
            sa.select(source.fact_id, source.source_index, _as_text(source.source))
            .where(
                source.fact_id.in_(chunk),
                source.source_index < max(needed[fact_id] for fact_id in chunk),
            )
            .order_by(source.fact_id, source.source_index)
        )
        result = await conn.execute(statement)
        found.update(sources_from_rows(row._mapping for row in result))
    return found


def latest_recorded() -> sa.Select[Any]:
    """The latest ``recorded_from`` of any revision (an index lookup: migration 0006)."""
    return sa.select(sa.func.max(fact_revisions.c.recorded_from))


def current_at(table: sa.Table, *, known: bool, pinned: bool) -> sa.ColumnElement[bool]:
    """Rows of ``table`` (revisions or readings: both carry the interval) current at the
    bound ``:known_at`` (if ``known``; else as known now) and ``:recorded_before`` (if
    ``pinned``); ``as_of_values`` gives them."""
    column = table.c
    clauses: list[sa.ColumnElement[bool]] = []
    not_superseded: list[sa.ColumnElement[bool]] = [column.known_until.is_(None)]
    if known:
        known_at = _known_at()
        clauses.append(column.known_from <= known_at)
        not_superseded.append(column.known_until > known_at)
    if pinned:
        before = _recorded_before()
        clauses.append(column.recorded_from < before)
        not_superseded.append(column.recorded_until >= before)
    clauses.append(sa.or_(*not_superseded))
    return sa.and_(*clauses)


def as_of_values(as_of: AsOf) -> dict[str, Any]:
    """The values ``current_at`` binds."""
    pinned = as_of.recorded_before
    return {"known_at": as_of.known_at, "recorded_before": None if pinned is None else utc(pinned)}


@dataclass(frozen=True, slots=True)
class FilterShape:
    """What of a ``FactFilter`` its WHERE clauses' text depends on: which criteria it has,
    and how many values each list holds (the values themselves are bound)."""

    include_retracted: bool
    kinds: int
    labels: tuple[int, int, int]
    """How many topics, actors and places."""
    text: bool
    occurred_from: bool
    occurred_to: bool

    @classmethod
    def of(cls, criteria: FactFilter) -> FilterShape:
        return cls(
            criteria.include_retracted,
            len(criteria.kinds),
            (len(criteria.topics), len(criteria.actors), len(criteria.places)),
            bool(criteria.text),
            criteria.occurred_from is not None,
            criteria.occurred_to is not None,
        )


_FACETS = ("topic", "actor", "place")


def matching(shape: FilterShape) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on ``fact_revisions`` for a filter of ``shape``, its values bound as
    ``filter_values`` gives them."""
    revision = fact_revisions.c
    clauses: list[sa.ColumnElement[bool]] = []
    if not shape.include_retracted:
        clauses.append(revision.status == str(FactStatus.ACTIVE))
    if shape.kinds:
        clauses.append(revision.kind.in_(_listed("kind", shape.kinds)))
    for facet, labels in zip(_FACETS, shape.labels, strict=True):
        if labels:
            clauses.append(_labelled(facet, labels))
    if shape.text:
        pattern = sa.bindparam("text", type_=sa.String())
        content = fact_contents.c
        clauses.append(
            sa.exists()
            .where(
                _content_of(fact_revisions, fact_contents),
                sa.or_(
                    content.title.ilike(pattern, escape=_LIKE_ESCAPE),
                    content.summary.ilike(pattern, escape=_LIKE_ESCAPE),
                ),
            )
            .correlate(fact_revisions)
        )
    if shape.occurred_from:
        day = sa.bindparam("occurred_from", type_=sa.Date())
        clauses.append(revision.occurred_latest >= day)
    if shape.occurred_to:
        day = sa.bindparam("occurred_to", type_=sa.Date())
        clauses.append(revision.occurred_earliest <= day)
    return clauses


def filter_values(criteria: FactFilter) -> dict[str, Any]:
    """The values ``matching`` binds for ``criteria``."""
    values: dict[str, Any] = {
        "text": f"%{_escape_like(criteria.text)}%" if criteria.text else None,
        "occurred_from": criteria.occurred_from,
        "occurred_to": criteria.occurred_to,
    }
    for name, listed in zip(
        ("kind", *_FACETS),
        (criteria.kinds, criteria.topics, criteria.actors, criteria.places),
        strict=True,
    ):
        values.update((f"{name}_{index}", value) for index, value in enumerate(sorted(listed)))
    return values


@dataclass(frozen=True, slots=True)
class PageShape:
    """What a page statement's text depends on (see ``page_read``)."""

    known: bool
    pinned: bool
    criteria: FilterShape
    after: bool
    count: bool
    active_sum: bool
    label_sum: str | None
    """When counting a page of the facts with one label of one facet, and nothing else:
    that facet. The total may then be that label's day counts' sum."""

    @classmethod
    def of(
        cls, as_of: AsOf, criteria: FactFilter, after: PageKey | None, *, count: bool
    ) -> PageShape:
        return cls(
            as_of.known_at is not None,
            as_of.recorded_before is not None,
            FilterShape.of(criteria),
            after is not None,
            count,
            # Every active fact: the total may be the day counts' sum (see ``page_read``).
            count and criteria == EVERY_ACTIVE_FACT,
            _one_label(FilterShape.of(criteria)) if count else None,
        )


def _one_label(shape: FilterShape) -> str | None:
    """The facet of a filter of active facts by one label of it alone; None for any other."""
    alone = FilterShape(False, 0, shape.labels, False, False, False)
    if sum(shape.labels) != 1 or shape != alone:
        return None
    return _FACETS[shape.labels.index(1)]


def page_values(
    as_of: AsOf, criteria: FactFilter, first: int, after: PageKey | None
) -> dict[str, Any]:
    """The values ``page_read`` binds for a page of ``first`` after ``after``."""
    values = {**as_of_values(as_of), **filter_values(criteria), "limit": first + 1}
    values["corrected_at_most"] = CORRECTED_AT_MOST
    if after is not None:
        values["after_day"] = after.occurred_earliest
        values["after_precision"] = after.precision
        values["after_fact"] = after.fact_id
    return values


def page(shape: PageShape) -> sa.Select[Any]:
    """One more row than ``:limit`` asks, so the caller knows whether another page follows."""
    revision = fact_revisions.c
    statement = revisions().where(
        current_at(fact_revisions, known=shape.known, pinned=shape.pinned),
        *matching(shape.criteria),
    )
    if shape.after:
        statement = statement.where(
            sa.tuple_(revision.occurred_earliest, revision.occurred_precision, revision.fact_id)
            > sa.tuple_(
                sa.bindparam("after_day", type_=sa.Date()),
                sa.bindparam("after_precision", type_=sa.SmallInteger()),
                sa.bindparam("after_fact", type_=sa.Uuid()),
            )
        )
    return statement.order_by(
        revision.occurred_earliest, revision.occurred_precision, revision.fact_id
    ).limit(sa.bindparam("limit", type_=sa.Integer()))


def page_read(shape: PageShape) -> sa.Select[Any]:
    """A whole page in ONE statement, so in one snapshot on either backend: the rows of
    ``page`` (none when the page is empty: a left join on a one-row anchor), each beside the
    timeline's checkpoint position (``page_position``), the latest ``recorded_from``
    (``page_latest``, for ``SettledPages``) and, when ``count``, the page's total
    (``page_total``). Every value is bound (``page_values``), so a shape's statement is
    built and compiled once (``statements.compiled_read``).

    ``active_sum``: the filter is every active fact, so the total as recorded now is the sum
    of the day counts (``active_count``). ``label_sum``: the same for the facts with one
    label (``label_count``), where counting visited every fact with it (the soak's filtered
    page, 1.6 → 25 ms over its five minutes: bench/README item 52). A pinned reader's total
    is that sum corrected by the few revisions recorded or superseded at or after its pin
    (``pinned_correction``): a read of "now" is pinned to the request's clock, and under
    load the projector has often written a later revision by the time it reads (item 53).
    A reader pinned before ``CORRECTED_AT_MOST`` or more revisions counts instead.

    Tables are referenced in the order a rebuild's swap drops them (``PROJECTION_TABLES``:
    fact_revisions, fact_labels, active_fact_changes, label_fact_changes), so a statement
    waiting on a swap never holds a table the swap waits for."""
    rows = page(shape).subquery("page")
    latest = latest_recorded().scalar_subquery()
    columns: list[sa.ColumnElement[Any]] = [
        sa.select(projection_checkpoints.c.position)
        .where(projection_checkpoints.c.name == TIMELINE)
        .scalar_subquery()
        .label("page_position"),
        latest.label("page_latest"),
    ]
    if shape.count:
        counted: sa.ColumnElement[Any] = _count(shape).scalar_subquery()
        total = counted
        if shape.active_sum or shape.label_sum is not None:
            total = (
                active_count(known=shape.known)
                if shape.label_sum is None
                else label_count(shape.label_sum, known=shape.known)
            ).scalar_subquery()
            if shape.pinned:
                corrected = pinned_correction(shape).scalar_subquery() + total
                # Each database evaluates only the branch it takes.
                total = sa.case((_recorded_since_fewer_than_bound(), corrected), else_=counted)
        columns.append(total.label("page_total"))
    anchor = sa.select(sa.literal(1).label("anchor")).subquery("anchor")
    return (
        sa.select(*columns, *rows.c)
        .select_from(anchor.outerjoin(rows, sa.true()))
        .order_by(rows.c.occurred_earliest, rows.c.occurred_precision, rows.c.fact_id)
    )


def revisions_matching(keys: Collection[tuple[UUID, int]], criteria: FactFilter) -> sa.Select[Any]:
    """Which of the revisions ``keys`` (fact id, revision) pass ``criteria``."""
    revision = fact_revisions.c
    return (
        sa.select(revision.fact_id, revision.revision)
        .where(
            sa.tuple_(revision.fact_id, revision.revision).in_(sorted(keys)),
            *matching(FilterShape.of(criteria)),
        )
        .params(filter_values(criteria))
    )


def _count(shape: PageShape) -> sa.Select[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(fact_revisions)
        .where(
            current_at(fact_revisions, known=shape.known, pinned=shape.pinned),
            *matching(shape.criteria),
        )
    )


def pinned_correction(shape: PageShape) -> sa.Select[Any]:
    """What turns the count of the matches as recorded now into the count pinned at
    ``:recorded_before``: one for each match current at the pin but not now, minus one for
    each current now but not at the pin. Only a revision recorded at or after the pin, or
    superseded at or after it, can be one and not the other (``current_at``: for any other
    the recorded clauses hold or fail alike), and those are found from the ends of two
    indexes (migration 0027): none at all when the pin is after every row."""
    revision = fact_revisions.c
    pin = _recorded_before()
    matches = sa.and_(*matching(shape.criteria))
    at_pin = current_at(fact_revisions, known=shape.known, pinned=True)
    now = current_at(fact_revisions, known=shape.known, pinned=False)
    change = sa.case((sa.and_(at_pin, matches), 1), else_=0) - sa.case(
        (sa.and_(now, matches), 1), else_=0
    )
    # Two disjoint ranges, so that each is an index range by itself on either backend
    # (an OR of the two may be planned as a scan of the table).
    recorded_since = sa.select(change.label("change")).where(revision.recorded_from >= pin)
    superseded_since = sa.select(change.label("change")).where(
        revision.recorded_from < pin, revision.recorded_until >= pin
    )
    changes = sa.union_all(recorded_since, superseded_since).subquery("changes")
    return sa.select(sa.func.coalesce(sa.func.sum(changes.c.change), 0))


def _recorded_since_fewer_than_bound() -> sa.ColumnElement[bool]:
    """Whether fewer than ``:corrected_at_most`` revisions are recorded at or after the pin:
    at most that many entries of the ``recorded_from`` index read. Superseded at or after
    it are no more: each was superseded by one of those."""
    revision = fact_revisions.c
    bound = sa.bindparam("corrected_at_most", type_=sa.Integer())
    pin = _recorded_before()
    recent = (
        sa.select(revision.recorded_from)
        .where(revision.recorded_from >= pin)
        .limit(bound)
        .subquery("recent")
    )
    return sa.select(sa.func.count()).select_from(recent).scalar_subquery() < bound


def active_count(*, known: bool) -> sa.Select[Any]:
    """How many facts are active and current as known at ``:known_at`` (if ``known``; else
    now), for a reader pinned after every row's recorded time (see ``active_fact_changes``)."""
    statement = sa.select(sa.func.coalesce(sa.func.sum(active_fact_changes.c.change), 0))
    if known:
        statement = statement.where(active_fact_changes.c.known_on <= _known_at())
    return statement


def label_count(facet: str, *, known: bool) -> sa.Select[Any]:
    """``active_count`` of the facts labelled ``:{facet}_0`` (``filter_values``'s one label
    of that facet) in ``facet``, from ``label_fact_changes``."""
    changes = label_fact_changes.c
    statement = sa.select(sa.func.coalesce(sa.func.sum(changes.change), 0)).where(
        changes.facet == facet,
        changes.label == sa.bindparam(f"{facet}_0", type_=sa.String()),
    )
    if known:
        statement = statement.where(changes.known_on <= _known_at())
    return statement


def _known_at() -> sa.BindParameter[dt.date]:
    return sa.bindparam("known_at", type_=sa.Date())


def _recorded_before() -> sa.BindParameter[dt.datetime]:
    """``:recorded_before`` (``as_of_values``), typed as every recorded time of the read
    models is (``Instant``)."""
    return sa.bindparam("recorded_before", type_=fact_revisions.c.recorded_from.type)


def _listed(name: str, count: int) -> list[sa.BindParameter[str]]:
    return [sa.bindparam(f"{name}_{index}", type_=sa.String()) for index in range(count)]


def by_ids(fact_ids: Collection[UUID], as_of: AsOf) -> sa.Select[Any]:
    return (
        revisions()
        .where(fact_revisions.c.fact_id.in_(sorted(fact_ids)), _current(fact_revisions, as_of))
        .params(as_of_values(as_of))
    )


def histories(fact_ids: Collection[UUID]) -> sa.Select[Any]:
    return (
        revisions()
        .where(fact_revisions.c.fact_id.in_(sorted(fact_ids)))
        .order_by(fact_revisions.c.fact_id, fact_revisions.c.revision)
    )


def readings(measure: str, as_of: AsOf) -> sa.Select[Any]:
    reading = figure_readings.c
    return (
        sa.select(*READING_COLUMNS)
        .where(reading.measure == measure, _current(figure_readings, as_of))
        .order_by(reading.position, reading.fact_id, reading.reading_index)
        .params(as_of_values(as_of))
    )


def measure_states(known: bool, pinned: bool, *, lateral: bool) -> sa.Select[Any]:
    """Measure ``:measure`` as registered (before ``:recorded_before``, if ``pinned``) and
    every period of it known at ``:known_at`` (if ``known``; else now: ``first_known``) with
    its units and, in the measure's unit, the state it is in then: the row with the
    greatest known_from up to it, one index seek per period however many states the period
    went through, and only if that state still holds then (NULLs for a period with none;
    a period with no reading known yet is not read at all). PostgreSQL is told
    so by a LATERAL join (else it may hash-join every state of the measure); SQLite, which
    has none, seeks for the rowid of the latest such state in a correlated subquery. The
    columns are ``STATE_COLUMNS``, in that order (``total_rows.state_of`` of the state's; all NULL
    in the one row of a measure with no period known then), then whether some revision was recorded
    at or after ``:recorded_before`` (NULL if that is NULL: a total pinned before it is not
    settled, and is folded from its readings), then the measure's label and unit. No row:
    no such measure. One statement, so a total is one round trip to the database."""
    period, amount, registry = total_periods.c, total_amounts.c, measures.c
    measure: sa.BindParameter[str] = sa.bindparam("measure")
    known_at: sa.BindParameter[dt.date] = sa.bindparam("known_at")
    recorded_before = _recorded_before()
    same_period = [amount[name] == period[name] for name in PERIOD_COLUMNS]
    seen = [amount.known_from <= known_at] if known else []
    # The latest recorded time first: tables are referenced in the order a rebuild's swap
    # drops them (fact_revisions, then total_periods, total_amounts; see ``page_read``).
    # The registry is its own projection, swapped alone, so it may come anywhere.
    recorded = sa.select(latest_recorded().scalar_subquery().label("latest")).subquery("recorded")
    registered = sa.select(registry.label, registry.unit).where(registry.key == measure)
    if pinned:
        registered = registered.where(registry.recorded_at < recorded_before)
    entry = registered.subquery("registered")
    unit = entry.c.unit
    # A period first known after K has no state then: it is left out, not sought.
    periods = recorded.join(entry, sa.true()).outerjoin(
        total_periods,
        sa.and_(period.measure == measure, *([period.first_known <= known_at] if known else [])),
    )

    def holds(until: sa.ColumnElement[dt.date]) -> sa.ColumnElement[bool]:
        # Tested on the one state found, never inside the seek: there it would make the
        # seek walk back through every earlier state of a period with none holding at K.
        return sa.or_(until.is_(None), until > known_at) if known else until.is_(None)

    if lateral:
        latest = (
            sa.select(
                *(amount[name] for name in STATE_READ),
                _middle(total_amounts, dialect="postgresql"),
                amount.known_until,
            )
            .where(*same_period, amount.unit == unit, *seen)
            .order_by(amount.known_from.desc())
            .limit(1)
            .lateral("state")
        )
        joined = periods.outerjoin(latest, holds(latest.c.known_until))
        chosen: list[sa.ColumnElement[Any]] = [latest.c[name] for name in (*STATE_READ, "middle")]
    else:
        # The seek finds the state's rowid in the key's index, and the row is read by it:
        # joined by its seven key columns instead, each state cost a second seek in that
        # index before the one by rowid.
        earlier = total_amounts.alias("earlier")
        found = (
            sa.select(sa.literal_column("earlier.rowid"))
            .where(
                *(earlier.c[name] == period[name] for name in PERIOD_COLUMNS),
                earlier.c.unit == unit,
                *([earlier.c.known_from <= known_at] if known else []),
            )
            .order_by(earlier.c.known_from.desc())
            .limit(1)
            .scalar_subquery()
        )
        joined = periods.outerjoin(
            total_amounts,
            sa.and_(sa.literal_column("total_amounts.rowid") == found, holds(amount.known_until)),
        )
        chosen = [*(amount[name] for name in STATE_READ), _middle(total_amounts, dialect="sqlite")]
    return sa.select(
        *(period[name] for name in PERIOD_READ),
        *chosen,
        recorded.c.latest >= recorded_before,
        entry.c.label,
        unit,
    ).select_from(joined)


def _middle(amounts: sa.Table, *, dialect: str) -> sa.ColumnElement[Any]:
    """The texts of the middle readings of the state ``amounts`` names, joined as
    ``total_rows.StoredReadings.middle`` takes them; NULL for a state of two or fewer,
    whose rows are then not sought (most states: each total reads hundreds), and for an
    uncontested CUMULATIVE one unless ``:every_reading``: a total takes a checkpoint's
    first and last reading alone, and lists the others only when an answer asks for
    checkpoints (a flow's facts are in its points, a contested amount's readings in its
    description)."""
    middle = total_standing.c
    separator: sa.ColumnElement[str] = sa.literal_column("',\n'")
    joined = (
        sa.func.string_agg(middle.reading, aggregate_order_by(separator, middle.seq))
        if dialect == "postgresql"
        else sa.func.group_concat(middle.reading, separator)
    )
    found = sa.select(joined).where(
        *(middle[name] == amounts.c[name] for name in PERIOD_COLUMNS),
        middle.unit == amounts.c.unit,
        middle.known_from == amounts.c.known_from,
    )
    wanted = sa.or_(
        amounts.c.basis != Basis.CUMULATIVE.value,
        amounts.c.contested,
        sa.bindparam("every_reading", type_=sa.Boolean()),
    )
    return sa.case((sa.and_(amounts.c.standing > 2, wanted), found.scalar_subquery())).label(
        "middle"
    )


def streams_of(facts: sa.Select[Any]) -> sa.Select[Any]:
    """Every revision of the facts ``facts`` selects (one column of fact ids)."""
    revision = fact_revisions.c
    return (
        revisions().where(revision.fact_id.in_(facts)).order_by(revision.fact_id, revision.revision)
    )


def measure_streams(measure: str) -> sa.Select[Any]:
    return streams_of(
        sa.select(figure_readings.c.fact_id).where(figure_readings.c.measure == measure)
    )


def streams_known_between(
    after: dt.date, until: dt.date, recorded_before: dt.datetime | None
) -> sa.Select[Any]:
    revision = fact_revisions.c
    touched = sa.select(revision.fact_id).where(
        revision.known_from > after, revision.known_from <= until
    )
    if recorded_before is not None:
        touched = touched.where(revision.recorded_from < utc(recorded_before))
    return streams_of(touched)


def registered(*, pinned: bool) -> sa.Select[Any]:
    """Every measure by key, as registered before ``:recorded_before`` if ``pinned``
    (``as_of_values``)."""
    statement = sa.select(measures).order_by(measures.c.key)
    if pinned:
        statement = statement.where(measures.c.recorded_at < _recorded_before())
    return statement


def _current(table: sa.Table, as_of: AsOf) -> sa.ColumnElement[bool]:
    known, pinned = as_of.known_at is not None, as_of.recorded_before is not None
    return current_at(table, known=known, pinned=pinned)


def _labelled(facet: str, labels: int) -> sa.ColumnElement[bool]:
    label = fact_labels.c
    return sa.exists().where(
        label.fact_id == fact_revisions.c.fact_id,
        label.revision == fact_revisions.c.content_revision,
        label.facet == facet,
        label.label.in_(_listed(facet, labels)),
    )


def _escape_like(text: str) -> str:
    return text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
