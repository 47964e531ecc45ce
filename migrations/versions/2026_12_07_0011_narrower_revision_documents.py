"""Narrower revision documents: without the title and summary, and as text on PostgreSQL.

``fact_revisions.fact`` holds the whole fact at that revision, a few KB a row, and repeated
the title and summary that the row keeps in columns of their own (to filter on): 383 of its
1,599 bytes at 20,000 corpus events. They go, and readers put the columns back
(``timeline.store.read_models.rows.fact_from_row``).

On PostgreSQL ``fact``, ``source``, ``changed_fields`` and ``reading_origins`` were JSONB:
the server parsed every document on every write and printed it back on every read, though
no query looks inside them (readers select them as text and parse them themselves). As TEXT
a rebuild's COPY stores them as they come (``projection_tables.JSONText``). SQLite keeps
JSON as text already.

Every revision row is rewritten: minutes at a million events.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENTS = ("changed_fields", "source", "fact", "reading_origins")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "UPDATE fact_revisions"
            " SET fact = json_remove(fact, '$.content.title', '$.content.summary')"
        )
        return
    for column in _DOCUMENTS:
        op.alter_column(
            "fact_revisions",
            column,
            type_=sa.Text(),
            existing_type=JSONB(),
            postgresql_using=f"{column}::text",
        )
    op.execute(
        "UPDATE fact_revisions"
        " SET fact = (fact::jsonb #- '{content,title}' #- '{content,summary}')::text"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "UPDATE fact_revisions SET fact = json_set(fact,"
            " '$.content.title', title, '$.content.summary', summary)"
        )
        return
    op.execute(
        "UPDATE fact_revisions SET fact = jsonb_set(jsonb_set(fact::jsonb,"
        " '{content,title}', to_jsonb(title)), '{content,summary}', to_jsonb(summary))::text"
    )
    for column in _DOCUMENTS:
        op.alter_column(
            "fact_revisions",
            column,
            type_=JSONB(),
            existing_type=sa.Text(),
            postgresql_using=f"{column}::jsonb",
        )
