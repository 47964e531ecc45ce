"""The event log's tables as SQLAlchemy Core objects.

These describe the schema for queries and for ``alembic check``; the database itself is only
ever created by the migrations in ``migrations/versions``, which must match these objects.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

# Explicit constraint names, identical on SQLite and PostgreSQL, so that migrations can
# refer to them and batch mode on SQLite can recreate them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# On SQLite an INTEGER PRIMARY KEY is the rowid itself (one b-tree instead of two), and
# SQLite integers are 64-bit anyway; PostgreSQL needs BIGINT to outgrow two billion events.
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")
# The log keeps JSON as the text it was sent on both backends (``json`` on PostgreSQL, not
# ``jsonb``: migration 0013): it is only ever read back whole, as text.
LoggedJSON = sa.JSON()

events = sa.Table(
    "events",
    metadata,
    # Assigned by the store as head + 1 under the append lock, never by a sequence, so
    # positions are gapless and follow commit order (see timeline.store.sql.recorder).
    sa.Column("position", Position, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
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
    sa.Column("payload", LoggedJSON, nullable=False),
    sa.Column("event_metadata", LoggedJSON, nullable=False),
    sa.Column("hash", sa.CHAR(64), nullable=False),
    # Doubles as the index that serves read_stream and the stream's current version.
    sa.UniqueConstraint("stream_id", "stream_version"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("stream_id", sa.Text(), nullable=False),
    sa.Column("first_position", sa.BigInteger(), nullable=False),
    sa.Column("last_position", sa.BigInteger(), nullable=False),
    sa.Column("stream_version", sa.Integer(), nullable=False),
    # SHA-256 of the append's content without event ids or metadata, so that a retry
    # which rebuilt its events with fresh ids is still recognised as the same append.
    sa.Column("fingerprint", sa.CHAR(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
