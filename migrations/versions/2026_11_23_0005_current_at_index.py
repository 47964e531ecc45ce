"""Count the revisions current at a knownAt from one index.

A timeline page reports how many facts match as known at K: every revision with
``known_from <= K`` is a candidate, and whether it is still current is decided by its
``known_until``, ``recorded_from``, ``recorded_until`` and ``status``. With only
``known_from`` indexed, each candidate cost a visit to the table row, half the table for a K
in the middle of the log. This index holds all five columns, so the count reads the index
alone (SQLite: a covering index; PostgreSQL: an index-only scan once the table is vacuumed,
which a rebuild does before its swap). It replaces ``ix_fact_revisions_known_from``, its
first column, which served only that range.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_fact_revisions_known",
        "fact_revisions",
        ["known_from", "known_until", "recorded_from", "recorded_until", "status"],
    )
    op.drop_index("ix_fact_revisions_known_from", table_name="fact_revisions")


def downgrade() -> None:
    op.create_index("ix_fact_revisions_known_from", "fact_revisions", ["known_from"])
    op.drop_index("ix_fact_revisions_known", table_name="fact_revisions")
