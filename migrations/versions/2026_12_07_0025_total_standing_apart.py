"""Keep a state's standing readings but its first and last apart from its row, one a row.

A period that keeps gaining readings (the soak adds one to the same period every tenth write:
some 1,000 in five minutes, 2 MB of text) had a new state row after each batch that added one,
holding the texts of all its standing readings: each such batch read that row, wrote it again
whole, and PostgreSQL compressed it again, so the projector's batches grew from 23 to 103 ms
over the five minutes. A state's row now holds its first and last reading (what a total and a
fold read of it), and the others are rows of ``total_standing`` under the state's key: a fold
writes the readings it adds (and copies the others on the server when the state moves to a new
knowledge day), and a total reads them only for a state of more than two (``total_rows``).

The rows are the same texts, cut where they were joined (``",\\n"``, which no reading's own
text holds: 0022).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERIOD = ("measure", "period_latest", "period_earliest", "basis", "span")
_KEY = (*_PERIOD, "unit", "known_from")
_SEPARATOR = ",\n"
_BATCH = 2_000


def _key() -> list[sa.Column[object]]:
    return [
        sa.Column("measure", sa.Text(), primary_key=True),
        sa.Column("period_latest", sa.Date(), primary_key=True),
        sa.Column("period_earliest", sa.Date(), primary_key=True),
        sa.Column("basis", sa.Text(), primary_key=True),
        sa.Column("span", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("unit", sa.Text(), primary_key=True),
        sa.Column("known_from", sa.Date(), primary_key=True),
    ]


def _standing() -> sa.Table:
    return sa.Table(
        "total_standing",
        sa.MetaData(),
        *_key(),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("reading", sa.Text(), nullable=False),
    )


def _amounts() -> sa.Table:
    """The columns of ``total_amounts`` read and written here."""
    return sa.Table(
        "total_amounts",
        sa.MetaData(),
        *_key(),
        sa.Column("standing", sa.Integer()),
        sa.Column("readings", sa.Text()),
    )


def _matching(table: sa.Table) -> list[sa.ColumnElement[bool]]:
    return [table.c[name] == sa.bindparam(f"b_{name}") for name in _KEY]


def upgrade() -> None:
    op.create_table(
        "total_standing",
        *_key(),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("reading", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "seq", name=op.f("pk_total_standing")),
    )
    standing = _standing()
    conn = op.get_bind()
    amounts = _amounts()
    # Read whole before the first write: a server-side cursor left open under asyncpg
    # confuses the statements after it (see 0022).
    found = conn.execute(
        sa.select(*(amounts.c[name] for name in _KEY), amounts.c.readings).where(
            amounts.c.standing > 2
        )
    ).all()
    ends: list[dict[str, object]] = []
    middles: list[dict[str, object]] = []

    def write() -> None:
        if ends:
            conn.execute(
                sa.update(amounts)
                .where(*_matching(amounts))
                .values(readings=sa.bindparam("b_ends")),
                ends,
            )
        if middles:
            conn.execute(standing.insert(), middles)
        ends.clear()
        middles.clear()

    for *key, text in found:
        first, *middle, last = text[1:-1].split(_SEPARATOR)
        named = dict(zip(_KEY, key, strict=True))
        ends.append(
            {**{f"b_{k}": v for k, v in named.items()}, "b_ends": f"[{first}{_SEPARATOR}{last}]"}
        )
        middles += [{**named, "seq": seq, "reading": r} for seq, r in enumerate(middle, 1)]
        if len(middles) >= _BATCH:
            write()
    write()


def downgrade() -> None:
    conn = op.get_bind()
    standing = _standing()
    amounts = _amounts()
    texts: dict[tuple[object, ...], list[str]] = {}
    for *key, _, reading in conn.execute(
        sa.select(
            *(standing.c[name] for name in _KEY), standing.c.seq, standing.c.reading
        ).order_by(*(standing.c[name] for name in _KEY), standing.c.seq)
    ).all():
        texts.setdefault(tuple(key), []).append(reading)
    rows = conn.execute(
        sa.select(*(amounts.c[name] for name in _KEY), amounts.c.readings).where(
            amounts.c.standing > 2
        )
    ).all()
    whole = []
    for *key, text in rows:
        first, last = text[1:-1].split(_SEPARATOR)
        joined = _SEPARATOR.join([first, *texts[tuple(key)], last])
        whole.append(
            {**{f"b_{k}": v for k, v in zip(_KEY, key, strict=True)}, "b_ends": f"[{joined}]"}
        )
    if whole:
        conn.execute(
            sa.update(amounts).where(*_matching(amounts)).values(readings=sa.bindparam("b_ends")),
            whole,
        )
    op.drop_table("total_standing")
