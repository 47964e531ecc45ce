"""Keep what folding a period's state forward needs: its standing count, its readings one a
line, and the edges of every reading current then.

A batch that added a reading to a period read every reading of it back and worked its state
out again, and a total read decoded every standing reading of it: both grew with the period
(the soak's period ends its five minutes with some 4,500 readings, 2 MB of state). With
``total_amounts.standing`` (how many readings stand), ``edges`` (the greatest lower and least
upper edge of every reading current then: ``selection.PeriodState.edges``) and the readings'
texts one a line, a batch that only adds readings folds the stored state forward
(``selection.folded``), and a read decodes the first and the last reading of a state, not
all of them (``total_rows.StoredReadings``). Edges are part of a state, so a period's states
are cut where they change: the rows are worked out again here from the readings projected,
as a rebuild settles them (``total_rows.settled_rows``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERIOD = ("measure", "period_latest", "period_earliest", "basis", "span")
_BATCH = 2_000
_LINES = ",\n"


def upgrade() -> None:
    with op.batch_alter_table("total_amounts") as batch:
        batch.add_column(sa.Column("standing", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("edges", sa.Text(), nullable=True))
    _settle(op.get_bind())
    with op.batch_alter_table("total_amounts") as batch:
        batch.alter_column("standing", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("edges", existing_type=sa.Text(), nullable=False)


def _settle(conn: sa.Connection) -> None:
    # The projection's own code: the states are a function of the readings projected.
    from timeline.domain.projections.settled_periods import KnownReading
    from timeline.store.read_models.tables import total_amounts, total_readings
    from timeline.store.read_models.total_rows import (
        Period,
        period_of,
        reading_from_text,
        settled_rows,
    )

    conn.execute(sa.delete(total_amounts))
    readings = total_readings.c
    # Read whole before the first insert: a server-side cursor left open under asyncpg
    # confuses the statements after it (alembic's version update counts no row).
    found = conn.execute(
        sa.select(readings.reading, readings.known_from, readings.known_until).order_by(
            *(readings[name] for name in _PERIOD)
        )
    ).all()
    rows: list[dict[str, Any]] = []
    current: Period | None = None
    held: list[KnownReading] = []

    def settle() -> None:
        if current is not None:
            _, amounts, middles = settled_rows(current, held)
            # At this revision a state's row holds all its standing readings: 0025 moves
            # all but the first and the last apart, which the code here already does.
            texts: dict[tuple[Any, ...], list[str]] = {}
            for middle in middles:
                texts.setdefault((middle["unit"], middle["known_from"]), []).append(
                    middle["reading"]
                )
            for amount in amounts:
                inner = texts.get((amount["unit"], amount["known_from"]))
                if inner:
                    first, last = amount["readings"][1:-1].split(_LINES)
                    amount["readings"] = f"[{_LINES.join([first, *inner, last])}]"
            rows.extend(amounts)
        if len(rows) >= _BATCH:
            conn.execute(total_amounts.insert(), rows)
            rows.clear()

    for text, known_from, known_until in found:
        reading = reading_from_text(text)
        period = period_of(reading)
        if period != current:
            settle()
            current, held = period, []
        held.append((reading, known_from, known_until))
    settle()
    if rows:
        conn.execute(total_amounts.insert(), rows)


def downgrade() -> None:
    # A reading's own text has no raw line feed: the ones between them are this revision's.
    op.get_bind().execute(
        sa.text("UPDATE total_amounts SET readings = replace(readings, :lines, :joined)"),
        {"lines": ",\n", "joined": ","},
    )
    with op.batch_alter_table("total_amounts") as batch:
        batch.drop_column("edges")
        batch.drop_column("standing")
