"""Narrow revision rows: a fact's content and sources written once, not once per revision.

``fact_revisions.fact`` held the whole fact at every revision: 2-4.5 KB a row, growing with
each corroboration's source, and each revision wrote its labels again. A revision row now
keeps its columns and references to what it shares with the fact's other revisions
(``timeline.store.read_models.tables``):

* ``fact_contents``: the content, once per revision that changed it (``content_revision``
  says which one a revision has), its title and summary in columns (no longer the
  revisions'); ``fact_labels`` are the contents' labels, not each revision's;
* ``fact_sources``: each source once, by its index; a revision has the first ``sources``;
* ``readings``: the fact's readings, their sources by index; ``source``, the event's, is
  the index of the fact's last source when it is that one (the one the event brought).

Existing rows are converted both ways, fact by fact, from the documents themselves (the
same JSON the projection writes): minutes at a million events.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENT = sa.JSON().with_variant(sa.Text(), "postgresql")
_FACTS = 500
"""Facts converted per round of statements."""

_revisions = sa.table(
    "fact_revisions",
    sa.column("fact_id", sa.Uuid()),
    sa.column("revision", sa.Integer()),
    sa.column("status", sa.Text()),
    sa.column("title", sa.Text()),
    sa.column("summary", sa.Text()),
    sa.column("fact", sa.Text()),
    sa.column("source", sa.Text()),
    sa.column("content_revision", sa.Integer()),
    sa.column("sources", sa.Integer()),
    sa.column("readings", sa.Text()),
)
_contents = sa.table(
    "fact_contents",
    sa.column("fact_id", sa.Uuid()),
    sa.column("revision", sa.Integer()),
    sa.column("title", sa.Text()),
    sa.column("summary", sa.Text()),
    sa.column("content", sa.Text()),
)
_sources = sa.table(
    "fact_sources",
    sa.column("fact_id", sa.Uuid()),
    sa.column("source_index", sa.Integer()),
    sa.column("source", sa.Text()),
)
_labels = sa.table(
    "fact_labels",
    sa.column("fact_id", sa.Uuid()),
    sa.column("revision", sa.Integer()),
    sa.column("facet", sa.Text()),
    sa.column("label", sa.Text()),
)


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _facts(conn: sa.Connection) -> Iterator[list[Any]]:
    """Every fact id, in rounds of ``_FACTS``."""
    ids = sorted(
        conn.execute(sa.select(_revisions.c.fact_id).where(_revisions.c.revision == 1)).scalars()
    )
    for start in range(0, len(ids), _FACTS):
        yield ids[start : start + _FACTS]


def upgrade() -> None:
    op.create_table(
        "fact_contents",
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("content", _DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("fact_id", "revision", name=op.f("pk_fact_contents")),
    )
    op.create_table(
        "fact_sources",
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("source_index", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("source", _DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("fact_id", "source_index", name=op.f("pk_fact_sources")),
    )
    op.add_column("fact_revisions", sa.Column("content_revision", sa.Integer(), nullable=True))
    op.add_column("fact_revisions", sa.Column("sources", sa.Integer(), nullable=True))
    op.add_column("fact_revisions", sa.Column("readings", _DOCUMENT, nullable=True))
    conn = op.get_bind()
    for facts in _facts(conn):
        _narrow(conn, facts)
    with op.batch_alter_table("fact_revisions") as batch:
        batch.alter_column("content_revision", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("sources", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("readings", existing_type=_DOCUMENT, nullable=False)
        batch.drop_column("fact")
        batch.drop_column("title")
        batch.drop_column("summary")


def _narrow(conn: sa.Connection, facts: list[Any]) -> None:
    rows = conn.execute(
        sa.select(
            _revisions.c.fact_id,
            _revisions.c.revision,
            _revisions.c.title,
            _revisions.c.summary,
            _revisions.c.fact,
            _revisions.c.source,
        )
        .where(_revisions.c.fact_id.in_(facts))
        .order_by(_revisions.c.fact_id, _revisions.c.revision)
    )
    contents, sources, updates, relabelled = [], [], [], []
    fact_id, content_key, content_revision, held = None, None, 0, []
    for row in rows:
        document = _parsed(row.fact)
        if row.fact_id != fact_id:
            fact_id, content_key, held = row.fact_id, None, []
        key = (document["content"], row.title, row.summary)
        if key != content_key:
            content_key, content_revision = key, row.revision
            contents.append(
                {
                    "fact_id": fact_id,
                    "revision": row.revision,
                    "title": row.title,
                    "summary": row.summary,
                    "content": _text(key[0]),
                }
            )
        else:
            relabelled.append({"b_fact_id": fact_id, "b_revision": row.revision})
        stated = document["sources"]
        for index in range(len(held), len(stated)):
            sources.append(
                {"fact_id": fact_id, "source_index": index, "source": _text(stated[index])}
            )
        held = stated
        readings = [
            [reading["figure"], _index(stated, reading["source"])]
            for reading in document["readings"]
        ]
        source = _parsed(row.source)
        updates.append(
            {
                "b_fact_id": fact_id,
                "b_revision": row.revision,
                "source": _text(len(stated) - 1 if source == stated[-1] else source),
                "content_revision": content_revision,
                "sources": len(stated),
                "readings": _text(readings),
            }
        )
    _insert(conn, _contents, contents)
    _insert(conn, _sources, sources)
    if updates:
        conn.execute(
            sa.update(_revisions)
            .where(*_this_revision(_revisions))
            .values(
                source=sa.bindparam("source"),
                content_revision=sa.bindparam("content_revision"),
                sources=sa.bindparam("sources"),
                readings=sa.bindparam("readings"),
            ),
            updates,
        )
    if relabelled:
        conn.execute(sa.delete(_labels).where(*_this_revision(_labels)), relabelled)


def _index(sources: list[Any], source: Any) -> Any:
    return next((index for index, known in enumerate(sources) if known == source), source)


def _this_revision(table: Any) -> list[sa.ColumnElement[bool]]:
    return [
        table.c.fact_id == sa.bindparam("b_fact_id", type_=sa.Uuid()),
        table.c.revision == sa.bindparam("b_revision", type_=sa.Integer()),
    ]


def _insert(conn: sa.Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.add_column("fact_revisions", sa.Column("fact", _DOCUMENT, nullable=True))
    op.add_column("fact_revisions", sa.Column("title", sa.Text(), nullable=True))
    op.add_column("fact_revisions", sa.Column("summary", sa.Text(), nullable=True))
    conn = op.get_bind()
    for facts in _facts(conn):
        _widen(conn, facts)
    with op.batch_alter_table("fact_revisions") as batch:
        batch.alter_column("fact", existing_type=_DOCUMENT, nullable=False)
        batch.alter_column("title", existing_type=sa.Text(), nullable=False)
        batch.alter_column("summary", existing_type=sa.Text(), nullable=False)
        batch.drop_column("readings")
        batch.drop_column("sources")
        batch.drop_column("content_revision")
    op.drop_table("fact_sources")
    op.drop_table("fact_contents")


def _widen(conn: sa.Connection, facts: list[Any]) -> None:
    held: dict[Any, list[Any]] = {}
    for row in conn.execute(
        sa.select(_sources.c.fact_id, _sources.c.source)
        .where(_sources.c.fact_id.in_(facts))
        .order_by(_sources.c.fact_id, _sources.c.source_index)
    ):
        held.setdefault(row.fact_id, []).append(_parsed(row.source))
    contents = {
        (row.fact_id, row.revision): row
        for row in conn.execute(sa.select(_contents).where(_contents.c.fact_id.in_(facts)))
    }
    labels: dict[tuple[Any, int], list[tuple[str, str]]] = {}
    for row in conn.execute(sa.select(_labels).where(_labels.c.fact_id.in_(facts))):
        labels.setdefault((row.fact_id, row.revision), []).append((row.facet, row.label))
    updates, relabelled = [], []
    for row in conn.execute(
        sa.select(
            _revisions.c.fact_id,
            _revisions.c.revision,
            _revisions.c.status,
            _revisions.c.source,
            _revisions.c.content_revision,
            _revisions.c.sources,
            _revisions.c.readings,
        ).where(_revisions.c.fact_id.in_(facts))
    ):
        sources = held[row.fact_id][: row.sources]
        content = contents[(row.fact_id, row.content_revision)]
        document = {
            "fact_id": str(row.fact_id),
            "content": _parsed(content.content),
            "sources": sources,
            "readings": [
                {"figure": figure, "source": sources[source] if type(source) is int else source}
                for figure, source in _parsed(row.readings)
            ],
            "status": row.status,
            "revision": row.revision,
        }
        source = _parsed(row.source)
        updates.append(
            {
                "b_fact_id": row.fact_id,
                "b_revision": row.revision,
                "fact": _text(document),
                "title": content.title,
                "summary": content.summary,
                "source": _text(sources[source] if type(source) is int else source),
            }
        )
        if row.content_revision != row.revision:
            relabelled += [
                {"fact_id": row.fact_id, "revision": row.revision, "facet": facet, "label": label}
                for facet, label in labels.get((row.fact_id, row.content_revision), [])
            ]
    if updates:
        conn.execute(
            sa.update(_revisions)
            .where(*_this_revision(_revisions))
            .values(
                fact=sa.bindparam("fact"),
                title=sa.bindparam("title"),
                summary=sa.bindparam("summary"),
                source=sa.bindparam("source"),
            ),
            updates,
        )
    _insert(conn, _labels, relabelled)
