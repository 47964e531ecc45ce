"""Checks an exported log, line by line, before any of it is written.

Each line must be an event that could stand at its place in the log it is to continue:

* it parses, with every field present and of its type (``log_lines``);
* its position is the target's head plus its rank in the file (no gaps, no repeats), its
  ``recorded_at`` is no earlier than the previous event's, its event id is new, and its hash
  is ``chain_hash`` of the previous line's hash and its own canonical content;
* its payload decodes through the codec to a domain event, whose own dates are the
  ``occurred`` and ``reported`` the line states beside it (the read models index those);
* it is the next version of its stream, and the stream, folded through the domain's
  ``decisions.evolve`` and the measure registry, accepts it: a fact's events on the fact's
  stream in an order the fact allows, each measure registered once on its own stream before
  any figure of it, every figure in its measure's unit or with an equivalent in it.

Every bad line is reported, not just the first. So that one bad line is reported once and
does not make its successors look bad, the next line may chain to the hash the bad line
states or to the one its content gives, and a stream moves on to the version a line states
even when the line is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from timeline.application.chain import GENESIS_HASH, chain_hash, recorded_content, utc_iso
from timeline.application.errors import ApplicationError
from timeline.application.log_lines import BadLine, parse_line, stated_hash
from timeline.application.ports import EventCodec
from timeline.application.records import OccurredTime, RecordedEvent, ReportedTime
from timeline.application.streams import fact_stream, measure_stream
from timeline.domain import decisions
from timeline.domain.errors import DomainError
from timeline.domain.events import (
    DomainEvent,
    FactCorroborated,
    FactEvent,
    FactRecorded,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import Fact
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure, register_or_check

StreamReader = Callable[[str], Awaitable[list[RecordedEvent]]]


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


@dataclass(slots=True)
class _Stream:
    version: int
    fact: Fact | None
    """The fact folded so far; None for a measure's stream."""


class LogChecker:
    """Checks export lines, in file order, as the continuation of the log at ``head``.

    ``existing`` reads a stream of the target log; it is consulted only when that log is
    not empty, for streams the file continues.
    """

    def __init__(self, codec: EventCodec, head: LogHead, existing: StreamReader) -> None:
        self._codec = codec
        self._head = head
        self._existing = existing
        self._count = 0
        self._chain_to: frozenset[str] | None = frozenset({head.hash})
        """The hashes the next line may chain to; None after a line with no readable hash."""
        self._recorded_at = head.recorded_at
        self._event_ids: set[UUID] = set()
        self._streams: dict[str, _Stream] = {}
        self._measures: dict[str, Measure | None] = {}
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
        reasons += await self._fold(event)
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

    # -- whether its stream accepts it ------------------------------------------------

    async def _fold(self, record: RecordedEvent) -> list[str]:
        try:
            event = self._codec.decode(record)
        except ApplicationError as error:
            return [f"payload does not decode: {error}"]
        reasons = self._times(record, event)
        stream = await self._stream(record.stream_id)
        version = 0 if stream is None else stream.version
        if record.stream_version != version + 1:
            reasons.append(
                f"stream_version {record.stream_version} does not follow version {version} "
                f"of stream {record.stream_id}"
            )
        if isinstance(event, MeasureRegistered):
            reasons += await self._register(record, event)
        else:
            reasons += await self._evolve(record, event, stream)
        return reasons

    def _times(self, record: RecordedEvent, event: DomainEvent) -> list[str]:
        expected = self._codec.encode(event)
        reasons = []
        if record.occurred != expected.occurred:
            reasons.append(f"occurred is not the payload's date ({_edtf(expected.occurred)})")
        if record.reported != expected.reported:
            reasons.append(
                f"reported is not the payload's publication date ({_edtf(expected.reported)})"
            )
        return reasons

    async def _register(self, record: RecordedEvent, event: MeasureRegistered) -> list[str]:
        self._streams[record.stream_id] = _Stream(record.stream_version, None)
        if record.stream_id != measure_stream(event.key):
            return [f"measure {event.key!r} registered on stream {record.stream_id}"]
        if await self._measure(event.key) is not None:
            return [f"measure {event.key!r} is already registered"]
        try:
            self._measures[event.key] = Measure.from_event(event)
        except DomainError as error:
            return [f"measure does not register: {error}"]
        return []

    async def _evolve(
        self, record: RecordedEvent, event: FactEvent, stream: _Stream | None
    ) -> list[str]:
        before = None if stream is None else stream.fact
        if record.stream_id != fact_stream(event.fact_id):
            self._streams[record.stream_id] = _Stream(record.stream_version, before)
            return [f"an event of fact {event.fact_id} on stream {record.stream_id}"]
        reasons = []
        try:
            before = decisions.evolve(before, event)
        except DomainError as error:
            reasons.append(f"does not follow its stream: {error}")
        self._streams[record.stream_id] = _Stream(record.stream_version, before)
        for figure in _figures(event):
            measure = await self._measure(figure.measure)
            if measure is None:
                reasons.append(f"a figure of measure {figure.measure!r}, not registered before")
                continue
            try:
                register_or_check(measure, figure, measure.label)
            except DomainError as error:
                reasons.append(str(error))
        return reasons

    # -- what the target log already holds --------------------------------------------

    async def _stream(self, stream_id: str) -> _Stream | None:
        if stream_id in self._streams or self._head.position == 0:
            return self._streams.get(stream_id)
        records = await self._existing(stream_id)
        if not records:
            return None
        fact: Fact | None = None
        for record in records:
            event = self._codec.decode(record)
            if not isinstance(event, MeasureRegistered):
                fact = decisions.evolve(fact, event)
        stream = _Stream(records[-1].stream_version, fact)
        self._streams[stream_id] = stream
        return stream

    async def _measure(self, key: str) -> Measure | None:
        if key not in self._measures:
            found = None
            if self._head.position > 0:
                for record in await self._existing(measure_stream(key)):
                    event = self._codec.decode(record)
                    if isinstance(event, MeasureRegistered):
                        found = Measure.from_event(event)
            self._measures[key] = found
        return self._measures[key]


def _figures(event: FactEvent) -> tuple[Figure, ...]:
    if isinstance(event, FactRecorded):
        figure = event.content.figure
    elif isinstance(event, FactCorroborated):
        figure = event.figure
    elif isinstance(event, FactRevised):
        figure = event.changes.figure
    else:
        figure = None
    return () if figure is None else (figure,)


def _edtf(time: OccurredTime | ReportedTime | None) -> str:
    return "none" if time is None else time.edtf
