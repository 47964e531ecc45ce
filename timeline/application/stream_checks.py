"""Checks that each imported event is one its stream accepts, after what came before it.

An event must be the next version of its stream, its payload must decode through the codec
to a domain event whose own dates are the ``occurred`` and ``reported`` stated beside it
(the read models index those), and the stream, folded through the domain's
``decisions.evolve`` and the measure registry, must accept it: a fact's events on the fact's
stream in an order the fact allows, each measure registered once on its own stream before
any figure of it, every figure in its measure's unit or with an equivalent in it.

A stream moves on to the version an event states even when the event is refused, so that
one bad event is reported once and its successors are judged on their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from timeline.application.errors import ApplicationError
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
from timeline.domain.trusted import validated

StreamReader = Callable[[str], Awaitable[list[RecordedEvent]]]


@dataclass(slots=True)
class _Stream:
    version: int
    fact: Fact | None
    """The fact folded so far; None for a measure's stream."""


class StreamChecker:
    """Folds the imported events, stream by stream, and says why one does not fit.

    ``existing`` reads a stream of the target log, for the streams an import continues;
    None when the target log is empty.
    """

    def __init__(self, codec: EventCodec, existing: StreamReader | None) -> None:
        self._codec = codec
        self._existing = existing
        self._streams: dict[str, _Stream] = {}
        self._measures: dict[str, Measure | None] = {}

    async def check(self, record: RecordedEvent) -> list[str]:
        """Why ``record`` does not fit its stream (nothing when it does); the stream moves on."""
        stream = await self._stream(record.stream_id)
        try:
            # The codec trusts what it decodes (it is built for replaying our own log); an
            # imported log is input, so its events are held to the checks input gets.
            event = validated(self._codec.decode(record))
        except (ApplicationError, DomainError) as error:
            fact = None if stream is None else stream.fact
            self._streams[record.stream_id] = _Stream(record.stream_version, fact)
            return [f"payload does not decode: {error}"]
        reasons = self._times(record, event)
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

    # -- what the target log already holds ---------------------------------------------

    async def _stream(self, stream_id: str) -> _Stream | None:
        if stream_id in self._streams or self._existing is None:
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
            if self._existing is not None:
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
