"""Fresh, empty databases for each measurement, ours migrated, the peer's made by the peer.

SQLite files go in a temporary directory; PostgreSQL databases are made on the server beside
the maintenance database of ``--postgres-url`` (ours cloned from a template migrated once per
run, as the test suite does) and dropped again at the end.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import sqlalchemy as sa

from bench.peer import PeerStore, open_postgres_peer, open_sqlite_peer
from timeline.application.ports import EventStore
from timeline.store import migrations
from timeline.store.factory import create_engine, open_event_store

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgres")
_SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass
class Databases:
    """Where one benchmark run makes its databases; use as ``async with``."""

    postgres_url: str = DEFAULT_POSTGRES_URL
    _prefix: str = field(default_factory=lambda: f"timeline_bench_{secrets.token_hex(4)}")
    _directory: tempfile.TemporaryDirectory[str] | None = None
    _template_sqlite: Path | None = None
    _template_postgres: str | None = None
    _made: list[str] = field(default_factory=list)

    async def __aenter__(self) -> Databases:
        self._directory = tempfile.TemporaryDirectory(prefix="timeline-bench-")
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            if self._made:
                for name in self._made:
                    await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            if self._directory is not None:
                self._directory.cleanup()

    @asynccontextmanager
    async def ours(self, backend: str) -> AsyncIterator[EventStore]:
        """Our event store on a fresh, migrated, empty database."""
        if backend == "sqlite":
            if self._template_sqlite is None:
                self._template_sqlite = self._path("template.db")
                await migrations.upgrade(f"sqlite:///{self._template_sqlite}")
            path = self._path(f"{self._name()}.db")
            path.write_bytes(self._template_sqlite.read_bytes())
            url = f"sqlite:///{path}"
        else:
            if self._template_postgres is None:
                self._template_postgres = await self._create()
                await migrations.upgrade(self._url(self._template_postgres))
                await self._admin(
                    f"ALTER DATABASE {self._template_postgres} WITH ALLOW_CONNECTIONS false"
                )
            url = self._url(await self._create(template=self._template_postgres))
        store = await open_event_store(url)
        try:
            yield store
        finally:
            await store.close()

    async def durability(self, backend: str) -> dict[str, str]:
        """What a commit of ours survives: the settings our engine's connections run with."""
        if backend == "sqlite":
            url = f"sqlite:///{self._path('durability.db')}"
            statements = {
                "journal_mode": "PRAGMA journal_mode",
                "synchronous": "PRAGMA synchronous",
            }
        else:
            url = self.postgres_url
            statements = {"synchronous_commit": "SHOW synchronous_commit"}
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                found = {
                    name: str((await conn.exec_driver_sql(sql)).scalar_one())
                    for name, sql in statements.items()
                }
        finally:
            await engine.dispose()
        if "synchronous" in found:
            found["synchronous"] = _SQLITE_SYNCHRONOUS[int(found["synchronous"])]
        return found

    @asynccontextmanager
    async def peer(self, backend: str) -> AsyncIterator[PeerStore]:
        """The peer's recorder on a fresh database of its own."""
        if backend == "sqlite":
            store = open_sqlite_peer(str(self._path(f"{self._name()}-peer.db")))
        else:
            name = await self._create()
            url = sa.make_url(self.postgres_url)
            store = open_postgres_peer(
                name,
                url.host or "127.0.0.1",
                url.port or 5432,
                url.username or "postgres",
                url.password or "",
            )
        try:
            yield store
        finally:
            store.close()

    def scratch_file(self) -> str:
        """A path for a fresh SQLite file of one's own, removed with the run's directory."""
        return str(self._path(f"{self._name()}-scratch.db"))

    async def scratch_database(self) -> str:
        """The name of a fresh, empty PostgreSQL database, dropped at the end of the run."""
        return await self._create()

    def url(self, database: str) -> str:
        """The URL of ``database`` on the run's PostgreSQL server."""
        return self._url(database)

    def _name(self) -> str:
        return f"{self._prefix}_{len(self._made)}_{secrets.token_hex(2)}"

    def _path(self, name: str) -> Path:
        assert self._directory is not None, "use Databases as an async context manager"
        return Path(self._directory.name) / name

    def _url(self, database: str) -> str:
        return sa.make_url(self.postgres_url).set(database=database).render_as_string(False)

    async def _create(self, template: str | None = None) -> str:
        name = self._name()
        self._made.append(name)
        clause = f" TEMPLATE {template}" if template else ""
        await self._admin(f"CREATE DATABASE {name}{clause}")
        return name

    async def _admin(self, statement: str) -> None:
        url = sa.make_url(self.postgres_url)
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            await conn.execute(statement)
        finally:
            await conn.close()
