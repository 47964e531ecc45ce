"""Faults injected into the database itself, so that the stores as shipped meet them.

The appends are one trip to the database (``timeline.store.sql.recorder``), with nothing a
test could hook into between the insert and the commit; so the tests put their faults
where a real one would come from: triggers on ``events`` that fire inside the append's own
transaction, after its rows (and on PostgreSQL its NOTIFY) are in, and before it commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from timeline.application.errors import IntegrityViolation
from timeline.store.factory import create_engine

DELIBERATE = "deliberate rollback"
"""The message of the error the rollback triggers raise."""

_POSTGRES_INTERFERENCE = (
    """
CREATE FUNCTION test_interfere() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE roll float := random();
BEGIN
    IF roll < {rollback} OR NEW.stream_id = 'doomed' THEN
        -- As the log's own immutability triggers refuse: the store's IntegrityViolation.
        RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
    END IF;
    IF roll < {rollback} + {delay} THEN
        PERFORM pg_sleep(0.005 + random() * 0.025);
    END IF;
    RETURN NULL;
END $$
""",
    # Deferred: it fires at COMMIT, after the append's inserts and its NOTIFY.
    "CREATE CONSTRAINT TRIGGER test_interfere AFTER INSERT ON events "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_interfere()",
)
_SQLITE_INTERFERENCE = (
    "CREATE TRIGGER test_interfere_rollback AFTER INSERT ON events "
    "WHEN abs(random()) % 1000 < {rollback_permille} OR NEW.stream_id = 'doomed' "
    "BEGIN SELECT RAISE(ABORT, '{message}'); END",
    # SQLite cannot sleep in a trigger; making a few megabytes of noise holds the lock.
    "CREATE TRIGGER test_interfere_delay AFTER INSERT ON events "
    "WHEN abs(random()) % 1000 < {delay_permille} "
    "BEGIN SELECT length(randomblob(5000000)); END",
)

# The columns of events after position and event_id, copied as they are.
_KEPT = [
    "stream_id",
    "stream_version",
    "event_type",
    "schema_version",
    "occurred_edtf",
    "occurred_earliest",
    "occurred_latest",
    "reported_edtf",
    "reported_latest",
    "recorded_at",
    "payload",
    "event_metadata",
    "hash",
]


async def interfere(url: str, *, rollback: float, delay: float) -> None:
    """Make a share of the appends to ``url`` roll back after their inserts (and
    any append to the stream ``doomed``), and hold another share open for a while."""
    statements: list[str]
    if sa.make_url(url).get_backend_name() == "sqlite":
        statements = [
            statement.format(
                rollback_permille=int(rollback * 1000),
                delay_permille=int(delay * 1000),
                message=DELIBERATE,
            )
            for statement in _SQLITE_INTERFERENCE
        ]
    else:
        statements = [
            statement.format(rollback=rollback, delay=delay, message=DELIBERATE)
            for statement in _POSTGRES_INTERFERENCE
        ]
    await _execute(url, statements)


async def race_each_append(url: str) -> None:
    """Have every append to ``url`` find its stream version taken under its feet, as a
    writer bypassing the append lock could: a trigger inserts a copy of each new row at a
    far position, with a fresh event id but the same stream version."""
    kept = ", ".join(f"NEW.{column}" for column in _KEPT)
    if sa.make_url(url).get_backend_name() == "sqlite":
        statements = [
            "CREATE TRIGGER test_race AFTER INSERT ON events WHEN NEW.position < 1000 "
            "BEGIN INSERT INTO events "
            f"SELECT NEW.position + 1000, lower(hex(randomblob(16))), {kept}; END"
        ]
    else:
        statements = [
            "CREATE FUNCTION test_race() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO events SELECT NEW.position + 1000, gen_random_uuid(), {kept}; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER test_race AFTER INSERT ON events FOR EACH ROW "
            "WHEN (NEW.position < 1000) EXECUTE FUNCTION test_race()",
        ]
    await _execute(url, statements)


def is_deliberate(error: Exception) -> bool:
    """Whether ``error`` is what the rollback triggers raise, as the store reports it."""
    return isinstance(error, IntegrityViolation) and DELIBERATE in str(error)


async def _execute(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()
