"""The read models: fact revisions, their labels and figure readings, measures, checkpoints.

They are caches of the pure folds in ``timeline.domain.projections``: dropping their rows
and running ``timeline projections rebuild`` recreates them from the log, so downgrading
loses nothing that the events do not hold.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Exact decimals: NUMERIC on PostgreSQL, fixed-point text on SQLite (whose NUMERIC affinity
# would round them through a float).
_DECIMAL = sa.Numeric().with_variant(sa.Text(), "sqlite")
_INSTANT = sa.DateTime(timezone=True)


def _interval() -> list[sa.Column[object]]:
    return [
        sa.Column("known_from", sa.Date(), nullable=False),
        sa.Column("known_until", sa.Date(), nullable=True),
        sa.Column("recorded_from", _INSTANT, nullable=False),
        sa.Column("recorded_until", _INSTANT, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "fact_revisions",
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("changed_fields", _JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", _JSON, nullable=True),
        *_interval(),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("occurred_edtf", sa.Text(), nullable=False),
        sa.Column("occurred_earliest", sa.Date(), nullable=False),
        sa.Column("occurred_latest", sa.Date(), nullable=False),
        sa.Column("occurred_precision", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("fact", _JSON, nullable=False),
        sa.Column("reading_origins", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("fact_id", "revision", name=op.f("pk_fact_revisions")),
    )
    op.create_index("ix_fact_revisions_known_from", "fact_revisions", ["known_from"])
    op.create_index(
        "ix_fact_revisions_page",
        "fact_revisions",
        ["occurred_earliest", "occurred_precision", "fact_id"],
    )

    op.create_table(
        "fact_labels",
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "fact_id", "revision", "facet", "label", name=op.f("pk_fact_labels")
        ),
    )
    op.create_index("ix_fact_labels_facet", "fact_labels", ["facet", "label"])

    op.create_table(
        "figure_readings",
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reading_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", _INSTANT, nullable=False),
        *_interval(),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("period_edtf", sa.Text(), nullable=False),
        sa.Column("period_earliest", sa.Date(), nullable=False),
        sa.Column("period_latest", sa.Date(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("value", _DECIMAL, nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("qualifier", sa.Text(), nullable=False),
        sa.Column("lower", _DECIMAL, nullable=True),
        sa.Column("lower_inclusive", sa.Boolean(), nullable=False),
        sa.Column("upper", _DECIMAL, nullable=True),
        sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
        sa.Column("equivalent", _JSON, nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("source", _JSON, nullable=False),
        sa.PrimaryKeyConstraint(
            "fact_id", "revision", "reading_index", name=op.f("pk_figure_readings")
        ),
    )
    op.create_index("ix_figure_readings_measure", "figure_readings", ["measure", "known_from"])

    op.create_table(
        "measures",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", _INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_measures")),
    )

    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("projection_checkpoints")
    op.drop_table("measures")
    op.drop_index("ix_figure_readings_measure", table_name="figure_readings")
    op.drop_table("figure_readings")
    op.drop_index("ix_fact_labels_facet", table_name="fact_labels")
    op.drop_table("fact_labels")
    op.drop_index("ix_fact_revisions_page", table_name="fact_revisions")
    op.drop_index("ix_fact_revisions_known_from", table_name="fact_revisions")
    op.drop_table("fact_revisions")
