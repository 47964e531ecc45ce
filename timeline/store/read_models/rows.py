"""Read-model rows to and from the pure projections' values.

A ``FactRevision`` is one ``fact_revisions`` row (the whole fact as JSON, plus the columns a
page filters and orders on), its ``fact_labels`` rows and one ``figure_readings`` row per
``Reading``. Reading a revision back needs its row alone, so it round-trips exactly: the
runner advances from revisions read back from SQL as the fold advances from its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import orjson
import sqlalchemy as sa

from timeline.application.read_models import PageKey
from timeline.domain.errors import DomainError
from timeline.domain.facts import Fact
from timeline.domain.measures import Measure
from timeline.domain.projections.readings import Reading, readings_of
from timeline.domain.projections.revisions import FactRevision, RegisteredMeasure
from timeline.domain.quantities import Basis, Qualifier
from timeline.domain.trusted import trusted
from timeline.store import codec, payloads
from timeline.store.fact_json import (
    UndecodableFact,
    decode_fact,
    decode_source,
    encode_fact,
    encode_source,
)
from timeline.store.sql.rows import utc

_new_reading = trusted(Reading)

Row = Mapping[Any, Any]

FACETS = ("topic", "actor", "place")
"""Label facets, each the singular of a ``FactContent`` field (topics, actors, places)."""


RowValues = tuple[Any, ...]
"""One row's values in its table's column order (``fact_revisions.columns`` and so on),
unbound: ``projection_writes.bound_rows`` turns them into what the driver gets."""


def revision_row(revision: FactRevision) -> RowValues:
    content = revision.fact.content
    occurred = content.occurred
    return (
        revision.fact_id,
        revision.revision,
        revision.position,
        revision.event_type,
        list(revision.changed_fields),
        revision.reason,
        encode_source(revision.source),
        *interval(revision),
        content.kind,
        str(revision.fact.status),
        occurred.text,
        occurred.earliest,
        occurred.latest,
        PageKey.of(revision).precision,
        content.title,
        content.summary,
        fact_document(revision.fact),
        [
            [position, utc(recorded_at).isoformat()]
            for position, recorded_at in revision.reading_origins
        ],
    )


IN_COLUMNS = ("title", "summary")
"""Parts of a fact's content that its revision row keeps in columns of their own (to filter
on), so not again in its document (migration 0011): 383 of its 1,599 bytes at 20,000
corpus events."""


def fact_document(fact: Fact) -> dict[str, Any]:
    """``fact`` as its revision row's ``fact`` document."""
    found = encode_fact(fact)
    content = found["content"]
    assert isinstance(content, dict)  # encode_content's
    for name in IN_COLUMNS:
        del content[name]
    return found


def fact_from_row(row: Row) -> Fact:
    """The fact a revision row holds: its document with the columns put back."""
    found = document(row["fact"])
    content = {**found["content"], **{name: row[name] for name in IN_COLUMNS}}
    return decode_fact({**found, "content": content})


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
    content = revision.fact.content
    fact_id, number = revision.fact_id, revision.revision
    return [
        (fact_id, number, facet, label)
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


def active_changes(
    opened: Sequence[FactRevision], closed: Sequence[FactRevision] = ()
) -> Counter[dt.date]:
    """What ``opened`` (new rows, closed or not) and ``closed`` (stored rows whose interval
    now ends) add to ``active_fact_changes``, by day; days that sum to zero included."""
    changes: Counter[dt.date] = Counter()
    for revision in opened:
        if not revision.fact.is_retracted:
            changes[revision.known_from] += 1
    for revision in (*opened, *closed):
        if not revision.fact.is_retracted and revision.known_until is not None:
            changes[revision.known_until] -= 1
    return changes


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


def revision_from_row(row: Row) -> FactRevision:
    return FactRevision(
        fact=fact_from_row(row),
        revision=row["revision"],
        position=row["position"],
        event_type=row["event_type"],
        changed_fields=tuple(document(row["changed_fields"])),
        reason=row["reason"],
        source=decode_source(document(row["source"])),
        known_from=row["known_from"],
        recorded_from=utc(row["recorded_from"]),
        known_until=row["known_until"],
        recorded_until=None if row["recorded_until"] is None else utc(row["recorded_until"]),
        reading_origins=tuple(
            (int(position), utc(dt.datetime.fromisoformat(recorded_at)))
            for position, recorded_at in document(row["reading_origins"])
        ),
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
