"""Read-model rows to and from the pure projections' values.

A ``FactRevision`` is one ``fact_revisions`` row (the columns a page filters and orders on,
its interval, its readings and references to the rest), the ``fact_contents`` row and
``fact_labels`` rows of a content it gave, the ``fact_sources`` row of a source it brought,
and one ``figure_readings`` row per ``Reading``. So an event writes a bounded number of
rows, none of which grows with the fact's history. Reading a revision back needs its row,
its content and its fact's sources, and it round-trips exactly: the runner advances from
revisions read back from SQL as the fold advances from its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import msgspec
import orjson
import sqlalchemy as sa

from timeline.application.read_models import PageKey
from timeline.domain.errors import DomainError
from timeline.domain.facts import Fact, FactStatus, FigureReading
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading, readings_of
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure
from timeline.domain.quantities import Basis, Qualifier
from timeline.domain.sources import Source
from timeline.domain.trusted import trusted
from timeline.store import codec, payloads
from timeline.store.fact_json import UndecodableFact, decode_source, encode_source
from timeline.store.sql.rows import utc

_new_reading = trusted(Reading)

Row = Mapping[Any, Any]

FACETS = ("topic", "actor", "place")
"""Label facets, each the singular of a ``FactContent`` field (topics, actors, places)."""


RowValues = tuple[Any, ...]
"""One row's values in its table's column order (``fact_revisions.columns`` and so on),
unbound: ``projection_writes.bound_rows`` turns them into what the driver gets."""


def revision_row(revision: FactRevision) -> RowValues:
    fact = revision.fact
    content = fact.content
    occurred = content.occurred
    return (
        revision.fact_id,
        revision.revision,
        revision.position,
        revision.event_type,
        list(revision.changed_fields),
        revision.reason,
        _event_source(revision),
        *interval(revision),
        content.kind,
        str(fact.status),
        occurred.text,
        occurred.earliest,
        occurred.latest,
        PageKey.of(revision).precision,
        revision.content_revision,
        len(fact.sources),
        reading_documents(fact),
        [
            [position, utc(recorded_at).isoformat()]
            for position, recorded_at in revision.reading_origins
        ],
    )


def _event_source(revision: FactRevision) -> Any:
    """The source the revision's event cited: as the index of the fact's last source when
    it is that one (the source a recording or corroboration brought: no second copy of
    it), else whole (a revision's source keeps its own quote)."""
    source = revision.source
    sources = revision.fact.sources
    if source is not None and (source is sources[-1] or source == sources[-1]):
        return len(sources) - 1
    return encode_source(source)


IN_COLUMNS = ("title", "summary")
"""Parts of a fact's content that ``fact_contents`` keeps in columns of their own (to filter
on), so not again in its document."""


def content_rows(revision: FactRevision) -> list[RowValues]:
    """The ``fact_contents`` row ``revision`` writes: one if its event gave the content."""
    if revision.content_revision != revision.revision:
        return []
    content = revision.fact.content
    document = codec.encode_content(content)
    for name in IN_COLUMNS:
        del document[name]
    return [(revision.fact_id, revision.revision, content.title, content.summary, document)]


def source_rows(revision: FactRevision) -> list[RowValues]:
    """The ``fact_sources`` rows ``revision`` writes: the sources its event brought. A fact
    only gains sources, one an event at most, so those are its last ``new`` ones."""
    sources = revision.fact.sources
    if revision.revision == 1:
        new = len(sources)
    else:
        new = 1 if "sources" in revision.changed_fields else 0
    return [
        (revision.fact_id, index, codec.encode_source(sources[index]))
        for index in range(len(sources) - new, len(sources))
    ]


def reading_documents(fact: Fact) -> list[list[Any]]:
    """``fact.readings`` as [figure, source] each, the source by its index in
    ``fact.sources`` (the fold shares the objects; equal ones do too), whole if none."""
    if not fact.readings:
        return []
    sources = fact.sources
    by_identity = {id(source): index for index, source in enumerate(sources)}
    documents: list[list[Any]] = []
    for reading in fact.readings:
        source = reading.source
        index = by_identity.get(id(source))
        if index is None:
            index = next((i for i, known in enumerate(sources) if known == source), None)
        documents.append(
            [
                codec.encode_figure(reading.figure),
                codec.encode_source(source) if index is None else index,
            ]
        )
    return documents


def fact_from_row(row: Row, sources: Sequence[Source]) -> Fact:
    """The fact a revision row stands for: its columns, its content (``content``, ``title``
    and ``summary``, joined from ``fact_contents``) and the first ``row["sources"]`` of
    ``sources``, the fact's."""
    try:
        count = row["sources"]
        if len(sources) < count:
            raise ValueError(f"{count} sources, {len(sources)} stored")
        held = tuple(sources[:count])
        content = {**document(row["content"]), **{name: row[name] for name in IN_COLUMNS}}
        return Fact(
            fact_id=row["fact_id"],
            content=codec.decode_content(content),
            sources=held,
            readings=tuple(
                FigureReading(
                    figure=codec.decode_figure(figure),
                    source=held[source] if type(source) is int else codec.decode_source(source),
                )
                for figure, source in document(row["readings"])
            ),
            status=FactStatus(row["status"]),
            revision=row["revision"],
        )
    except KeyError as error:
        raise UndecodableFact(f"fact {row['fact_id']}: missing {error.args[0]}") from error
    except (DomainError, IndexError, TypeError, ValueError) as error:
        raise UndecodableFact(f"fact {row['fact_id']}: {error}") from error


def sources_from_rows(rows: Iterable[Row]) -> dict[UUID, list[Source]]:
    """``fact_sources`` rows, in (fact id, index) order, as each fact's sources."""
    found: dict[UUID, list[Source]] = {}
    for row in rows:
        held = found.setdefault(row["fact_id"], [])
        if row["source_index"] != len(held):
            raise UndecodableFact(f"fact {row['fact_id']}: source {len(held)} is missing")
        source = decode_source(document(row["source"]))
        assert source is not None  # the column is NOT NULL
        held.append(source)
    return found


def interval(revision: FactRevision) -> tuple[Any, Any, Any, Any]:
    """The interval columns (known_from, known_until, recorded_from, recorded_until);
    datetimes in UTC, because SQLite stores them without a zone and compares them as text."""
    return (
        revision.known_from,
        revision.known_until,
        utc(revision.recorded_from),
        None if revision.recorded_until is None else utc(revision.recorded_until),
    )


def label_rows(revision: FactRevision) -> list[RowValues]:
    """The ``fact_labels`` rows of the content ``revision`` gave, if it gave one."""
    if revision.content_revision != revision.revision:
        return []
    fact_id, number = revision.fact_id, revision.revision
    return [(fact_id, number, facet, label) for facet, label in _labels(revision)]


def _labels(revision: FactRevision) -> list[tuple[str, str]]:
    """The (facet, label) pairs of ``revision``'s content."""
    content = revision.fact.content
    return [
        (facet, label)
        for facet, labels in zip(
            FACETS, (content.topics, content.actors, content.places), strict=True
        )
        for label in labels
    ]


def reading_rows(revision: FactRevision) -> list[RowValues]:
    rows = []
    for reading in readings_of(revision):
        figure = reading.figure
        quantity = figure.quantity
        bounds = quantity.bounds
        rows.append(
            (
                reading.fact_id,
                revision.revision,
                reading.reading_index,
                reading.position,
                utc(reading.recorded_at),
                *interval(revision),
                figure.measure,
                figure.period.text,
                figure.period.earliest,
                figure.period.latest,
                str(figure.basis),
                quantity.value,
                quantity.unit,
                str(quantity.qualifier),
                bounds.lower,
                bounds.lower_inclusive,
                bounds.upper,
                bounds.upper_inclusive,
                None if figure.equivalent is None else codec.encode_quantity(figure.equivalent),
                figure.span_days,
                reading.reported_on,
                codec.encode_source(reading.source),
            )
        )
    return rows


EVERY_FACT = ("", "")
"""The (facet, label) of ``DayChanges`` that counts every active fact: ``active_fact_changes``."""

DayChanges = Counter[tuple[str, str, dt.date]]
"""By how much the number of active facts changes on a day: of every fact (``EVERY_FACT``,
``active_fact_changes``) and of those with each label (``label_fact_changes``)."""


def active_changes(
    opened: Sequence[FactRevision], closed: Sequence[FactRevision] = (), *, labels: bool = True
) -> DayChanges:
    """What ``opened`` (new rows, closed or not) and ``closed`` (stored rows whose interval
    now ends) add to ``active_fact_changes`` and (if ``labels``) ``label_fact_changes``, by
    (facet, label) and day; days that sum to zero included."""
    changes: DayChanges = Counter()
    for revision in opened:
        if not revision.fact.is_retracted:
            for facet, label in _counted(revision, labels):
                changes[facet, label, revision.known_from] += 1
    for revision in (*opened, *closed):
        if not revision.fact.is_retracted and revision.known_until is not None:
            for facet, label in _counted(revision, labels):
                changes[facet, label, revision.known_until] -= 1
    return changes


def _counted(revision: FactRevision, labels: bool) -> list[tuple[str, str]]:
    """Where ``revision`` counts: among every fact, and under each label of its content."""
    return [EVERY_FACT, *_labels(revision)] if labels else [EVERY_FACT]


def day_change_rows(changes: DayChanges) -> dict[str, list[RowValues]]:
    """``changes`` as the rows of ``active_fact_changes`` and ``label_fact_changes``, by
    table name, in key order."""
    every: list[RowValues] = []
    labelled: list[RowValues] = []
    for (facet, label, day), change in sorted(changes.items()):
        if (facet, label) == EVERY_FACT:
            every.append((day, change))
        else:
            labelled.append((facet, label, day, change))
    return {"active_fact_changes": every, "label_fact_changes": labelled}


def measure_row(entry: RegisteredMeasure) -> RowValues:
    measure = entry.measure
    return (measure.key, measure.label, measure.unit, entry.position, utc(entry.recorded_from))


def named(table: sa.Table, rows: Sequence[RowValues]) -> list[dict[str, Any]]:
    """``rows`` of ``table`` as mappings by column name (for tests and reports)."""
    names = [column.name for column in table.columns]
    return [dict(zip(names, row, strict=True)) for row in rows]


def document(value: Any) -> Any:
    """A JSON column's value: reads that decode through ``DecodedRows`` select the columns
    as text, so that a row already decoded is never parsed; the others get it parsed."""
    return orjson.loads(value) if isinstance(value, str) else value


def revision_from_row(row: Row, sources: Sequence[Source]) -> FactRevision:
    """The revision a ``fact_revisions`` row (with its content) stands for, given its
    fact's sources (``sources_from_rows``)."""
    fact = fact_from_row(row, sources)
    held = fact.sources
    return FactRevision(
        fact=fact,
        revision=row["revision"],
        position=row["position"],
        event_type=row["event_type"],
        changed_fields=tuple(document(row["changed_fields"])),
        reason=row["reason"],
        source=held[source]
        if type(source := document(row["source"])) is int
        else decode_source(source),
        known_from=row["known_from"],
        recorded_from=utc(row["recorded_from"]),
        known_until=row["known_until"],
        recorded_until=None if row["recorded_until"] is None else utc(row["recorded_until"]),
        reading_origins=tuple(
            (int(position), utc(dt.datetime.fromisoformat(recorded_at)))
            for position, recorded_at in document(row["reading_origins"])
        ),
        content_revision=row["content_revision"],
    )


def reading_from_row(row: Row) -> Reading:
    """The reading a ``figure_readings`` row holds, trusted as a replay trusts the log: only
    the projection wrote it, from values already checked (``codec``)."""
    try:
        equivalent = document(row["equivalent"])
        figure = codec.figure_of(
            payloads.FigurePayload(
                measure=row["measure"],
                quantity=_quantity(row["value"], row["unit"], row["qualifier"]),
                basis=Basis(row["basis"]),
                period=row["period_edtf"],
                equivalent=None
                if equivalent is None
                else msgspec.convert(equivalent, type=payloads.QuantityPayload),
                span_days=row["span_days"],
            )
        )
        source = codec.decode_source(document(row["source"]))
    except (DomainError, KeyError, TypeError, ValueError) as error:
        raise UndecodableFact(f"reading of fact {row['fact_id']}: {error}") from error
    return _new_reading(
        fact_id=row["fact_id"],
        reading_index=row["reading_index"],
        figure=figure,
        source=source,
        reported_on=row["reported_on"],
        position=row["position"],
        recorded_at=utc(row["recorded_at"]),
    )


def _quantity(value: Any, unit: str, qualifier: str) -> payloads.QuantityPayload:
    # NUMERIC comes back a Decimal (PostgreSQL) or its text (SQLite); the payload keeps
    # the decimal's text, exactly.
    return payloads.QuantityPayload(value=str(value), unit=unit, qualifier=Qualifier(qualifier))


def measure_from_row(row: Row) -> RegisteredMeasure:
    return RegisteredMeasure(
        Measure(key=row["key"], label=row["label"], unit=row["unit"]),
        row["position"],
        utc(row["recorded_at"]),
    )


def mapping(row: sa.Row[Any]) -> Row:
    return row._mapping
