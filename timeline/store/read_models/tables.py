"""The read models' tables: caches of the pure folds, each saved with its checkpoint.

Registered on the event log's ``metadata`` so that ``alembic check`` compares them too; the
database gets them from migration 0002 only. Two projections own them:

* ``timeline``: ``fact_revisions`` (one row per revision of a fact, current on the half-open
  interval [known_from, known_until) x [recorded_from, recorded_until); a NULL until means
  still current), the ``fact_contents`` and ``fact_sources`` its rows refer to (each
  written once, when it comes in), the contents' ``fact_labels`` (topics, actors and
  places, to filter on) and
  ``figure_readings`` (one row per reading per revision, with the revision's interval),
  and ``active_fact_changes`` (by how much the number of active facts changes on each
  knowledge day, which a page's unfiltered total is the running sum of); for running
  totals, ``total_readings`` (the readings again, keyed by period), ``total_periods`` and
  ``total_amounts`` (each period's state over knowledge days: ``settled_periods``) with
  ``total_standing`` (the readings a state stands on, but its first and last).
* ``measures``: the measure registry.

Revision and reading rows are written once and only ever updated to close their interval
when the next revision of the fact arrives; contents, sources and labels never change; a
day's change is added to as revisions open and close.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from timeline.application.records import parse_json
from timeline.store.sql.rows import json_serializer
from timeline.store.sql.tables import JSONDocument, metadata


class ExactDecimal(sa.TypeDecorator[Decimal]):
    """A Decimal stored exactly: NUMERIC on PostgreSQL, fixed-point text on SQLite.

    SQLite's NUMERIC affinity would turn ``650000000.01`` into a float; text keeps every
    digit, and nothing sorts or adds these values in SQL.
    """

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)


class JSONText(sa.TypeDecorator[Any]):
    """A JSON document kept as the text it was written as (Python None as JSON null).

    What a revision row holds on PostgreSQL: no query looks inside these documents, readers
    select them as text and parse them themselves, and JSONB parsed every document on every
    write (the whole fact, a few KB, per revision: a third to a half of the server's time in
    a rebuild's COPY) and printed it again on every read. SQLite keeps JSON as text anyway.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json_serializer(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else parse_json(value)


RevisionJSON = sa.JSON().with_variant(JSONText(), "postgresql")
"""``fact_revisions``' documents: JSON on SQLite, its text on PostgreSQL (migration 0011)."""

Instant = sa.DateTime(timezone=True)


def _interval_columns() -> list[sa.Column[Any]]:
    """When a revision is current: from its own (known day, recorded time) until its
    successor's. Both readers and the runner test them with ``AsOf.is_current``."""
    return [
        sa.Column("known_from", sa.Date(), nullable=False),
        sa.Column("known_until", sa.Date(), nullable=True),
        sa.Column("recorded_from", Instant, nullable=False),
        sa.Column("recorded_until", Instant, nullable=True),
    ]


fact_revisions = sa.Table(
    "fact_revisions",
    metadata,
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("event_type", sa.Text(), nullable=False),
    sa.Column("changed_fields", RevisionJSON, nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("source", RevisionJSON, nullable=True),
    *_interval_columns(),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("occurred_edtf", sa.Text(), nullable=False),
    sa.Column("occurred_earliest", sa.Date(), nullable=False),
    sa.Column("occurred_latest", sa.Date(), nullable=False),
    # 0 YEAR, 1 MONTH, 2 DAY: a timeline lists the coarser date first on the same day, so
    # the rank, not the name, is what the page is ordered by.
    sa.Column("occurred_precision", sa.SmallInteger(), nullable=False),
    # The fact at this revision is the columns above and references to what it shares
    # with its other revisions (migration 0017): its content is fact_contents' row of
    # (fact_id, content_revision), its sources the first ``sources`` of fact_sources'.
    sa.Column("content_revision", sa.Integer(), nullable=False),
    sa.Column("sources", sa.Integer(), nullable=False),
    # [[figure, source], ...] per reading of the fact, the source by its index in the
    # fact's sources (or whole, if it is none of them): a few per revision at most.
    sa.Column("readings", RevisionJSON, nullable=False),
    # [[position, recorded_at], ...] per reading of the fact: where each came into the log,
    # which the next revision carries over (FactRevision.reading_origins).
    sa.Column("reading_origins", RevisionJSON, nullable=False),
    # "As known at K" starts as a range scan on known_from, and the rest of "current at"
    # is in the index too, so counting never visits the table (migration 0005); the page's
    # order is a keyset.
    sa.Index(
        "ix_fact_revisions_known",
        "known_from",
        "known_until",
        "recorded_from",
        "recorded_until",
        "status",
    ),
    sa.Index("ix_fact_revisions_page", "occurred_earliest", "occurred_precision", "fact_id"),
    # The latest recorded_from, which tells a reader whether its recordedBefore is past
    # every row (``settled_pages``), read from the end of an index (migration 0006).
    sa.Index("ix_fact_revisions_recorded_from", "recorded_from"),
    # The revisions superseded at or after a pinned reader's time, which a page's total
    # summed by day corrects for (``queries.pinned_correction``, migration 0027).
    sa.Index("ix_fact_revisions_recorded_until", "recorded_until"),
)

fact_contents = sa.Table(
    "fact_contents",
    metadata,
    # A fact's content, written by the revision that gave it (FactRevision.content_revision)
    # and shared by every later revision until the next: what a corroboration or a
    # retraction writes no more. The title and summary in columns, to filter on, and the
    # rest as the codec writes it.
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("content", RevisionJSON, nullable=False),
)

fact_sources = sa.Table(
    "fact_sources",
    metadata,
    # A fact's sources, each written once by the event that brought it: a fact only ever
    # gains sources, one an event at most, so a revision's are the first of them.
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("source_index", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("source", RevisionJSON, nullable=False),
)

fact_labels = sa.Table(
    "fact_labels",
    metadata,
    # Per content (``revision`` is fact_contents' revision), not per fact revision.
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("facet", sa.Text(), primary_key=True),
    sa.Column("label", sa.Text(), primary_key=True),
    sa.Index("ix_fact_labels_facet", "facet", "label"),
)

figure_readings = sa.Table(
    "figure_readings",
    metadata,
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("reading_index", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("recorded_at", Instant, nullable=False),
    *_interval_columns(),
    sa.Column("measure", sa.Text(), nullable=False),
    sa.Column("period_edtf", sa.Text(), nullable=False),
    sa.Column("period_earliest", sa.Date(), nullable=False),
    sa.Column("period_latest", sa.Date(), nullable=False),
    sa.Column("basis", sa.Text(), nullable=False),
    sa.Column("value", ExactDecimal(), nullable=False),
    sa.Column("unit", sa.Text(), nullable=False),
    sa.Column("qualifier", sa.Text(), nullable=False),
    sa.Column("lower", ExactDecimal(), nullable=True),
    sa.Column("lower_inclusive", sa.Boolean(), nullable=False),
    sa.Column("upper", ExactDecimal(), nullable=True),
    sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
    sa.Column("equivalent", JSONDocument, nullable=True),
    # Figure.span_days: the reading covers that many days somewhere inside its period
    # (NULL: all of it). Migration 0008.
    sa.Column("span_days", sa.Integer(), nullable=True),
    sa.Column("reported_on", sa.Date(), nullable=False),
    sa.Column("source", JSONDocument, nullable=False),
    sa.Index("ix_figure_readings_measure", "measure", "known_from"),
)

active_fact_changes = sa.Table(
    "active_fact_changes",
    metadata,
    # +1 on the known_from of every ACTIVE revision, -1 on its known_until. Past the latest
    # recorded_from every closed revision's successor is recorded too, so the facts current
    # as known at K number sum(change) over the days up to K: a few thousand rows summed
    # instead of half the revision index visited (``active_count``); a reader pinned
    # earlier corrects that by the few revisions after its pin (``pinned_correction``).
    # A day keeps its row
    # when its changes sum to zero, so batches of any size write the rows a rebuild writes.
    sa.Column("known_on", sa.Date(), primary_key=True),
    sa.Column("change", sa.Integer(), nullable=False),
)

label_fact_changes = sa.Table(
    "label_fact_changes",
    metadata,
    # The same for the facts with each label (a fact counts once under each of its content's
    # labels): a page filtered by one label, read as recorded now, totals sum(change) of
    # the label's days up to K instead of visiting every matching revision (bench item 52).
    sa.Column("facet", sa.Text(), primary_key=True),
    sa.Column("label", sa.Text(), primary_key=True),
    sa.Column("known_on", sa.Date(), primary_key=True),
    sa.Column("change", sa.Integer(), nullable=False),
)


def _period_columns() -> list[sa.Column[Any]]:
    """A period of a measure (``readings.PeriodKey``), first in every key of the totals'
    tables so that a period's rows are one range of the primary key: the rebuild's shadows
    have no other index. ``span`` is ``Figure.span_days``, 0 for the whole period."""
    return [
        sa.Column("measure", sa.Text(), primary_key=True),
        sa.Column("period_latest", sa.Date(), primary_key=True),
        sa.Column("period_earliest", sa.Date(), primary_key=True),
        sa.Column("basis", sa.Text(), primary_key=True),
        sa.Column("span", sa.Integer(), primary_key=True, autoincrement=False),
    ]


total_readings = sa.Table(
    "total_readings",
    metadata,
    # Every reading of every revision, as in figure_readings, keyed by its period: what a
    # period's states are worked out from when a batch brings it a reading or closes one.
    *_period_columns(),
    sa.Column("fact_id", sa.Uuid(), primary_key=True),
    sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("reading_index", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("known_from", sa.Date(), nullable=False),
    sa.Column("known_until", sa.Date(), nullable=True),
    # The whole Reading as JSON text (``total_rows``), copied as is into the amounts it
    # stands in.
    sa.Column("reading", sa.Text(), nullable=False),
)

total_periods = sa.Table(
    "total_periods",
    metadata,
    *_period_columns(),
    # The units every reading of the period has a value in, space-separated: the units its
    # amounts are kept in. A measure whose periods all have its unit is read from them.
    sa.Column("units", sa.Text(), nullable=False),
    # The least known_from of the period's readings: before it the period has no state, so
    # a total as known earlier skips the period without seeking its states.
    sa.Column("first_known", sa.Date(), nullable=False),
)

total_amounts = sa.Table(
    "total_amounts",
    metadata,
    # What the period's readings say (``selection.PeriodState``) in ``unit`` on the
    # knowledge days [known_from, known_until), for a reader recorded after every row. The
    # state as known at K is the row with the greatest known_from <= K: one seek a period.
    *_period_columns(),
    sa.Column("unit", sa.Text(), primary_key=True),
    sa.Column("known_from", sa.Date(), primary_key=True),
    sa.Column("known_until", sa.Date(), nullable=True),
    sa.Column("value", ExactDecimal(), nullable=False),
    sa.Column("lower", ExactDecimal(), nullable=True),
    sa.Column("lower_inclusive", sa.Boolean(), nullable=False),
    sa.Column("upper", ExactDecimal(), nullable=True),
    sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
    sa.Column("contested", sa.Boolean(), nullable=False),
    sa.Column("superseded", sa.Integer(), nullable=False),
    # The readings that stand: how many, and a JSON array of the first and the last of them
    # (their total_readings.reading, one a line: ``total_rows.StoredReadings``), the others
    # in ``total_standing``; the conflicts' summary (JSON, NULL when the readings agree).
    sa.Column("standing", sa.Integer(), nullable=False),
    sa.Column("readings", sa.Text(), nullable=False),
    sa.Column("conflict", sa.Text(), nullable=True),
    # The greatest lower and least upper edge of every reading current then, as
    # "value side value side" (``selection.PeriodState.edges``): what folding the state
    # forward needs of the readings it does not hold (``total_writes``).
    sa.Column("edges", sa.Text(), nullable=False),
)

total_standing = sa.Table(
    "total_standing",
    metadata,
    # The readings a state of ``total_amounts`` stands on between its first and its last,
    # one a row, ``seq`` 1 to standing - 2 in recency order. Apart from the state's row so
    # that a batch adding a reading to a period that keeps gaining them writes that reading
    # (and the state's small row), not the text of all of them again (bench item 50); a
    # total reads them only for a state of more than two.
    *_period_columns(),
    sa.Column("unit", sa.Text(), primary_key=True),
    sa.Column("known_from", sa.Date(), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("reading", sa.Text(), nullable=False),
)

measures = sa.Table(
    "measures",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("label", sa.Text(), nullable=False),
    sa.Column("unit", sa.Text(), nullable=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("recorded_at", Instant, nullable=False),
)

projection_checkpoints = sa.Table(
    "projection_checkpoints",
    metadata,
    sa.Column("name", sa.Text(), primary_key=True),
    # The last log position whose effects are in the projection's tables.
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("updated_at", Instant, nullable=False),
)

PROJECTION_TABLES: dict[str, tuple[sa.Table, ...]] = {
    "timeline": (
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
    ),
    "measures": (measures,),
}
"""Each projection's tables: written together with its checkpoint, rebuilt together."""
