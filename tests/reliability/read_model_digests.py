"""A digest of every read-model table, to hold stored read models to a clean rebuild.

Any table of the database but the log's, the tokens' and the checkpoints' is taken for a
read model; each digest covers the table's rows, column by name, in a fixed order, so two
databases (or one before and after ``timeline projections rebuild``) have equal digests
exactly when their read models hold the same rows.
"""

from __future__ import annotations

import asyncpg

NOT_READ_MODELS = frozenset(
    {"events", "idempotency_keys", "alembic_version", "api_tokens", "projection_checkpoints"}
)


async def read_model_digests(url: str) -> dict[str, str]:
    """Table name -> md5 of its rows, sorted, on the PostgreSQL database at ``url``."""
    connection = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            if row["tablename"] not in NOT_READ_MODELS and not row["tablename"].startswith("shadow")
        ]
        return {
            table: await connection.fetchval(
                # Each row as JSONB, whose keys are sorted: a table a rebuild swapped in has
                # its columns in the order of the table definition, while a migrated one has
                # a column added later at its end, and the digest is of content, not layout.
                "SELECT md5(coalesce(string_agg(to_jsonb(t)::text, E'\\n' "
                f"ORDER BY to_jsonb(t)::text), '')) FROM \"{table}\" AS t"
            )
            for table in tables
        }
    finally:
        await connection.close()
