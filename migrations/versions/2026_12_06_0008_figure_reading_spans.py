"""Keep a reading's span: a figure over a period of known length inside its period.

"Nearly 2,000 came last week", published some day in October, is 7 days somewhere inside
2025-09-22/2025-10-30 (``timeline.domain.figures.Figure.span_days``). ``figure_readings``
keeps the span beside the period, so that a reading read back from SQL is the reading the
fold holds. Every row before this migration covers its whole period, which is what NULL
says, so nothing needs filling in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("figure_readings", sa.Column("span_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("figure_readings") as batch:
        batch.drop_column("span_days")
