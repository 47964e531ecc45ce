"""Find the latest recorded_from of the revisions from one index.

A page read "as recorded now" is the same page for every recordedBefore later than the
latest row's recorded time, so readers keep such pages by read-model position
(``timeline.store.read_models.settled_pages``). Telling whether a recordedBefore is that late needs
``max(recorded_from)``, which without this index is a scan of the whole table (a million
rows at a million events) each time the read models move.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_fact_revisions_recorded_from", "fact_revisions", ["recorded_from"])


def downgrade() -> None:
    op.drop_index("ix_fact_revisions_recorded_from", table_name="fact_revisions")
