"""The ``TokenStore`` port over SQL, on either backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from timeline.application.errors import StoreUnavailable
from timeline.application.tokens import Role, TokenNameTaken, TokenRecord
from timeline.store.factory import create_engine
from timeline.store.sql.rows import utc
from timeline.store.sql.token_tables import api_tokens

_COLUMNS = (
    api_tokens.c.name,
    api_tokens.c.token_id,
    api_tokens.c.token_hash,
    api_tokens.c.role,
    api_tokens.c.created_at,
    api_tokens.c.revoked_at,
)


class SqlTokenStore:
    """Token records in the ``api_tokens`` table, on an engine shared with the process's
    other stores (disposed here only if ``owns_engine``)."""

    def __init__(self, engine: AsyncEngine, *, owns_engine: bool = False) -> None:
        self._engine = engine
        self._owns_engine = owns_engine

    async def add(self, record: TokenRecord) -> None:
        try:
            async with self._connection(begin=True) as conn:
                await conn.execute(
                    api_tokens.insert(),
                    {
                        "name": record.name,
                        "token_id": record.token_id,
                        "token_hash": record.token_hash,
                        "role": record.role.value,
                        "created_at": record.created_at,
                        "revoked_at": record.revoked_at,
                    },
                )
        except IntegrityError as error:
            raise TokenNameTaken(record.name) from error

    async def find(self, token_id: str) -> TokenRecord | None:
        async with self._connection() as conn:
            row = (
                await conn.execute(sa.select(*_COLUMNS).where(api_tokens.c.token_id == token_id))
            ).first()
        return None if row is None else _record(row)

    async def records(self) -> list[TokenRecord]:
        async with self._connection() as conn:
            rows = (
                await conn.execute(
                    sa.select(*_COLUMNS).order_by(api_tokens.c.created_at, api_tokens.c.name)
                )
            ).all()
        return [_record(row) for row in rows]

    async def revoke(self, name: str, at: dt.datetime) -> bool:
        async with self._connection(begin=True) as conn:
            result = await conn.execute(
                api_tokens.update()
                .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return bool(result.rowcount)

    async def close(self) -> None:
        if self._owns_engine:
            await self._engine.dispose()

    @asynccontextmanager
    async def _connection(self, *, begin: bool = False) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                if begin:
                    async with conn.begin():
                        yield conn
                else:
                    # One statement needs no transaction: every write's authentication was
                    # a BEGIN, the SELECT and a ROLLBACK, three round trips, on PostgreSQL.
                    # (SQLite's own reads take the same path, with or without the option.)
                    yield await conn.execution_options(isolation_level="AUTOCOMMIT")
        except IntegrityError:
            raise
        except (DBAPIError, OSError) as error:
            raise StoreUnavailable(f"the token store cannot be reached: {error}") from error


def _record(row: Sequence[Any]) -> TokenRecord:
    name, token_id, token_hash, role, created_at, revoked_at = row
    return TokenRecord(
        name=name,
        token_id=token_id,
        token_hash=token_hash,
        role=Role(role),
        created_at=utc(created_at),
        revoked_at=None if revoked_at is None else utc(revoked_at),
    )


def open_token_store(url: str) -> SqlTokenStore:
    """The token store on an engine of its own for the database at ``url`` (migrated to 0003
    or later), for tools and tests; a server shares its engine (``timeline.bootstrap``)."""
    return SqlTokenStore(create_engine(url), owns_engine=True)
