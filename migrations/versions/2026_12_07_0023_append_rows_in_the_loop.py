"""``timeline_append`` takes each event's columns as one row and its texts as one text, builds
the rows it inserts in its hashing loop, and answers in a row type.

What an append does is as in 0021, step for step, and the bytes hashed are the same; what
changes is how much of the executor each call sets up, and how many arguments cross.
Counted in instructions of the server's backend (callgrind on a server of its own, the
store's own calls: 300 against 100 single appends, and 5,000 against 1,000 events in
batches of 1,000; bench/README.md item 47):

* *Two arguments per append for its events, not twelve.* The eight column arrays are one
  array of ``timeline_append_event`` rows (``p_events``), and 0020's four joined texts one
  text (``p_texts``): each event's payload column, metadata, content head and tail in that
  order, every text of every event joined by U+001F (JSON escapes every control character,
  so none holds one; a piece too many or too few makes the function refuse the append).
  Each array argument had its receive function looked up and its array set up on the
  server for every call, and asyncpg its per-array checks on the client.
* *The rows built in the loop.* The insert read eleven arrays through ``unnest(...) WITH
  ORDINALITY``: eleven function scans, each with a tuple store and a descriptor set up on
  every call. The loop that chains the hashes now builds each event's row of the
  ``events`` type as well, and the insert reads one array of rows.
* *No array initialisers.* A PL/pgSQL expression's executor state lives for one
  transaction, and every append is one, so each expression the function evaluates is set
  up again on every call; ``v_hashes text[] := '{}'`` is gone, and the array of rows
  starts NULL (assigning its first element makes it).
* *The stream's version by ``ORDER BY ... DESC LIMIT 1``* instead of ``coalesce(max(...),
  0)``, whose generic plan is an aggregate; no row means version 0, as before.
* *The answer as a row type.* OUT parameters had PostgreSQL build the result's descriptor
  from ``pg_proc`` on every call; ``timeline_append_result``'s descriptor is cached, and
  the store calls ``SELECT timeline_append(...)``, whose one column is that row, where
  ``SELECT * FROM`` added a function scan and a tuple store for it.

In all, about 577,000 -> 434,000 instructions an append of one event (-25%); an event of
a batch of 1,000 costs 152,000 -> 148,000 (copying each event's row out of ``p_events``
costs some of what the single scan saves). The signature and the return type change,
hence DROP and CREATE.

SQLite hashes in Python: nothing changes there.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from timeline.store.migrations import revision_text

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNATURE_OF_0021 = (
    "timeline_append(text, integer, text, text, timestamptz, uuid[], text[], integer[], "
    "text[], date[], date[], text[], date[], text, text, text, text)"
)
_SIGNATURE = (
    "timeline_append(text, integer, text, text, timestamptz, timeline_append_event[], text)"
)

# An event's columns as the store sends them: what the events table holds of it, less
# what only the head decides (position, version, time, hash) and its texts.
_EVENT = """
CREATE TYPE timeline_append_event AS (
    event_id uuid,
    event_type text,
    schema_version integer,
    occurred_edtf text,
    occurred_earliest date,
    occurred_latest date,
    reported_edtf text,
    reported_latest date
)
"""

# The answer's fields keep the names 0021's OUT parameters had.
_RESULT = """
CREATE TYPE timeline_append_result AS (
    r_outcome text,
    r_first_position bigint,
    r_last_position bigint,
    r_recorded_at timestamptz,
    r_stream_version integer,
    r_stream_id text,
    r_fingerprint text
)
"""

# The lock key is the store's APPEND_LOCK_KEY: the ASCII bytes of "timeline" as a bigint.
# Inputs are p_*, so that no name can be read as one of the tables' columns.
# `IF <expression> IS NULL THEN END IF` evaluates a void function as an expression, where
# PERFORM would run it as a query. Each row is of the events table's own type, so the
# insert takes its columns in the table's order.
_FUNCTION = r"""
CREATE FUNCTION timeline_append(
    p_stream_id text,
    p_expected_version integer,
    p_key text,
    p_fingerprint text,
    p_now timestamptz,
    p_events timeline_append_event[],
    p_texts text
) RETURNS timeline_append_result LANGUAGE plpgsql AS $$
DECLARE
    v_position bigint;
    v_hash text;
    v_recorded_at timestamptz;
    v_version integer;
    v_key record;
    v_count integer := coalesce(cardinality(p_events), 0);
    v_event timeline_append_event;
    v_time text;
    v_rows events[];  -- NULL until the loop's first row: no initialiser to run
    v_texts text[] := string_to_array(p_texts, E'\x1f');
    v_tail integer;  -- where the event's four texts end in v_texts
BEGIN
    IF cardinality(v_texts) <> 4 * v_count THEN
        RAISE EXCEPTION 'timeline_append: % events but % texts', v_count, cardinality(v_texts);
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'timeline_append needs READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    IF pg_advisory_xact_lock(8388356063332232805) IS NULL THEN END IF;

    -- The key is answered before the version is checked: a retry of an append that
    -- committed must get its result back, although the stream has moved on since.
    IF p_key IS NOT NULL THEN
        SELECT k.stream_id, k.first_position, k.last_position, k.stream_version,
               k.fingerprint, k.recorded_at
          INTO v_key FROM idempotency_keys k WHERE k.key = p_key;
        IF FOUND THEN
            RETURN ROW('replayed', v_key.first_position, v_key.last_position,
                       v_key.recorded_at, v_key.stream_version, v_key.stream_id,
                       v_key.fingerprint)::timeline_append_result;
        END IF;
    END IF;

    SELECT e.stream_version INTO v_version
      FROM events e WHERE e.stream_id = p_stream_id ORDER BY e.stream_version DESC LIMIT 1;
    IF NOT FOUND THEN
        v_version := 0;
    END IF;
    IF v_version <> p_expected_version THEN
        RETURN ROW('conflict', NULL, NULL, NULL, v_version, NULL, NULL)::timeline_append_result;
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
    -- A head stops at its payload, which is spliced back in with the position's key,
    -- unless it comes whole behind U+001E (see the module's docstring).
    FOR n IN 1 .. v_count LOOP
        v_tail := 4 * n;
        v_hash := encode(sha256(convert_to(
            v_hash || E'\n'
                || CASE WHEN starts_with(v_texts[v_tail - 1], E'\x1e')
                        THEN substr(v_texts[v_tail - 1], 2)
                        ELSE v_texts[v_tail - 1] || v_texts[v_tail - 3] || ',"position":' END
                || (v_position + n)::text
                || ',"recorded_at":"' || v_time || '",' || v_texts[v_tail],
            'UTF8')), 'hex');
        v_event := p_events[n];
        v_rows[n] := ROW(v_position + n, v_event.event_id, p_stream_id, v_version + n,
            v_event.event_type, v_event.schema_version, v_event.occurred_edtf,
            v_event.occurred_earliest, v_event.occurred_latest, v_event.reported_edtf,
            v_event.reported_latest, v_recorded_at, v_texts[v_tail - 3]::json,
            v_texts[v_tail - 2]::json, v_hash)::events;
    END LOOP;

    INSERT INTO events SELECT * FROM unnest(v_rows);

    IF p_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (
            key, stream_id, first_position, last_position, stream_version, fingerprint,
            recorded_at
        ) VALUES (
            p_key, p_stream_id, v_position + 1, v_position + v_count,
            v_version + v_count, p_fingerprint, v_recorded_at
        );
    END IF;
    IF pg_notify('timeline_events', (v_position + v_count)::text) IS NULL THEN END IF;
    RETURN ROW('appended', v_position + 1, v_position + v_count, v_recorded_at,
               v_version + v_count, p_stream_id, NULL)::timeline_append_result;
END;
$$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_SIGNATURE_OF_0021}")
        op.execute(_EVENT)
        op.execute(_RESULT)
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_SIGNATURE}")
        op.execute("DROP TYPE timeline_append_result")
        op.execute("DROP TYPE timeline_append_event")
        op.execute(revision_text("0021", "_FUNCTION"))
