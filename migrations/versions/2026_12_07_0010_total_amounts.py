"""Keep each period's state over knowledge days, so that a running total reads one per period.

A running total as known at a day read every reading current then (up to 11,900 at a
million events) and summed them in Python. The timeline projection now also keeps
``total_readings`` (the readings keyed by period), ``total_periods`` (each period's units)
and ``total_amounts`` (each period's state on each stretch of knowledge days,
``timeline.domain.projections.settled_periods``). The tables are filled from the readings
already projected, by the same code the projection writes them with.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DECIMAL = sa.Numeric().with_variant(sa.Text(), "sqlite")
_PERIOD = ("measure", "period_latest", "period_earliest", "basis", "span")
_BATCH = 5_000


def _period_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("period_latest", sa.Date(), nullable=False),
        sa.Column("period_earliest", sa.Date(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False, autoincrement=False),
    ]


def upgrade() -> None:
    op.create_table(
        "total_readings",
        *_period_columns(),
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("reading_index", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("known_from", sa.Date(), nullable=False),
        sa.Column("known_until", sa.Date(), nullable=True),
        sa.Column("reading", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            *_PERIOD, "fact_id", "revision", "reading_index", name=op.f("pk_total_readings")
        ),
    )
    op.create_table(
        "total_periods",
        *_period_columns(),
        sa.Column("units", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(*_PERIOD, name=op.f("pk_total_periods")),
    )
    op.create_table(
        "total_amounts",
        *_period_columns(),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("known_from", sa.Date(), nullable=False),
        sa.Column("known_until", sa.Date(), nullable=True),
        sa.Column("value", _DECIMAL, nullable=False),
        sa.Column("lower", _DECIMAL, nullable=True),
        sa.Column("lower_inclusive", sa.Boolean(), nullable=False),
        sa.Column("upper", _DECIMAL, nullable=True),
        sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
        sa.Column("contested", sa.Boolean(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("readings", sa.Text(), nullable=False),
        sa.Column("conflict", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(*_PERIOD, "unit", "known_from", name=op.f("pk_total_amounts")),
    )
    _fill(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    # The projection's own code: these rows are a function of the readings projected so far.
    from timeline.store.read_models.rows import reading_from_row
    from timeline.store.read_models.tables import (
        figure_readings,
        total_amounts,
        total_periods,
        total_readings,
    )
    from timeline.store.read_models.total_rows import total_rows

    known = [
        (reading_from_row(row._mapping), row.revision, row.known_from, row.known_until)
        for row in conn.execute(sa.select(figure_readings))
    ]
    found = total_rows(known)
    for table in (total_readings, total_periods, total_amounts):
        # The columns this revision made: later ones add theirs, and fill them themselves.
        made = {column["name"] for column in sa.inspect(conn).get_columns(table.name)}
        rows = [
            {name: value for name, value in row.items() if name in made}
            for row in found[table.name]
        ]
        for start in range(0, len(rows), _BATCH):
            conn.execute(table.insert(), rows[start : start + _BATCH])


def downgrade() -> None:
    op.drop_table("total_amounts")
    op.drop_table("total_periods")
    op.drop_table("total_readings")
