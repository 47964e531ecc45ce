"""``timeline_append`` takes each payload once: the content head may stop at its payload.

Each event's canonical content head (``chain.content_head``) ends with its payload and the
position's key, ``..."payload":<payload>,"position":``, and the payload is also sent on its
own for its column: about 830 bytes an event of the corpus sent twice, encoded into a
second text array by asyncpg (5.5-5.8 µs an event of the client's CPU in batches of 1,000)
and received, checked and unpacked by the server (7.5-13 µs an event of its CPU). A head
that stops right after ``"payload":`` now gets the payload argument and the position's key
spliced back in on the server; a whole head (which ends with ``"position":``) is taken as
it is, as before. The bytes hashed are the same either way, so the chain is unchanged. The
store sends the shorter head whenever the payload column holds the canonical text (every
event the codec writes); a payload stored in another spelling (integral floats, keys that
are not strings) keeps its whole head.

SQLite hashes in Python: nothing changes there.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from timeline.store.migrations import revision_text

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHOLE_HEAD = "v_hash || E'\\n' || p_befores[n] || (v_position + n)::text"
_HEAD_OR_SPLICED = (
    "v_hash || E'\\n' || CASE WHEN right(p_befores[n], 10) = '\"payload\":' "
    "THEN p_befores[n] || p_payloads[n] || ',\"position\":' ELSE p_befores[n] END "
    "|| (v_position + n)::text"
)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        function = _function_of_0013()
        assert _WHOLE_HEAD in function, "0009's hashing is not as this migration expects"
        op.execute(function.replace(_WHOLE_HEAD, _HEAD_OR_SPLICED))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_function_of_0013())


def _function_of_0013() -> str:
    """``timeline_append`` as revision 0013 leaves it: 0009's, inserting ``json``."""
    return (
        revision_text("0009", "_FUNCTION")
        .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        .replace("n.payload::jsonb, n.metadata::jsonb", "n.payload::json, n.metadata::json")
    )
