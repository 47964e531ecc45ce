"""SQLite's writer thread: one ``sqlite3`` connection, its jobs, and its own WAL checkpoints.

Jobs reach the thread through a ``SimpleQueue`` and their results come back by
``call_soon_threadsafe``, as aiosqlite does it: a hop costs about 35-50 µs here, where
``loop.run_in_executor`` on a one-thread pool measured 80-150 µs (``concurrent.futures``
chains a second future through locks and callbacks).

Checkpoints
-----------
In WAL mode a commit appends pages to the ``-wal`` file and syncs that file; a checkpoint
copies the pages into the database file and syncs it, and once every page is copied the
next transaction writes the WAL from its start again, so the file stays bounded. SQLite's
automatic checkpoint runs inside the commit that crosses 1,000 pages, so every third
batch of 1,000 appends paid for copying the two batches before it (7.1-8.1 µs an event
for the bare driver's commits, 4.3-5.2 without it). The writer's connection has it off and
checkpoints after a job instead, once its result is on its way: the caller goes on
(encoding its next batch, say) while the pages are copied. The checkpoint is ``PASSIVE``:
it never waits for readers or other writers, and copies what no reader still needs.

Durability is as before: each commit still syncs the WAL (``synchronous=FULL``), and a
crash before a checkpoint leaves the WAL for the next connection to replay. Readers read
through the WAL index as before, whatever has been copied. Other connections (the read
models', other processes' writers) keep SQLite's automatic checkpoint, so their writes
stay bounded without us.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

CHECKPOINT_PAGES = 1_000
"""Pages a job may leave in the WAL before the writer checkpoints: SQLite's own default
(``wal_autocheckpoint``), so the WAL file holds about as much as it did before."""

_Job = tuple[Callable[[sqlite3.Connection], Any] | None, "asyncio.Future[Any]", int]
"""A job, the future for its result and the pages it may write; no job: stop."""


class SqliteWriter:
    """One ``sqlite3`` connection to ``path``, used only by a thread of its own."""

    def __init__(self, path: str, pragmas: Sequence[str]) -> None:
        self._path = path
        self._pragmas = tuple(pragmas)
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def run(self, job: Callable[[sqlite3.Connection], T], *, pages: int = 0) -> T:
        """``job(connection)`` on the writer thread; its ``sqlite3`` errors as SQLAlchemy's.

        ``pages`` is about how many pages the job writes to the WAL (a guess is enough: the
        checkpoint it leads to says how many there were). A caller that stops waiting does
        not stop the job: it runs to its end (a job always ends its transaction), and its
        result is dropped."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=_work,
                args=(self._path, self._pragmas, self._jobs),
                name="timeline-writer",
                daemon=True,
            )
            self._thread.start()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((job, future, pages))
        try:
            return await future
        except sqlite3.Error as error:
            raise DBAPIError(None, None, error) from error

    async def close(self) -> None:
        """Stop the thread once the jobs before have run, and close its connection."""
        thread, self._thread = self._thread, None
        if thread is not None:
            stopped: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._jobs.put((None, stopped, 0))
            await stopped


def _work(path: str, pragmas: tuple[str, ...], jobs: queue.SimpleQueue[_Job]) -> None:
    """The writer thread: connect on the first job, run jobs until told to stop, and
    checkpoint between them."""
    connection: sqlite3.Connection | None = None
    backlog = _Backlog()
    while True:
        job, future, pages = jobs.get()
        if job is None:
            if connection is not None:
                connection.close()
            future.get_loop().call_soon_threadsafe(_succeed, future, None)
            return
        try:
            if connection is None:
                connection = _connect(path, pragmas)
            result = job(connection)
        except BaseException as error:
            future.get_loop().call_soon_threadsafe(_fail, future, error)
        else:
            future.get_loop().call_soon_threadsafe(_succeed, future, result)
        backlog.guessed += pages
        if connection is not None and backlog.due():
            backlog.checkpoint(connection)


class _Backlog:
    """The pages left in the WAL since the last checkpoint, as the jobs guessed them (high),
    and those a reader kept the last checkpoint from copying (exact)."""

    def __init__(self) -> None:
        self.guessed = 0
        self._left = 0

    def due(self) -> bool:
        return self._left + self.guessed >= CHECKPOINT_PAGES

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """Copy the WAL's pages into the database file, as far as readers allow."""
        try:
            [(_busy, logged, copied)] = connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            return  # not a job's failure, and no commit needs it: again after the next job
        self.guessed = 0
        # A reader on an older snapshot keeps the frames after it for a later turn.
        self._left = max(logged - copied, 0)


def _connect(path: str, pragmas: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (*pragmas, "PRAGMA wal_autocheckpoint = 0"):
            connection.execute(pragma)
    except BaseException:
        connection.close()
        raise
    return connection


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # the caller may have been cancelled meanwhile
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
