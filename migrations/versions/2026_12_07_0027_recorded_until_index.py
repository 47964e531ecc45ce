"""Find the revisions superseded at or after a time from one index.

A timeline page read as recorded now is pinned to the request's clock. Its total, for every
active fact or the facts of one label, is the sum of day counts kept for readers after every
row's recorded time; under load the projector has often written a later revision by the time
the page is read, and the page then counted every match (the soak's page statements grew
from about 1 to 6-23 ms over five minutes). The sum is now corrected by the revisions
recorded at or after the pin (``ix_fact_revisions_recorded_from``) and those superseded at
or after it, which this index finds without a scan (bench/README item 53).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_fact_revisions_recorded_until", "fact_revisions", ["recorded_until"])


def downgrade() -> None:
    op.drop_index("ix_fact_revisions_recorded_until", table_name="fact_revisions")
