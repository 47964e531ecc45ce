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


def revision_row(revision: FactRevision) -> dict[str, Any]:
    content = revision.fact.content
    occurred = content.occurred
    return {
        "fact_id": revision.fact_id,
        "revision": revision.revision,
        "position": revision.position,
        "event_type": revision.event_type,
        "changed_fields": list(revision.changed_fields),
        "reason": revision.reason,
        "source": encode_source(revision.source),
        **interval(revision),
        "kind": content.kind,
        "status": str(revision.fact.status),
        "occurred_edtf": occurred.text,
        "occurred_earliest": occurred.earliest,
        "occurred_latest": occurred.latest,
        "occurred_precision": PageKey.of(revision).precision,
        "title": content.title,
        "summary": content.summary,
        "fact": encode_fact(revision.fact),
        "reading_origins": [
            [position, utc(recorded_at).isoformat()]
            for position, recorded_at in revision.reading_origins
        ],
    }


def interval(revision: FactRevision) -> dict[str, Any]:
    """The interval columns; datetimes in UTC, because SQLite stores them without a zone
    and compares them as text."""
    return {
        "known_from": revision.known_from,
        "known_until": revision.known_until,
        "recorded_from": utc(revision.recorded_from),
        "recorded_until": None if revision.recorded_until is None else utc(revision.recorded_until),
    }


def label_rows(revision: FactRevision) -> list[dict[str, Any]]:
    content = revision.fact.content
    return [
        {"fact_id": revision.fact_id, "revision": revision.revision, "facet": facet, "label": label}
        for facet, labels in zip(
            FACETS, (content.topics, content.actors, content.places), strict=True
        )
        for label in labels
    ]


def reading_rows(revision: FactRevision) -> list[dict[str, Any]]:
    rows = []
    for reading in readings_of(revision):
        figure = reading.figure
        bounds = figure.quantity.bounds
        rows.append(
            {
                "fact_id": reading.fact_id,
                "revision": revision.revision,
                "reading_index": reading.reading_index,
                "position": reading.position,
                "recorded_at": utc(reading.recorded_at),
                **interval(revision),
                "measure": figure.measure,
                "period_edtf": figure.period.text,
                "period_earliest": figure.period.earliest,
                "period_latest": figure.period.latest,
                "basis": str(figure.basis),
                "value": figure.quantity.value,
                "unit": figure.quantity.unit,
                "qualifier": str(figure.quantity.qualifier),
                "lower": bounds.lower,
                "lower_inclusive": bounds.lower_inclusive,
                "upper": bounds.upper,
                "upper_inclusive": bounds.upper_inclusive,
                "equivalent": None
                if figure.equivalent is None
                else codec.encode_quantity(figure.equivalent),
                "span_days": figure.span_days,
                "reported_on": reading.reported_on,
                "source": codec.encode_source(reading.source),
            }
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


def measure_row(entry: RegisteredMeasure) -> dict[str, Any]:
    return {
        "key": entry.measure.key,
        "label": entry.measure.label,
        "unit": entry.measure.unit,
        "position": entry.position,
        "recorded_at": utc(entry.recorded_from),
    }


def document(value: Any) -> Any:
    """A JSON column's value: reads that decode through ``DecodedRows`` select the columns
    as text, so that a row already decoded is never parsed; the others get it parsed."""
    return orjson.loads(value) if isinstance(value, str) else value


def revision_from_row(row: Row) -> FactRevision:
    return FactRevision(
        fact=decode_fact(document(row["fact"])),
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
