"""Databases for the suite, on SQLite and on PostgreSQL, migrated or not.

For a test that must pass on both backends, ask for ``database_url`` (a migrated, empty
database; the URL in the plain ``sqlite:///...`` or ``postgresql://...`` form that
``TIMELINE_DATABASE_URL`` takes) or ``event_store``; both are parametrised by ``backend``,
and the PostgreSQL half carries the ``postgres`` marker. ``unmigrated_database_url`` is the
same without the schema. For one backend only, ask for ``sqlite_database_url`` or
``postgres_database_url``.

PostgreSQL: one throwaway database per test, cloned from a template migrated once per
session (``CREATE DATABASE ... TEMPLATE`` takes milliseconds), all dropped at the end. When
the server is unreachable the PostgreSQL tests are skipped, unless ``CI`` or
``TIMELINE_REQUIRE_POSTGRES`` is set to a true value: then they fail, so that CI can never go
green without them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.factories import ManualClock
from timeline.application.ports import EventStore
from timeline.store import migrations
from timeline.store.factory import normalise_database_url, open_event_store

POSTGRES_ADMIN_URL = os.environ.get(
    "TIMELINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
"""A maintenance database on the test server; throwaway databases are made beside it."""

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def required(variable: str) -> bool:
    """True when CI or ``variable`` (``TIMELINE_REQUIRE_...``) is set to a true value: then
    tests that would skip for want of something (a server, a browser, the articles) fail."""
    return any(
        os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no", "off"}
        for name in ("CI", variable)
    )


def postgres_required() -> bool:
    """True when CI or TIMELINE_REQUIRE_POSTGRES asks for PostgreSQL to be mandatory."""
    return required("TIMELINE_REQUIRE_POSTGRES")


@dataclass
class PostgresServer:
    """The test server, and the throwaway databases this session made on it."""

    admin_url: str
    prefix: str = field(default_factory=lambda: f"timeline_test_{secrets.token_hex(4)}")
    template: str | None = None
    _counter: int = 0

    def url(self, database: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    async def create_database(self, template: str | None = None) -> str:
        self._counter += 1
        name = f"{self.prefix}_{self._counter}"
        clause = f" TEMPLATE {template}" if template else ""
        await self.execute(f"CREATE DATABASE {name}{clause}")
        return name

    async def drop_database(self, name: str) -> None:
        await self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def drop_all(self) -> None:
        names = await self.execute(
            f"SELECT datname FROM pg_database WHERE datname LIKE '{self.prefix}%'"
        )
        for name in names:
            await self.drop_database(name)

    async def execute(self, statement: str) -> list[str]:
        """Run one statement on the maintenance database (outside any transaction, as
        CREATE DATABASE requires); return the first column of any rows."""
        engine = create_async_engine(
            normalise_database_url(self.admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql(statement)
                return [str(row[0]) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_server() -> AsyncIterator[PostgresServer]:
    """The PostgreSQL test server with a migrated template database; skips or fails if down."""
    server = PostgresServer(admin_url=POSTGRES_ADMIN_URL)
    problem: Exception | None = None
    try:
        await asyncio.wait_for(server.execute("SELECT 1"), timeout=10)
    except (OSError, TimeoutError, DBAPIError) as error:
        problem = error
    if problem is not None:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {problem!r}"
        if postgres_required():
            pytest.fail(
                f"{message}. CI or TIMELINE_REQUIRE_POSTGRES is set, so the PostgreSQL tests "
                "must run: start the server (make postgres) or unset the variable.",
                pytrace=False,
            )
        pytest.skip(message)
    try:
        template = await server.create_database()
        await migrations.upgrade(server.url(template))
        # CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template, so
        # nobody may connect to it any more.
        await server.execute(f"ALTER DATABASE {template} WITH ALLOW_CONNECTIONS false")
        server.template = template
        yield server
    finally:
        await server.drop_all()


@pytest_asyncio.fixture
async def postgres_database_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh, migrated, empty PostgreSQL database for this test."""
    name = await postgres_server.create_database(template=postgres_server.template)
    yield postgres_server.url(name)
    await postgres_server.drop_database(name)


@pytest_asyncio.fixture
async def postgres_unmigrated_database_url(
    postgres_server: PostgresServer,
) -> AsyncIterator[str]:
    """A fresh PostgreSQL database with no tables at all."""
    name = await postgres_server.create_database()
    yield postgres_server.url(name)
    await postgres_server.drop_database(name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "timeline.db"
    await migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite file in this test's temporary directory."""
    path = tmp_path / "timeline.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_unmigrated_database_url(tmp_path: Path) -> str:
    """A SQLite file path in this test's temporary directory, not created yet."""
    return f"sqlite:///{tmp_path / 'timeline.db'}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend a parametrised test runs on: "sqlite" or "postgres"."""
    name: str = request.param
    return name


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on ``backend``."""
    url: str = request.getfixturevalue(f"{backend}_database_url")
    return url


@pytest_asyncio.fixture
async def target_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A second migrated, empty database on ``backend``, beside ``database_url``: where an
    export is imported."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "target.db")
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = await server.create_database(template=server.template)
    yield server.url(name)
    await server.drop_database(name)


@pytest.fixture
def unmigrated_database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A database on ``backend`` with no schema."""
    url: str = request.getfixturevalue(f"{backend}_unmigrated_database_url")
    return url


@pytest.fixture
def clock() -> ManualClock:
    """The clock ``event_store`` records with; move it to control ``recorded_at``."""
    return ManualClock()


@pytest_asyncio.fixture
async def event_store(database_url: str, clock: ManualClock) -> AsyncIterator[EventStore]:
    """The event store on ``database_url``, on the ``clock`` fixture, closed afterwards."""
    store = await open_event_store(database_url, clock)
    yield store
    await store.close()


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement any engine executes while the test runs: through SQLAlchemy,
    and the reads the stores run on the driver's own connection (``fetch_on_driver``),
    which SQLAlchemy never sees (each driver's call is wrapped to note its statement)."""
    executed: list[str] = []

    def record(
        conn: object, cursor: object, statement: str, *args: object, **kwargs: object
    ) -> None:
        executed.append(statement)

    def noted(method: Any) -> Any:
        async def call(self: object, statement: str, *args: Any, **kwargs: Any) -> Any:
            executed.append(statement)
            return await method(self, statement, *args, **kwargs)

        return call

    monkeypatch.setattr(
        aiosqlite.Connection, "execute_fetchall", noted(aiosqlite.Connection.execute_fetchall)
    )
    monkeypatch.setattr(asyncpg.Connection, "fetch", noted(asyncpg.Connection.fetch))
    event.listen(Engine, "before_cursor_execute", record)
    yield executed
    event.remove(Engine, "before_cursor_execute", record)
