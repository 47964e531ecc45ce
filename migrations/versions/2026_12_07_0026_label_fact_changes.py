"""Count the active facts of each label by knowledge day, as ``active_fact_changes`` counts
them all.

A timeline page filtered by one label (the soak's: the topic "funding", as known at a day)
counted every matching revision for its total, visiting each through the labels' index: the
one statement of the soak that grew with the log (1.6 → 25 ms mean over five minutes,
bench/README item 52). ``label_fact_changes`` holds, for each (facet, label), +1 on the
known_from of every ACTIVE revision whose content has it and -1 on its known_until; read as
recorded now, such a page's total is the sum of its label's days up to K.

Filled here from the revisions and their content's labels, as a rebuild writes it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "label_fact_changes",
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("known_on", sa.Date(), nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "label", "known_on", name=op.f("pk_label_fact_changes")),
    )
    # A day keeps its row when its changes sum to zero, as the projection's batches leave it.
    op.execute(
        """
        INSERT INTO label_fact_changes (facet, label, known_on, change)
        SELECT l.facet, l.label, d.known_on, sum(d.change)
        FROM (
            SELECT fact_id, content_revision, known_from AS known_on, 1 AS change
            FROM fact_revisions WHERE status = 'ACTIVE'
            UNION ALL
            SELECT fact_id, content_revision, known_until, -1
            FROM fact_revisions WHERE status = 'ACTIVE' AND known_until IS NOT NULL
        ) AS d
        JOIN fact_labels AS l ON l.fact_id = d.fact_id AND l.revision = d.content_revision
        GROUP BY l.facet, l.label, d.known_on
        """
    )


def downgrade() -> None:
    op.drop_table("label_fact_changes")
