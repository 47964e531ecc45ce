"""Keep each period's first knowledge day, so that a total skips periods not known yet.

A running total as known at K read every period of its measure and sought, in each, the
latest state up to K: at a random K about half a measure's periods (244 of 502 at a million
events) had no reading known yet, and each still cost a seek. ``total_periods.first_known``
is the least known_from of the period's readings (readings are closed, never removed, so
it only ever moves earlier); the total's statement leaves out a period first known after K
without seeking its states. Filled here from the readings already projected.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERIOD = ("measure", "period_latest", "period_earliest", "basis", "span")


def upgrade() -> None:
    with op.batch_alter_table("total_periods") as batch:
        batch.add_column(sa.Column("first_known", sa.Date(), nullable=True))
    same_period = " AND ".join(f"r.{name} = total_periods.{name}" for name in _PERIOD)
    # Every period has a reading: its row is written with its first one.
    op.execute(
        "UPDATE total_periods SET first_known = "
        f"(SELECT min(r.known_from) FROM total_readings r WHERE {same_period})"
    )
    with op.batch_alter_table("total_periods") as batch:
        batch.alter_column("first_known", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("total_periods") as batch:
        batch.drop_column("first_known")
