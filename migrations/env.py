"""Alembic environment for timeline (the cookbook's async, connection-sharing variant).

When ``timeline.store.migrations`` runs a command it passes its own open connection in
``config.attributes["connection"]``, and the migration runs inside that connection's
transaction. Run by hand (``alembic upgrade head``), it opens an engine on
``sqlalchemy.url`` or, failing that, ``TIMELINE_DATABASE_URL``, with the same engine set-up
as the store (on SQLite that makes DDL transactional, so a failed migration leaves nothing).
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

import sqlalchemy as sa
from alembic import context

from timeline.config import Settings
from timeline.store.factory import create_engine, normalise_database_url
from timeline.store.read_models import tables  # noqa: F401  (their tables)
from timeline.store.sql import token_tables  # noqa: F401
from timeline.store.sql.tables import metadata

config = context.config
target_metadata = metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        **options,
    )


def run_migrations_offline() -> None:
    """Emit the SQL to stdout instead of running it (``alembic upgrade head --sql``)."""
    url = normalise_database_url(_database_url())
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: sa.Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    _configure(
        connection=connection,
        # ALTER TABLE on SQLite is limited; batch mode rebuilds the table instead. Note that
        # a rebuild drops the table's triggers: a batch migration of ``events`` must
        # recreate the immutability triggers.
        render_as_batch=sqlite,
        # The store's SQLite engine emits BEGIN itself, so DDL is transactional there too.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
