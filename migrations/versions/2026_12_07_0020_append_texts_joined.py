"""``timeline_append`` takes its four JSON texts joined, one argument each, not as arrays.

asyncpg writes an array argument's elements into a buffer of its own that grows by 1 KiB
at a time once past 64 KiB (``pgproto``'s ``WriteBuffer``), so the batch's payloads (about
830 KB for 1,000 corpus events) cost a reallocation of that buffer per payload: 1.49 µs an
element of the client's CPU against 0.13 for the same texts sent as one ``text`` (best of
30, 1,000 elements), and the heads, tails and metadata 0.3 each. The payloads, metadata,
content heads and tails are now each sent as one text, the events' texts joined by U+001F,
and split on the server with ``string_to_array``. No JSON text holds a raw U+001F (JSON
escapes every control character, and all four are JSON or fragments of it); should one
ever, its pieces would outnumber the events and the function refuses the append. The bytes
hashed, the rows written and everything else the function does are as in 0016.

SQLite hashes in Python: nothing changes there.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from timeline.store.migrations import revision_text

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ARRAYS = ("p_payloads", "p_metadatas", "p_befores", "p_afters")
_DATES_AND_TEXTS = (
    "text, integer, text, text, timestamptz, uuid[], text[], integer[], text[], date[], "
    "date[], text[], date[]"
)
_SIGNATURE_OF_0016 = f"timeline_append({_DATES_AND_TEXTS}, text[], text[], text[], text[])"
_SIGNATURE = f"timeline_append({_DATES_AND_TEXTS}, text, text, text, text)"
_SPLIT = "".join(
    f"    v{name[1:]} text[] := string_to_array({name}, E'\\x1f');\n" for name in _ARRAYS
)
_CHECK = (
    "    IF cardinality(v_payloads) <> v_count OR cardinality(v_metadatas) <> v_count\n"
    "       OR cardinality(v_befores) <> v_count OR cardinality(v_afters) <> v_count THEN\n"
    "        RAISE EXCEPTION 'timeline_append: % events but % payloads, % metadata, "
    "% heads and % tails', v_count, cardinality(v_payloads), cardinality(v_metadatas), "
    "cardinality(v_befores), cardinality(v_afters);\n"
    "    END IF;\n"
)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_SIGNATURE_OF_0016}")
        op.execute(_function())


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_SIGNATURE}")
        op.execute(_function_of_0016())


def _function() -> str:
    """0016's function, its four text arrays taken as texts joined by U+001F."""
    function = _function_of_0016().replace("CREATE OR REPLACE FUNCTION", "CREATE FUNCTION", 1)
    for name in _ARRAYS:
        declared = f"    {name} text[]"
        assert declared in function, f"0016's {name} is not as this migration expects"
        function = function.replace(declared, f"    {name} text", 1)
    declare, begin = function.split("\nBEGIN\n", 1)
    for name in _ARRAYS:  # past the signature, every use reads the split array
        begin = begin.replace(name, f"v{name[1:]}")
    return f"{declare}\n{_SPLIT}BEGIN\n{_CHECK}{begin}"


def _function_of_0016() -> str:
    """``timeline_append`` as revision 0016 leaves it."""
    text = revision_text("0016", "_HEAD_OR_SPLICED")
    whole = revision_text("0016", "_WHOLE_HEAD")
    of_0013 = (
        revision_text("0009", "_FUNCTION")
        .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        .replace("n.payload::jsonb, n.metadata::jsonb", "n.payload::json, n.metadata::json")
    )
    assert whole in of_0013, "0009's hashing is not as 0016 expects"
    return of_0013.replace(whole, text)
