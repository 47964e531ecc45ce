"""Checks an exported log, line by line, before any of it is written.

Each line must be an event that could stand at its place in the log it is to continue:

* it parses, with every field present and of its type (``log_lines``);
* its position is the target's head plus its rank in the file (no gaps, no repeats), its
  ``recorded_at`` is no earlier than the previous event's, its event id is new, and its hash
  is ``chain_hash`` of the previous line's hash and its own canonical content;
* its stream accepts it (``stream_checks``).

Every bad line is reported, not just the first. So that one bad line is reported once and
does not make its successors look bad, the next line may chain to the hash the bad line
states or to the one its content gives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content, utc_iso
from timeline.application.log_lines import BadLine, parse_line, stated_hash
from timeline.application.ports import EventCodec
from timeline.application.records import RecordedEvent
from timeline.application.stream_checks import StreamChecker, StreamReader


@dataclass(frozen=True, slots=True)
class LogHead:
    """The last event of a log, which the first imported line must continue."""

    position: int
    hash: str
    recorded_at: dt.datetime | None


EMPTY_LOG = LogHead(0, GENESIS_HASH, None)


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why line ``line`` (counting from 1) of the file cannot be imported."""

    line: int
    reason: str

    def describe(self) -> str:
        return f"line {self.line}: {self.reason}"


class LogChecker:
    """Checks export lines, in file order, as the continuation of the log at ``head``.

    ``existing`` reads a stream of the target log; it is consulted only when that log is
    not empty, for streams the file continues.
    """

    def __init__(self, codec: EventCodec, head: LogHead, existing: StreamReader) -> None:
        self._head = head
        self._count = 0
        self._chain_to: frozenset[str] | None = frozenset({head.hash})
        """The hashes the next line may chain to; None after a line with no readable hash."""
        self._recorded_at = head.recorded_at
        self._event_ids: set[UUID] = set()
        self._streams = StreamChecker(codec, existing if head.position else None)
        self.problems: list[LineProblem] = []
        self.stopped = False
        """True when the file does not continue this log at all: checking further is moot."""

    @property
    def events(self) -> int:
        """How many event lines have been checked (blank lines are not events)."""
        return self._count

    async def check(self, number: int, text: str | bytes) -> None:
        """Check line ``number``; a bad one is added to ``problems``."""
        if not text.strip():
            return  # a blank line holds no event; the loader skips it too
        self._count += 1
        try:
            event = parse_line(text)
        except BadLine as error:
            stated = stated_hash(error.raw)
            self._chain_to = None if stated is None else frozenset({stated})
            self.problems.append(LineProblem(number, error.reason))
            return
        if self._count == 1 and event.position != self._head.position + 1:
            # Every line would be out of place; one message says why.
            self.problems.append(LineProblem(number, self._mismatch(event.position)))
            self.stopped = True
            return
        reasons = self._place(event)
        reasons += await self._streams.check(event)
        if reasons:
            self.problems.append(LineProblem(number, "; ".join(reasons)))

    def _mismatch(self, first: int) -> str:
        empty = "an empty log" if first == 1 else f"a log of {first - 1} events"
        return (
            f"the file starts at position {first} and continues {empty}, but this log "
            f"holds {self._head.position} events"
        )

    # -- where the event stands in the log --------------------------------------------

    def _place(self, event: RecordedEvent) -> list[str]:
        reasons = []
        expected = self._head.position + self._count
        if event.position != expected:
            reasons.append(f"position {event.position} where {expected} continues the log")
        if self._recorded_at is not None and event.recorded_at < self._recorded_at:
            reasons.append(
                f"recorded_at {utc_iso(event.recorded_at)} is earlier than the previous "
                f"event's {utc_iso(self._recorded_at)}"
            )
        else:
            self._recorded_at = event.recorded_at
        if event.event_id in self._event_ids:
            reasons.append(f"event_id {event.event_id} is on an earlier line too")
        self._event_ids.add(event.event_id)
        if self._chain_to is None:  # the line before is unreadable and reported already
            self._chain_to = frozenset({event.hash})
            return reasons
        content = recorded_content(event)
        computed = {chain_hash(previous, content) for previous in self._chain_to}
        if event.hash not in computed:
            reasons.append("hash does not match the event's content and the previous hash")
        self._chain_to = frozenset({event.hash, *computed})
        return reasons
