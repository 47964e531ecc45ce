"""Shadow tables: where a rebuild replays the log before it replaces the live tables.

A shadow is its live table's columns and primary key under the name ``<table>__shadow``,
without the secondary indexes: they are built once, after the bulk load, which is faster
than keeping them up to date row by row. The swap runs in ONE transaction that also holds the
projection's lock, and it drops the live tables, renames the shadows into their place, gives
indexes and primary keys their live names, and moves the checkpoint:

* PostgreSQL: DDL is transactional and DROP TABLE takes an ACCESS EXCLUSIVE lock, so a
  reader either finished with the old tables before the swap or waits and then reads the new
  ones (a blocked statement looks the name up again once it gets its lock). A read is one
  statement, which locks every table it names before it takes its snapshot, so one answer
  never mixes old and new tables (``PostgresProjectionStore._begin_read``); a read of several
  statements takes ACCESS SHARE on every read-model table first (``LOCK TABLE`` in a
  REPEATABLE READ transaction).
* SQLite: the swap is one write transaction (``BEGIN IMMEDIATE``). WAL readers keep the
  snapshot they started with, schema included, until they finish; the next read sees only
  the new tables. SQLite cannot rename an index, so the indexes are created in the swap.

Either way no reader can see a read model without its checkpoint, or tables from two builds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.store.sql.tables import NAMING_CONVENTION

SHADOW_SUFFIX = "__shadow"

_metadata = sa.MetaData()


def shadow_of(table: sa.Table) -> sa.Table:
    """The shadow of ``table`` (the same object every time)."""
    name = f"{table.name}{SHADOW_SUFFIX}"
    existing = _metadata.tables.get(name)
    if existing is not None:
        return existing
    columns = [
        sa.Column(column.name, column.type, nullable=column.nullable, autoincrement=False)
        for column in table.columns
    ]
    key = sa.PrimaryKeyConstraint(*(c.name for c in table.primary_key), name=_pk_name(name))
    return sa.Table(name, _metadata, *columns, key)


async def create_shadows(conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
    """Empty shadows for ``tables``, replacing any a crashed rebuild left behind."""
    await drop_shadows(conn, tables)
    for table in tables:
        await conn.execute(sa.schema.CreateTable(shadow_of(table)))


async def drop_shadows(conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
    for table in tables:
        await conn.execute(sa.schema.DropTable(shadow_of(table), if_exists=True))


async def index_shadows(conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
    """PostgreSQL, before the swap: the live indexes on the shadows, under shadow names
    (index names are unique per schema), renamed in the swap itself."""
    for table in tables:
        shadow = shadow_of(table)
        for index in sorted(table.indexes, key=_index_name):
            columns = [shadow.c[column.name] for column in index.columns]
            await conn.execute(
                sa.schema.CreateIndex(sa.Index(_shadowed(_index_name(index)), *columns))
            )
        await conn.exec_driver_sql(f"ANALYZE {_quote(conn, shadow.name)}")


async def swap_postgres(conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
    for table in tables:
        shadow = shadow_of(table)
        live = _quote(conn, table.name)
        await conn.execute(sa.schema.DropTable(table))
        await conn.exec_driver_sql(f"ALTER TABLE {_quote(conn, shadow.name)} RENAME TO {live}")
        await conn.exec_driver_sql(
            f"ALTER TABLE {live} RENAME CONSTRAINT {_quote(conn, _pk_name(shadow.name))} "
            f"TO {_quote(conn, _pk_name(table.name))}"
        )
        for index in table.indexes:
            name = _index_name(index)
            await conn.exec_driver_sql(
                f"ALTER INDEX {_quote(conn, _shadowed(name))} RENAME TO {_quote(conn, name)}"
            )


async def swap_sqlite(conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
    for table in tables:
        shadow = shadow_of(table)
        await conn.execute(sa.schema.DropTable(table))
        await conn.exec_driver_sql(
            f"ALTER TABLE {_quote(conn, shadow.name)} RENAME TO {_quote(conn, table.name)}"
        )
        for index in sorted(table.indexes, key=_index_name):
            await conn.execute(sa.schema.CreateIndex(index))


def _pk_name(table_name: str) -> str:
    return NAMING_CONVENTION["pk"] % {"table_name": table_name}


def _index_name(index: sa.Index) -> str:
    if not isinstance(index.name, str):
        raise TypeError(f"read-model indexes need explicit names: {index!r}")
    return index.name


def _shadowed(name: str) -> str:
    return f"{name}{SHADOW_SUFFIX}"


def _quote(conn: AsyncConnection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
