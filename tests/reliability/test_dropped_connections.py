"""A connection dropped under the store is ``StoreUnavailable`` at worst, never a raw driver
error, and never poisons the pool: the next call works.

The concurrency soak (``tests.reliability.concurrency``) found the bug: a pooled connection
whose backend was terminated while it sat idle (what a PostgreSQL restart does to every
one) went on being handed out, and every read and append on it raised the driver's
``connection is closed``, untranslated (so the API answered INTERNAL), until the process
restarted. Here the drops are deterministic: idle connections are terminated outright, and
a call in flight is parked behind a lock the test holds while its backend is terminated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
import pytest_asyncio

from tests.factories import new_events
from timeline.application.errors import ConcurrencyError, StoreUnavailable
from timeline.application.ports import EventStore
from timeline.store.factory import open_event_store
from timeline.store.sql.postgres import APPEND_LOCK_KEY

pytestmark = pytest.mark.postgres

_WAITING = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
)


@pytest_asyncio.fixture
async def store(postgres_database_url: str) -> AsyncIterator[EventStore]:
    opened = await open_event_store(postgres_database_url)
    await opened.append("a", new_events(3), expected_version=0)
    # Appends keep a connection of their own: check one out for reads too, so that a read
    # reaches the server at once (the admin's view of pg_stat_activity is taken once per
    # transaction, and a read still connecting would not be in it).
    await opened.head_position()
    yield opened
    await opened.close()


@pytest_asyncio.fixture
async def admin(postgres_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(postgres_database_url)
    yield connection
    await connection.close()


async def drop_while_waiting(
    admin: asyncpg.Connection, lock: str, call: Callable[[], Awaitable[object]]
) -> BaseException | None:
    """Hold ``lock`` (a statement run in the admin's transaction), start ``call``, wait
    until its backend waits for the lock, terminate that backend, and return what
    ``call`` raised."""
    transaction = admin.transaction()
    await transaction.start()
    await admin.execute(lock)
    task = asyncio.ensure_future(call())
    try:
        for _ in range(2000):  # 20 s at most
            if waiting := await admin.fetch(_WAITING):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the call never waited for the lock")
        for row in waiting:
            await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
    finally:
        await transaction.rollback()
    try:
        await task
    except BaseException as error:
        return error
    return None


async def read_everything(store: EventStore) -> list[int]:
    return [event.position async for event in store.read_all()]


async def terminate_all(admin: asyncpg.Connection) -> int:
    """Terminate every other backend on the database, as a restart would, and let the
    clients' event loops see the connections close."""
    terminated: int = await admin.fetchval(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"
    )
    await asyncio.sleep(0.2)
    return terminated


async def test_pooled_connections_dropped_while_idle_are_replaced_unseen(
    store: EventStore, admin: asyncpg.Connection
) -> None:
    assert await terminate_all(admin) >= 1
    assert await read_everything(store) == [1, 2, 3]
    await terminate_all(admin)
    assert [e.position for e in await store.read_stream("a")] == [1, 2, 3]
    await terminate_all(admin)
    result = await store.append("a", new_events(1), expected_version=3, idempotency_key="k")
    assert result.last_position == 4
    await terminate_all(admin)
    assert await store.head_position() == 4


async def test_a_read_whose_connection_drops_is_unavailable_and_the_next_works(
    store: EventStore, admin: asyncpg.Connection
) -> None:
    for _ in range(3):  # every pooled connection, in turn
        error = await drop_while_waiting(
            admin, "LOCK TABLE events IN ACCESS EXCLUSIVE MODE", lambda: read_everything(store)
        )
        assert isinstance(error, StoreUnavailable), repr(error)
        assert await read_everything(store) == [1, 2, 3]
        assert [e.position for e in await store.read_stream("a")] == [1, 2, 3]


async def test_an_append_whose_connection_drops_is_unavailable_and_the_next_works(
    store: EventStore, admin: asyncpg.Connection
) -> None:
    version = 3
    for n in range(3):
        error = await drop_while_waiting(
            admin,
            f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})",
            lambda v=version, k=f"k{n}": store.append(  # type: ignore[misc]
                "a", new_events(1), expected_version=v, idempotency_key=k
            ),
        )
        assert isinstance(error, StoreUnavailable), repr(error)
        # The append never ran past the lock, so it wrote nothing; retried, it does.
        assert await store.head_position() == version
        result = await store.append(
            "a", new_events(1), expected_version=version, idempotency_key=f"k{n}"
        )
        assert (result.last_position, result.replayed) == (version + 1, False)
        version += 1
    assert await read_everything(store) == [1, 2, 3, 4, 5, 6]


async def test_connections_dropped_at_random_never_leak_a_driver_error(
    store: EventStore, admin: asyncpg.Connection
) -> None:
    """Readers and writers run while random backends are terminated, idle or mid-call:
    every failure is ``StoreUnavailable`` (or the stream's own conflict), and afterwards
    everything works."""
    unexpected: list[BaseException] = []
    unavailable = 0
    stop = asyncio.Event()

    async def keep(call: Callable[[], Awaitable[object]]) -> None:
        nonlocal unavailable
        while not stop.is_set():
            try:
                await call()
            except StoreUnavailable:
                unavailable += 1
            except ConcurrencyError:
                pass
            except Exception as error:
                unexpected.append(error)

    async def append() -> None:
        version = len(await store.read_stream("b"))
        await store.append("b", new_events(1), expected_version=version)

    workers = [asyncio.ensure_future(keep(lambda: read_everything(store))) for _ in range(3)]
    workers += [asyncio.ensure_future(keep(append)) for _ in range(2)]
    try:
        for _ in range(30):
            await asyncio.sleep(0.03)
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' ORDER BY random() LIMIT 1"
            )
    finally:
        stop.set()
        await asyncio.gather(*workers)
    assert not unexpected, [repr(error) for error in unexpected[:3]]
    assert unavailable > 0  # the drops did land on calls in flight
    head = await store.head_position()
    assert await read_everything(store) == list(range(1, head + 1))
    result = await store.append("b", new_events(1), expected_version=head - 3)
    assert result.last_position == head + 1
