"""Announce the read models' moves from their checkpoints' own commit.

The projector's leader used to NOTIFY ``timeline_projected`` on a connection of its own
after each batch had committed: one more round trip per batch, during which the readers
waiting for the batch slept and the next batch could not start. A statement trigger on
``projection_checkpoints`` NOTIFYs instead, with the least position the statement wrote,
inside the batch's transaction; PostgreSQL delivers it when (and only if) that transaction
commits. Every writer of checkpoints (the projector's batches, a rebuild's swap, a
one-shot catch-up of the CLI) announces the same way. SQLite has no notifications: its
readers poll the checkpoints, as before.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATEMENTS = ("INSERT", "UPDATE")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION timeline_announce_projected() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            reached bigint := (SELECT min(position) FROM moved);
        BEGIN
            -- An upsert fires the insert's trigger and the update's, one of them on no rows.
            IF reached IS NOT NULL THEN
                PERFORM pg_notify('timeline_projected', reached::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    # A statement trigger sees one statement's rows through a transition table, and a
    # transition table belongs to one event: one trigger for inserts, one for updates.
    for event in _STATEMENTS:
        op.execute(
            f"CREATE TRIGGER projection_checkpoints_announce_{event.lower()} "
            f"AFTER {event} ON projection_checkpoints REFERENCING NEW TABLE AS moved "
            "FOR EACH STATEMENT EXECUTE FUNCTION timeline_announce_projected()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for event in _STATEMENTS:
        op.execute(
            f"DROP TRIGGER projection_checkpoints_announce_{event.lower()} "
            "ON projection_checkpoints"
        )
    op.execute("DROP FUNCTION timeline_announce_projected()")
