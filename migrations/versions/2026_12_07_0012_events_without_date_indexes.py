"""Drop the events table's three date indexes: no query reads them, every append pays them.

Revision 0001 indexed ``occurred_earliest``, ``occurred_latest`` and ``reported_latest`` on
the log, but every read of the log goes by position or by stream (``read_all``,
``read_stream``, the head); questions about dates are answered by the read models, which
have indexes of their own (``fact_revisions``). Each index is one more b-tree insertion per
event at a random place (dates do not follow positions): half of the six an event cost, and
on SQLite one more page in the WAL of every commit.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("occurred_earliest", "occurred_latest", "reported_latest")


def upgrade() -> None:
    for column in _COLUMNS:
        op.drop_index(f"ix_events_{column}", table_name="events")


def downgrade() -> None:
    for column in _COLUMNS:
        op.create_index(f"ix_events_{column}", "events", [column])
