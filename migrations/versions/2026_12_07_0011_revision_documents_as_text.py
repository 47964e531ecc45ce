"""Keep a revision's JSON documents on PostgreSQL as the text they were written as.

``fact_revisions.fact`` (the whole fact at that revision, a few KB), ``source``,
``changed_fields`` and ``reading_origins`` were JSONB: the server parsed every document on
every write and printed it back on every read, though no query looks inside them (readers
select them as text and parse them themselves). As TEXT a rebuild's COPY stores them as
they come (``timeline.store.sql.projection_tables.JSONText``). SQLite keeps JSON as text
already: nothing changes there.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENTS = ("changed_fields", "source", "fact", "reading_origins")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in _DOCUMENTS:
        op.alter_column(
            "fact_revisions",
            column,
            type_=sa.Text(),
            existing_type=JSONB(),
            postgresql_using=f"{column}::text",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in _DOCUMENTS:
        op.alter_column(
            "fact_revisions",
            column,
            type_=JSONB(),
            existing_type=sa.Text(),
            postgresql_using=f"{column}::jsonb",
        )
