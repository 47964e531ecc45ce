"""Revisions: every state a fact has been in, each with the interval in which it was current.

``advance`` turns the previous revision and the next logged event of the stream into the
closed previous revision and the new current one; ``TimelineModel`` keeps every revision of
every fact (plus the measure registry), so "as known at K" is a lookup, not a replay (see
``visibility`` for why the intervals are well defined). ``replay_at`` is the reference the
model is tested against: a from-scratch fold of only the events visible at a point, written
without the model on purpose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from uuid import UUID

from timeline.domain.decisions import evolve, replay
from timeline.domain.errors import UnexpectedEvent
from timeline.domain.events import FactEvent, FactRetracted, FactRevised, MeasureRegistered
from timeline.domain.facts import Fact, FactContent, FigureReading
from timeline.domain.measures import Measure
from timeline.domain.projections.logged import LoggedEvent, source_of
from timeline.domain.projections.visibility import AsOf
from timeline.domain.sources import Source

ReadingOrigin = tuple[int, dt.datetime]
"""The position and recorded time of the event that brought a reading in."""


@dataclass(frozen=True, slots=True)
class FactRevision:
    """``fact`` as it stood after revision ``revision`` (the event at ``position``).

    ``known_from`` is the EFFECTIVE knowledge day (the running maximum over the stream).
    ``changed_fields`` names what the event changed: content fields by name, and
    ``sources``, ``readings`` or ``status``; a first revision changes nothing, it creates.
    ``reading_origins`` gives, for each of ``fact.readings``, where in the log it came in.
    ``content_revision`` is the revision whose event gave the fact the content it has (this
    one, or an earlier one that a corroboration or retraction kept it from): a read model
    keeps a content once, not once per revision.
    """

    fact: Fact
    revision: int
    position: int
    event_type: str
    changed_fields: tuple[str, ...]
    reason: str | None
    source: Source | None
    known_from: dt.date
    recorded_from: dt.datetime
    known_until: dt.date | None = None
    recorded_until: dt.datetime | None = None
    reading_origins: tuple[ReadingOrigin, ...] = ()
    content_revision: int = 1

    @property
    def fact_id(self) -> UUID:
        return self.fact.fact_id

    @property
    def is_open(self) -> bool:
        """Still the latest revision of its stream."""
        return self.known_until is None

    def is_current(self, as_of: AsOf) -> bool:
        return as_of.is_current(
            self.known_from, self.recorded_from, self.known_until, self.recorded_until
        )

    def closed_by(self, successor: FactRevision) -> FactRevision:
        # Spelled out rather than dataclasses.replace, which looks the fields up on every call:
        # a rebuild closes a revision per event.
        return FactRevision(
            fact=self.fact,
            revision=self.revision,
            position=self.position,
            event_type=self.event_type,
            changed_fields=self.changed_fields,
            reason=self.reason,
            source=self.source,
            known_from=self.known_from,
            recorded_from=self.recorded_from,
            known_until=successor.known_from,
            recorded_until=successor.recorded_from,
            reading_origins=self.reading_origins,
            content_revision=self.content_revision,
        )


def advance(
    previous: FactRevision | None, logged: LoggedEvent
) -> tuple[FactRevision | None, FactRevision]:
    """(``previous`` closed, or None, and the revision ``logged`` makes current)."""
    event = logged.event
    if isinstance(event, MeasureRegistered):
        raise UnexpectedEvent("event", "a measure's registration is not part of a fact's stream")
    before = None if previous is None else previous.fact
    fact = evolve(before, event)
    known_from = logged.known_on
    if previous is not None:
        known_from = max(known_from, previous.known_from)
        if logged.recorded_at < previous.recorded_from:
            raise UnexpectedEvent("recorded_at", f"goes back in time at position {logged.position}")
    current = FactRevision(
        fact=fact,
        revision=fact.revision,
        position=logged.position,
        event_type=logged.event_type,
        changed_fields=_changed_fields(before, fact),
        reason=event.reason if isinstance(event, FactRevised | FactRetracted) else None,
        source=source_of(event),
        known_from=known_from,
        recorded_from=logged.recorded_at,
        reading_origins=_origins(previous, fact.readings, (logged.position, logged.recorded_at)),
        content_revision=(
            fact.revision
            if previous is None or not _same(previous.fact.content, fact.content)
            else previous.content_revision
        ),
    )
    return (None if previous is None else previous.closed_by(current)), current


_CONTENT_FIELDS = tuple(f.name for f in dataclasses.fields(FactContent))


def _same(before: FactContent, after: FactContent) -> bool:
    return before is after or before == after


def _changed_fields(before: Fact | None, after: Fact) -> tuple[str, ...]:
    if before is None:
        return ()
    names = []
    if before.content is not after.content:  # a corroboration keeps the content it had
        names = [
            name
            for name in _CONTENT_FIELDS
            if getattr(before.content, name) != getattr(after.content, name)
        ]
    names += [
        name
        for name in ("sources", "readings", "status")
        if getattr(before, name) != getattr(after, name)
    ]
    return tuple(names)


def _origins(
    previous: FactRevision | None, readings: tuple[FigureReading, ...], here: ReadingOrigin
) -> tuple[ReadingOrigin, ...]:
    # A reading carried over unchanged keeps the origin it had; any other came in just now.
    known: dict[FigureReading, ReadingOrigin] = {}
    if previous is not None:
        known = dict(zip(previous.fact.readings, previous.reading_origins, strict=False))
    return tuple(known.get(reading, here) for reading in readings)


@dataclass(frozen=True, slots=True)
class RegisteredMeasure:
    """A measure and where it entered the log; vocabulary, visible by recorded time only."""

    measure: Measure
    position: int
    recorded_from: dt.datetime


@dataclass(frozen=True, slots=True)
class TimelineModel:
    """Every revision of every fact, in stream order, and the measures registered so far."""

    revisions: Mapping[UUID, tuple[FactRevision, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    measures: Mapping[str, RegisteredMeasure] = field(default_factory=lambda: MappingProxyType({}))
    position: int | None = None
    """The position of the last event folded in (the projection's checkpoint)."""
    recorded_at: dt.datetime | None = None


EMPTY = TimelineModel()


def apply(model: TimelineModel, logged: LoggedEvent) -> TimelineModel:
    """The model with ``logged`` folded in."""
    return fold((logged,), model)


def fold(events: Iterable[LoggedEvent], model: TimelineModel = EMPTY) -> TimelineModel:
    """``events`` (in log order) folded onto ``model``."""
    revisions = dict(model.revisions)
    measures = dict(model.measures)
    position, recorded_at = model.position, model.recorded_at
    for logged in events:
        if position is not None and logged.position <= position:
            raise UnexpectedEvent("position", f"{logged.position} does not follow {position}")
        if recorded_at is not None and logged.recorded_at < recorded_at:
            raise UnexpectedEvent("recorded_at", f"goes back in time at position {logged.position}")
        position, recorded_at = logged.position, logged.recorded_at
        event = logged.event
        if isinstance(event, MeasureRegistered):
            if event.key in measures:
                raise UnexpectedEvent("key", f"measure {event.key!r} is already registered")
            measures[event.key] = RegisteredMeasure(
                Measure.from_event(event), logged.position, logged.recorded_at
            )
            continue
        stream = revisions.get(event.fact_id, ())
        closed, current = advance(stream[-1] if stream else None, logged)
        revisions[event.fact_id] = (*stream[:-1], closed, current) if closed else (current,)
    return TimelineModel(
        MappingProxyType(revisions), MappingProxyType(measures), position, recorded_at
    )


def revision_at(revisions: Iterable[FactRevision], as_of: AsOf) -> FactRevision | None:
    """The revision current at ``as_of``, or None if the fact was not known then."""
    return next((revision for revision in revisions if revision.is_current(as_of)), None)


def facts_at(model: TimelineModel, as_of: AsOf) -> dict[UUID, FactRevision]:
    """The current revision of every fact known at ``as_of`` (retracted ones included)."""
    found = {fact_id: revision_at(stream, as_of) for fact_id, stream in model.revisions.items()}
    return {fact_id: revision for fact_id, revision in found.items() if revision is not None}


def measures_at(model: TimelineModel, as_of: AsOf) -> dict[str, Measure]:
    """The measures registered before ``as_of.recorded_before``."""
    before = as_of.recorded_before
    return {
        key: entry.measure
        for key, entry in model.measures.items()
        if before is None or entry.recorded_from < before
    }


def replay_at(events: Iterable[LoggedEvent], as_of: AsOf) -> dict[UUID, Fact]:
    """REFERENCE: the facts a from-scratch fold of the events visible at ``as_of`` gives."""
    effective: dict[UUID, dt.date] = {}
    visible: defaultdict[UUID, list[FactEvent]] = defaultdict(list)
    for logged in sorted(events, key=lambda logged: logged.position):
        event = logged.event
        if isinstance(event, MeasureRegistered):
            continue
        known = max(effective.get(event.fact_id, logged.known_on), logged.known_on)
        effective[event.fact_id] = known
        if as_of.sees(known, logged.recorded_at):
            visible[event.fact_id].append(event)
    facts = {fact_id: replay(stream) for fact_id, stream in visible.items()}
    return {fact_id: fact for fact_id, fact in facts.items() if fact is not None}
