"""Read-model rows bound for the driver: the faster binders against each type's own.

``projection_writes.processor`` replaces SQLAlchemy's bind processor for JSON and for
SQLite's dates; whatever it binds must be what the type's own processor gives, byte for byte,
and a whole row bound column by column must be each value bound alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg

from tests.unit.domain_strategies import UNHURRIED, logs
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import fold
from timeline.store.read_models.rows import (
    content_rows,
    label_rows,
    reading_rows,
    revision_row,
    source_rows,
)
from timeline.store.read_models.tables import (
    fact_contents,
    fact_labels,
    fact_revisions,
    fact_sources,
    figure_readings,
)
from timeline.store.read_models.writes import bound_rows, processor
from timeline.store.sql.rows import json_serializer

# As the stores' engines make them (``timeline.store.sql.sqlite``, ``postgres``).
DIALECTS = (
    sqlite.dialect(json_serializer=json_serializer),
    asyncpg.dialect(json_serializer=json_serializer),  # type: ignore[no-untyped-call]
)
ZONES = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5))])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def _standard(column: sa.Column[Any], dialect: sa.Dialect) -> Any:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _columns(kind: type[sa.types.TypeEngine[Any]]) -> list[sa.Column[Any]]:
    tables = (fact_revisions, figure_readings)
    return [c for table in tables for c in table.columns if isinstance(c.type, kind)]


@given(value=st.none() | st.dates())
def test_a_sqlite_date_binds_as_the_type_binds_it(value: dt.date | None) -> None:
    dialect = DIALECTS[0]
    for column in _columns(sa.Date):
        fast = processor(column, dialect)
        assert fast is not None
        assert fast(value) == _standard(column, dialect)(value)


@given(value=st.none() | st.datetimes(timezones=ZONES))
def test_a_sqlite_datetime_binds_as_the_type_binds_it(value: dt.datetime | None) -> None:
    dialect = DIALECTS[0]
    for column in _columns(sa.DateTime):
        fast = processor(column, dialect)
        assert fast is not None
        assert fast(value) == _standard(column, dialect)(value)


@given(value=JSON_VALUES)
def test_a_json_value_binds_as_the_type_binds_it(value: Any) -> None:
    for dialect in DIALECTS:
        for column in _columns(sa.JSON):
            fast = processor(column, dialect)
            assert fast is not None
            assert fast(value) == _standard(column, dialect)(value)


@UNHURRIED
@given(log=logs())
def test_rows_bound_column_by_column_are_each_value_bound_alone(log: list[LoggedEvent]) -> None:
    revisions = [revision for stream in fold(log).revisions.values() for revision in stream]
    made = {
        fact_revisions: [revision_row(r) for r in revisions],
        fact_contents: [row for r in revisions for row in content_rows(r)],
        fact_labels: [row for r in revisions for row in label_rows(r)],
        fact_sources: [row for r in revisions for row in source_rows(r)],
        figure_readings: [row for r in revisions for row in reading_rows(r)],
    }
    for dialect in DIALECTS:
        for table, rows in made.items():
            binds = [_standard(column, dialect) for column in table.columns]
            expected = [
                tuple(v if bind is None else bind(v) for bind, v in zip(binds, row, strict=True))
                for row in rows
            ]
            assert bound_rows(table, dialect, rows) == expected
