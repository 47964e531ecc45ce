"""Export the log as JSON lines, and import such a file into a log it continues, verbatim.

Export streams the log one batch at a time, so memory stays constant however long it is.
Import reads the file twice: first every line is checked (``log_checks``) and, if any is
bad, every bad line is reported and nothing is written; then the lines are parsed again and
written in batches through the ``EventImporter``, in one transaction, with their positions,
ids, times and hashes as they are. The read models then catch up from their checkpoints,
as they do after any write, so the imported log answers every query at once.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from typing import Final, Protocol

from timeline.application.errors import ApplicationError
from timeline.application.log_checks import EMPTY_LOG, LineProblem, LogChecker, LogHead
from timeline.application.log_lines import BadLine, event_line, parse_line
from timeline.application.ports import EventCodec, EventImporter, EventStore
from timeline.application.records import RecordedEvent

DEFAULT_BATCH_SIZE: Final = 1000

Lines = Callable[[], Iterable[str | bytes]]
"""Opens the file's lines afresh at each call: an import reads them twice. Bytes are
decoded line by line, so a line that is not UTF-8 is reported like any bad line."""


class Progress(Protocol):
    """Told how many events a stage ("checking", "importing", "exporting") has done."""

    def __call__(self, stage: str, done: int) -> None: ...


class ImportRejected(ApplicationError):
    """Some lines of the file cannot be imported; nothing was written."""

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        count = len(problems)
        super().__init__(f"{count} bad line{'s' if count != 1 else ''}; nothing was imported")
        self.problems = tuple(problems)


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportReport:
    """What an import wrote: ``events`` events, up to position ``head``."""

    events: int
    head: int


async def export_log(
    store: EventStore,
    write: Callable[[str], object],
    progress: Progress | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Write each event of the log, up to its head when the export began, as one line
    (newline included) through ``write``; return how many were written."""
    until = await store.head_position()
    written = 0
    events = store.read_all(batch_size=batch_size)
    try:
        async for event in events:
            if event.position > until:
                break
            write(event_line(event) + "\n")
            written += 1
            if progress is not None and written % batch_size == 0:
                progress("exporting", written)
    finally:
        await _close(events)
    if progress is not None:
        progress("exporting", written)
    return written


async def check_log(
    lines: Iterable[str | bytes],
    store: EventStore,
    codec: EventCodec,
    progress: Progress | None = None,
) -> tuple[int, tuple[LineProblem, ...]]:
    """Check every line as the continuation of ``store``'s log; return how many events
    the lines hold and the problems of the bad ones (none when all can be imported)."""
    checker = LogChecker(codec, await log_head(store), store.read_stream)
    for number, text in enumerate(lines, start=1):
        await checker.check(number, text)
        if checker.stopped:
            break
        if progress is not None and number % DEFAULT_BATCH_SIZE == 0:
            progress("checking", checker.events)
    if progress is not None:
        progress("checking", checker.events)
    return checker.events, tuple(checker.problems)


async def import_log(
    lines: Lines,
    *,
    store: EventStore,
    codec: EventCodec,
    importer: EventImporter,
    settle: Callable[[int], Awaitable[object]],
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Check every line, then write them all, verbatim, and ``settle`` the read models
    (see ``Projector.settle``) at the head.

    Raises ``ImportRejected`` with every bad line, writing nothing; ``ImportRefused`` when
    the log moved between the check and the write (another writer appended meanwhile).
    """
    count, problems = await check_log(lines(), store, codec, progress)
    if problems:
        raise ImportRejected(problems)
    head = await store.head_position()
    if count:
        head = await importer.import_events(_batches(lines(), batch_size, progress))
    await settle(head)
    return ImportReport(events=count, head=head)


async def log_head(store: EventStore) -> LogHead:
    """The last event of ``store``'s log, as an import must continue it."""
    position = await store.head_position()
    if position == 0:
        return EMPTY_LOG
    events = store.read_all(after_position=position - 1, batch_size=1)
    try:
        async for event in events:
            return LogHead(event.position, event.hash, event.recorded_at)
    finally:
        await _close(events)
    return EMPTY_LOG  # pragma: no cover - the head was there a moment ago


def _batches(
    lines: Iterable[str | bytes], size: int, progress: Progress | None
) -> Iterator[list[RecordedEvent]]:
    batch: list[RecordedEvent] = []
    done = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            batch.append(parse_line(text))
        except BadLine as error:  # it passed the check: the file changed since
            reason = f"{error.reason} (the file changed after it was checked)"
            raise ImportRejected([LineProblem(number, reason)]) from None
        if len(batch) == size:
            yield batch
            done += len(batch)
            batch = []
            if progress is not None:
                progress("importing", done)
    if batch:
        yield batch
        done += len(batch)
    if progress is not None:
        progress("importing", done)


async def _close(events: AsyncIterator[RecordedEvent]) -> None:
    # Leaving an async generator early: close it now, not whenever it is collected.
    if isinstance(events, AsyncGenerator):
        await events.aclose()
