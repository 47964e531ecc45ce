"""PostgreSQL keeps the log's payload and metadata as ``json``, the text as it was sent.

The log stores each payload's canonical text and reads it back only as text
(``payload::text``, decoded by the codec), and no query looks inside it: the read models
have tables of their own. As ``jsonb`` the server parsed every payload into its binary tree
on insert and printed it back to text on every read, about a third of ``timeline_append``'s
server time in batches of 1,000 (payloads of about 830 bytes). ``json`` checks the text is
JSON and keeps it as it is. The hashes are untouched: they cover the canonical text the
caller sends, whichever type keeps it, and a log read back verifies alike.

``timeline_append`` (0009) is the same function but for the two casts of its insert. SQLite
keeps JSON as text already: nothing changes there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from timeline.store.migrations import revision_text

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("payload", "event_metadata")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _retype("json")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _retype("jsonb")


def _retype(kind: str) -> None:
    changes = ", ".join(f"ALTER COLUMN {c} TYPE {kind} USING {c}::{kind}" for c in _COLUMNS)
    op.execute(f"ALTER TABLE events {changes}")
    function = revision_text("0009", "_FUNCTION").replace(
        "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
    )
    old_casts = "n.payload::jsonb, n.metadata::jsonb"
    assert old_casts in function, "0009's insert is not as this migration expects"
    op.execute(function.replace(old_casts, f"n.payload::{kind}, n.metadata::{kind}"))
