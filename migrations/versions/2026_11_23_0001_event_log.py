"""The event log: events, idempotency keys and the triggers that keep events immutable.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Events are facts: once written they are never changed or removed. The database refuses it
# itself, so neither a bug nor a hand-typed statement can rewrite history unnoticed (the
# hash chain catches what slips past a superuser who disables the triggers). PostgreSQL
# raises SQLSTATE 23001 (restrict_violation), which the store reports as IntegrityViolation.
_PG_FUNCTION = """
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on events is refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$
"""
_PG_OPERATIONS = ("UPDATE", "DELETE", "TRUNCATE")
_SQLITE_OPERATIONS = ("UPDATE", "DELETE")  # SQLite has no TRUNCATE


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_edtf", sa.Text(), nullable=True),
        sa.Column("occurred_earliest", sa.Date(), nullable=True),
        sa.Column("occurred_latest", sa.Date(), nullable=True),
        sa.Column("reported_edtf", sa.Text(), nullable=True),
        sa.Column("reported_latest", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "event_metadata",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("hash", sa.CHAR(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
        sa.UniqueConstraint(
            "stream_id", "stream_version", name=op.f("uq_events_stream_id_stream_version")
        ),
    )
    for column in ("occurred_earliest", "occurred_latest", "reported_latest"):
        op.create_index(op.f(f"ix_events_{column}"), "events", [column])

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("first_position", sa.BigInteger(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.CHAR(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )

    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for operation in _PG_OPERATIONS:
            op.execute(
                f"CREATE TRIGGER events_refuse_{operation.lower()} BEFORE {operation} ON events "
                "FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()"
            )
    else:
        for operation in _SQLITE_OPERATIONS:
            op.execute(
                f"CREATE TRIGGER events_refuse_{operation.lower()} BEFORE {operation} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'the event log is append-only: {operation} on events "
                "is refused'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for operation in _PG_OPERATIONS:
            op.execute(f"DROP TRIGGER events_refuse_{operation.lower()} ON events")
        op.execute("DROP FUNCTION events_refuse_change()")
    else:
        for operation in _SQLITE_OPERATIONS:
            op.execute(f"DROP TRIGGER events_refuse_{operation.lower()}")
    op.drop_table("idempotency_keys")
    for column in ("occurred_earliest", "occurred_latest", "reported_latest"):
        op.drop_index(op.f(f"ix_events_{column}"), table_name="events")
    op.drop_table("events")
