"""The append in one statement on PostgreSQL: ``timeline_append``.

The function does, in one call and so in one round trip, what an append's transaction does
statement by statement (see ``timeline.store.sql.recorder``): take the append lock, answer
an idempotency key already used, check the stream's version, read the head, insert the
events and the key, and announce the new head. It cannot hash, so the caller sends the
events hashed against the head it believes is current, and the function writes only if
that head (position and hash) is the one under the lock; otherwise it answers ``stale``
with the real head, and the caller hashes again. Anything but READ COMMITTED would let the
head read miss the commit that released the lock, so the function then declines
(``isolation``) and the caller falls back to its transaction. SQLite has no functions; its
store needs nothing from this revision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lock key is the store's APPEND_LOCK_KEY: the ASCII bytes of "timeline" as a bigint.
# Inputs are p_*, outputs r_*, so that no name can be read as one of the tables' columns.
_FUNCTION = """
CREATE FUNCTION timeline_append(
    p_stream_id text,
    p_expected_version integer,
    p_expected_head bigint,
    p_expected_hash text,
    p_key text,
    p_fingerprint text,
    p_recorded_at timestamptz,
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
    p_hashes text[]
) RETURNS TABLE (
    r_outcome text,
    r_position bigint,
    r_hash text,
    r_recorded_at timestamptz,
    r_stream_version integer,
    r_stream_id text,
    r_first_position bigint,
    r_fingerprint text
) LANGUAGE plpgsql AS $$
DECLARE
    v_position bigint := 0;
    v_hash text;
    v_recorded_at timestamptz;
    v_version integer;
    v_key record;
    v_count integer := coalesce(cardinality(p_event_ids), 0);
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RETURN QUERY SELECT 'isolation', NULL::bigint, NULL, NULL::timestamptz, NULL::integer,
            NULL, NULL::bigint, NULL;
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(8388356063332232805);

    IF p_key IS NOT NULL THEN
        SELECT k.stream_id, k.first_position, k.last_position, k.stream_version,
               k.fingerprint, k.recorded_at
          INTO v_key FROM idempotency_keys k WHERE k.key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'replayed', v_key.last_position, NULL, v_key.recorded_at,
                v_key.stream_version, v_key.stream_id, v_key.first_position,
                v_key.fingerprint::text;
            RETURN;
        END IF;
    END IF;

    SELECT coalesce(max(e.stream_version), 0) INTO v_version
      FROM events e WHERE e.stream_id = p_stream_id;
    IF v_version <> p_expected_version THEN
        RETURN QUERY SELECT 'conflict', NULL::bigint, NULL, NULL::timestamptz, v_version,
            NULL, NULL::bigint, NULL;
        RETURN;
    END IF;

    SELECT e.position, e.hash, e.recorded_at INTO v_position, v_hash, v_recorded_at
      FROM events e ORDER BY e.position DESC LIMIT 1;
    IF NOT FOUND THEN
        v_position := 0;  -- an empty log: the caller chains to the genesis hash
    END IF;
    -- The hash too: a log swapped for another of the same length must not be chained to.
    IF v_position <> p_expected_head OR v_count = 0
       OR (v_position > 0 AND v_hash IS DISTINCT FROM p_expected_hash) THEN
        RETURN QUERY SELECT 'stale', v_position, v_hash, v_recorded_at, v_version, NULL,
            NULL::bigint, NULL;
        RETURN;
    END IF;

    INSERT INTO events (
        position, event_id, stream_id, stream_version, event_type, schema_version,
        occurred_edtf, occurred_earliest, occurred_latest, reported_edtf, reported_latest,
        recorded_at, payload, event_metadata, hash
    )
    SELECT p_expected_head + n.ordinal, n.event_id, p_stream_id,
           p_expected_version + n.ordinal::integer, n.event_type, n.schema_version,
           n.occurred_edtf, n.occurred_earliest, n.occurred_latest, n.reported_edtf,
           n.reported_latest, p_recorded_at, n.payload::jsonb, n.metadata::jsonb, n.hash
      FROM unnest(
            p_event_ids, p_event_types, p_schema_versions, p_occurred_edtfs,
            p_occurred_earliests, p_occurred_latests, p_reported_edtfs, p_reported_latests,
            p_payloads, p_metadatas, p_hashes
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
            p_key, p_stream_id, p_expected_head + 1, p_expected_head + v_count,
            p_expected_version + v_count, p_fingerprint, p_recorded_at
        );
    END IF;
    PERFORM pg_notify('timeline_events', (p_expected_head + v_count)::text);
    RETURN QUERY SELECT 'appended', p_expected_head + v_count, NULL, p_recorded_at,
        p_expected_version + v_count, p_stream_id, p_expected_head + 1, NULL;
END;
$$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION timeline_append(text, integer, bigint, text, text, text, timestamptz, "
            "uuid[], text[], integer[], text[], date[], date[], text[], date[], text[], text[], "
            "text[])"
        )
