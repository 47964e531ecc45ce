"""The API tokens table, on the event log's MetaData so that ``alembic check`` covers it.

Created by migration 0003; it holds no secret, only each token's SHA-256
(see ``timeline.application.tokens``).
"""

from __future__ import annotations

import sqlalchemy as sa

from timeline.store.sql.tables import metadata

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("name", sa.Text(), primary_key=True),
    sa.Column("token_id", sa.Text(), nullable=False, unique=True),
    sa.Column("token_hash", sa.CHAR(64), nullable=False),
    sa.Column("role", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)
