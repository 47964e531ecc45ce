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
for the bare driver's commits, 4.3-5.2 without it; 30-140 ms a checkpoint on a busy disk).
The writer's connection has it off; a thread of its own, on a connection of its own,
copies the pages once the writer has written about ``CHECKPOINT_PAGES`` since it last
asked, while the writer goes on with its next job. The checkpoint is ``PASSIVE``: it never
waits for readers or writers, and copies what no reader still needs.

A writer that never pauses would never see every page copied at the start of a job, so
its WAL would never start again: once a checkpoint finds the WAL within
``CHECKPOINT_PAGES`` of ``RESTART_PAGES``, the writer copies what is left itself after its
current job (the pages written since, while the caller goes on), and its next job writes
the WAL from its start (unless a reader still holds an older snapshot, as with SQLite's
own checkpoint). So the WAL holds at most about ``RESTART_PAGES``.

Durability is as before: each commit still syncs the WAL (``synchronous=FULL``), and a
crash before a checkpoint leaves the WAL for the next connection to replay. Other
connections (the read models', other processes' writers) keep SQLite's automatic
checkpoint, so their writes stay bounded without us.
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
"""Pages written between checkpoints, as the jobs guess them (high): SQLite's own default
(``wal_autocheckpoint``)."""

RESTART_PAGES = 3 * CHECKPOINT_PAGES
"""Pages in the WAL past which the writer copies the rest itself so as to start it again."""

_NO_AUTOMATIC_CHECKPOINT = "PRAGMA wal_autocheckpoint = 0"

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

        ``pages`` is about how many pages the job writes to the WAL, erring high: what
        the writer counts towards its next checkpoint. A caller that stops waiting does
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
    """The writer thread: connect on the first job, run jobs until told to stop."""
    connection: sqlite3.Connection | None = None
    checkpoints = _Checkpoints(path, pragmas)
    while True:
        job, future, pages = jobs.get()
        if job is None:
            checkpoints.stop()
            if connection is not None:
                connection.close()
            future.get_loop().call_soon_threadsafe(_succeed, future, None)
            return
        try:
            if connection is None:
                connection = _connect(path, pragmas, automatic_checkpoint=False)
            result = job(connection)
        except BaseException as error:
            future.get_loop().call_soon_threadsafe(_fail, future, error)
        else:
            future.get_loop().call_soon_threadsafe(_succeed, future, result)
        checkpoints.written(pages)
        if checkpoints.restart_due and connection is not None:
            checkpoints.catch_up(connection)


class _Checkpoints:
    """The writer's checkpoints, on a thread and a connection of their own.

    ``written`` and ``catch_up`` are the writer thread's; ``restart_due`` is set by the
    checkpoint thread and cleared by the writer's (a flag: a race costs one catch-up more
    or one job later)."""

    def __init__(self, path: str, pragmas: tuple[str, ...]) -> None:
        self._path = path
        self._pragmas = pragmas
        self._guessed = 0
        self._wanted = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._unable = False  # the thread could not connect: the writer copies alone
        self.restart_due = False

    def written(self, pages: int) -> None:
        """A job wrote about ``pages``; past ``CHECKPOINT_PAGES`` since the last time,
        ask for a checkpoint."""
        self._guessed += pages
        if self._guessed < CHECKPOINT_PAGES:
            return
        self._guessed = 0
        if self._unable:
            self.restart_due = True
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="timeline-checkpoints", daemon=True
            )
            self._thread.start()
        self._wanted.set()

    def catch_up(self, connection: sqlite3.Connection) -> None:
        """Copy what is left, on the writer's connection after a job, so that its next
        job writes the WAL from its start."""
        try:
            [(busy, logged, copied)] = connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            return  # the checkpoint is not the job's: try again after the next one
        if not busy and logged == copied:
            self.restart_due = False

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping = True
            self._wanted.set()
            thread.join()

    def _run(self) -> None:
        try:
            connection = _connect(self._path, self._pragmas)
        except sqlite3.Error:
            self._unable = True
            return
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping:
                    return
                try:
                    [(_busy, logged, _copied)] = connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    )
                except sqlite3.Error:
                    continue  # the next request tries again
                if logged + CHECKPOINT_PAGES >= RESTART_PAGES:  # past it by the next one
                    self.restart_due = True
        finally:
            connection.close()


def _connect(
    path: str, pragmas: tuple[str, ...], *, automatic_checkpoint: bool = True
) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in pragmas if automatic_checkpoint else (*pragmas, _NO_AUTOMATIC_CHECKPOINT):
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
