"""``timeline_append`` hashes on the server: an append is one call, whatever else writes.

Revision 0004's function could not hash, so its caller hashed against the head it believed
current and the function answered ``stale`` when another writer had moved the head since:
a cached head in each process, retries, and a transaction to fall back on. PostgreSQL has
``sha256()``, so this version takes each event's canonical content in two parts, the text
before its position and the text after its ``recorded_at`` (``chain.content_parts``), and
under the append lock splices in the position (head + n) and ``recorded_at`` (the caller's
clock held to the head's, so that it never decreases), hashes each event against the one
before, and writes. The bytes hashed are exactly ``chain.canonical_content``'s, so logs
written by either version verify alike (``timeline verify``).

The rest is as in 0004: the advisory lock, an idempotency key answered before the version
is checked, the version check, the insert, the key, and ``NOTIFY timeline_events`` with the
last position. The function refuses to run at any isolation but READ COMMITTED (the engine
pins every session to it), where the head read after the lock sees the commit that
released it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from timeline.store.migrations import revision_text

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_SIGNATURE = (
    "timeline_append(text, integer, bigint, text, text, text, timestamptz, uuid[], text[], "
    "integer[], text[], date[], date[], text[], date[], text[], text[], text[])"
)

# The lock key is the store's APPEND_LOCK_KEY: the ASCII bytes of "timeline" as a bigint.
# Inputs are p_*, outputs r_*, so that no name can be read as one of the tables' columns.
_FUNCTION = r"""
CREATE FUNCTION timeline_append(
    p_stream_id text,
    p_expected_version integer,
    p_key text,
    p_fingerprint text,
    p_now timestamptz,
    p_event_ids uuid[],
    p_event_types text[],
    p_schema_versions integer[],
    p_occurred_edtfs text[],
    p_occurred_earliests date[],
    p_occurred_latests date[],
    p_reported_edtfs text[],
    p_reported_latests date[],
    p_payloads text[],
    p_metadatas text[],
    p_befores text[],
    p_afters text[]
) RETURNS TABLE (
    r_outcome text,
    r_first_position bigint,
    r_last_position bigint,
    r_recorded_at timestamptz,
    r_stream_version integer,
    r_stream_id text,
    r_fingerprint text
) LANGUAGE plpgsql AS $$
DECLARE
    v_position bigint;
    v_hash text;
    v_recorded_at timestamptz;
    v_version integer;
    v_key record;
    v_count integer := coalesce(cardinality(p_event_ids), 0);
    v_time text;
    v_hashes text[] := '{}';
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'timeline_append needs READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    PERFORM pg_advisory_xact_lock(8388356063332232805);

    -- The key is answered before the version is checked: a retry of an append that
    -- committed must get its result back, although the stream has moved on since.
    IF p_key IS NOT NULL THEN
        SELECT k.stream_id, k.first_position, k.last_position, k.stream_version,
               k.fingerprint, k.recorded_at
          INTO v_key FROM idempotency_keys k WHERE k.key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'replayed', v_key.first_position, v_key.last_position,
                v_key.recorded_at, v_key.stream_version, v_key.stream_id,
                v_key.fingerprint::text;
            RETURN;
        END IF;
    END IF;

    SELECT coalesce(max(e.stream_version), 0) INTO v_version
      FROM events e WHERE e.stream_id = p_stream_id;
    IF v_version <> p_expected_version THEN
        RETURN QUERY SELECT 'conflict', NULL::bigint, NULL::bigint, NULL::timestamptz,
            v_version, NULL, NULL;
        RETURN;
    END IF;

    SELECT e.position, e.hash, e.recorded_at INTO v_position, v_hash, v_recorded_at
      FROM events e ORDER BY e.position DESC LIMIT 1;
    IF NOT FOUND THEN
        v_position := 0;
        v_hash := repeat('0', 64);  -- the genesis hash
    END IF;
    v_recorded_at := greatest(p_now, v_recorded_at);  -- greatest() ignores a NULL
    -- Python's isoformat(timespec="microseconds") of the time in UTC (chain.utc_iso).
    v_time := to_char(v_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
        || '+00:00';
    FOR n IN 1 .. v_count LOOP
        v_hash := encode(sha256(convert_to(
            v_hash || E'\n' || p_befores[n] || (v_position + n)::text
                || ',"recorded_at":"' || v_time || '",' || p_afters[n],
            'UTF8')), 'hex');
        v_hashes[n] := v_hash;
    END LOOP;

    INSERT INTO events (
        position, event_id, stream_id, stream_version, event_type, schema_version,
        occurred_edtf, occurred_earliest, occurred_latest, reported_edtf, reported_latest,
        recorded_at, payload, event_metadata, hash
    )
    SELECT v_position + n.ordinal, n.event_id, p_stream_id,
           v_version + n.ordinal::integer, n.event_type, n.schema_version,
           n.occurred_edtf, n.occurred_earliest, n.occurred_latest, n.reported_edtf,
           n.reported_latest, v_recorded_at, n.payload::jsonb, n.metadata::jsonb, n.hash
      FROM unnest(
            p_event_ids, p_event_types, p_schema_versions, p_occurred_edtfs,
            p_occurred_earliests, p_occurred_latests, p_reported_edtfs, p_reported_latests,
            p_payloads, p_metadatas, v_hashes
           ) WITH ORDINALITY AS n(
            event_id, event_type, schema_version, occurred_edtf, occurred_earliest,
            occurred_latest, reported_edtf, reported_latest, payload, metadata, hash, ordinal
           )
     ORDER BY n.ordinal;

    IF p_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (
            key, stream_id, first_position, last_position, stream_version, fingerprint,
            recorded_at
        ) VALUES (
            p_key, p_stream_id, v_position + 1, v_position + v_count,
            v_version + v_count, p_fingerprint, v_recorded_at
        );
    END IF;
    PERFORM pg_notify('timeline_events', (v_position + v_count)::text);
    RETURN QUERY SELECT 'appended', v_position + 1, v_position + v_count, v_recorded_at,
        v_version + v_count, p_stream_id, NULL;
END;
$$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_OLD_SIGNATURE}")
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION timeline_append(text, integer, text, text, timestamptz, uuid[], "
            "text[], integer[], text[], date[], date[], text[], date[], text[], text[], "
            "text[], text[])"
        )
        op.execute(_function_of_0004())


def _function_of_0004() -> str:
    """Revision 0004's function, as that revision creates it."""
    return revision_text("0004", "_FUNCTION")
