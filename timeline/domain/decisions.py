"""Decisions and the fold: commands become events, events fold into a fact's state.

Deciding functions take the current ``Fact`` and return the one event the command produces,
or raise a DomainError; they never build the new state themselves. ``evolve`` is the only
place state changes, so replaying a stream and handling a command can never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import reduce
from uuid import UUID

from timeline.domain.errors import (
    FactRetractedError,
    InvalidFact,
    InvalidFigure,
    InvalidSource,
    StaleRevision,
    UnexpectedEvent,
)
from timeline.domain.events import (
    FactCorroborated,
    FactEvent,
    FactRecorded,
    FactRetracted,
    FactRevised,
)
from timeline.domain.facts import Fact, FactContent, FactPatch, FactStatus, FigureReading
from timeline.domain.figures import Figure
from timeline.domain.sources import Source


def record_fact(fact_id: UUID, content: FactContent, source: Source) -> FactRecorded:
    if not isinstance(content, FactContent):
        raise InvalidFact("content", "must be a FactContent")
    if not isinstance(source, Source):
        raise InvalidSource("source", "must be a Source")
    return FactRecorded(fact_id=fact_id, content=content, source=source)


def corroborate_fact(fact: Fact, source: Source, figure: Figure | None = None) -> FactCorroborated:
    """Another source for ``fact``; no expected revision, because corroborations commute.

    Whether ``figure`` fits its measure's unit is the measure registry's decision
    (``measures.register_or_check``), not the fact's.
    """
    _refuse_retracted(fact)
    if any(known.identity == source.identity for known in fact.sources):
        raise InvalidSource("source", f"{source.identity} is already a source of this fact")
    if figure is not None:
        current = fact.content.figure
        if current is None:
            raise InvalidFigure("figure", "the fact has no figure for this source to read")
        if figure.measure != current.measure:
            raise InvalidFigure(
                "figure.measure", f"{figure.measure!r} is not the fact's {current.measure!r}"
            )
    return FactCorroborated(fact_id=fact.fact_id, source=source, figure=figure)


def revise_fact(
    fact: Fact,
    expected_revision: int,
    patch: FactPatch,
    reason: str,
    source: Source | None = None,
) -> FactRevised:
    _refuse_retracted(fact)
    _refuse_stale(fact, expected_revision)
    if patch.is_empty:
        raise InvalidFact("changes", "the patch is empty")
    # Applying validates the patched content as a whole (e.g. FIGURE_REPORTED keeps a figure).
    if not patch.changed_fields(fact.content):
        raise InvalidFact("changes", "the patch changes nothing")
    return FactRevised(fact_id=fact.fact_id, changes=patch, reason=reason, source=source)


def retract_fact(
    fact: Fact, expected_revision: int, reason: str, source: Source | None = None
) -> FactRetracted:
    _refuse_retracted(fact)
    _refuse_stale(fact, expected_revision)
    return FactRetracted(fact_id=fact.fact_id, reason=reason, source=source)


def evolve(fact: Fact | None, event: FactEvent) -> Fact:
    """The state after ``event``; raises UnexpectedEvent for an event that cannot follow."""
    if isinstance(event, FactRecorded):
        if fact is not None:
            raise UnexpectedEvent("event", f"fact {event.fact_id} was already recorded")
        return Fact(
            fact_id=event.fact_id,
            content=event.content,
            sources=(event.source,),
            readings=_first_readings(event),
        )
    if fact is None:
        raise UnexpectedEvent("event", f"{type(event).__name__} before FactRecorded")
    if event.fact_id != fact.fact_id:
        raise UnexpectedEvent("event.fact_id", f"{event.fact_id} is not fact {fact.fact_id}")
    if fact.is_retracted:
        raise UnexpectedEvent("event", f"{type(event).__name__} after FactRetracted")
    revision = fact.revision + 1
    if isinstance(event, FactCorroborated):
        readings = fact.readings
        if event.figure is not None:
            readings += (FigureReading(figure=event.figure, source=event.source),)
        return dataclasses.replace(
            fact, sources=(*fact.sources, event.source), readings=readings, revision=revision
        )
    if isinstance(event, FactRevised):
        content = event.changes.apply(fact.content)
        sources, source = fact.sources, event.source
        if source is not None:
            # One Source per publication: a revision citing a known article (perhaps another
            # passage of it) is filed under the source already held; the event keeps its quote.
            known = next((s for s in sources if s.identity == source.identity), None)
            if known is None:
                sources += (source,)
            source = known or source
        return dataclasses.replace(
            fact,
            content=content,
            sources=sources,
            readings=_revised_readings(fact, content.figure, source),
            revision=revision,
        )
    return dataclasses.replace(fact, status=FactStatus.RETRACTED, revision=revision)


def replay(events: Iterable[FactEvent], fact: Fact | None = None) -> Fact | None:
    """Fold ``events`` onto ``fact`` (None for a stream read from its start)."""
    return reduce(evolve, events, fact)


def _first_readings(event: FactRecorded) -> tuple[FigureReading, ...]:
    if event.content.figure is None:
        return ()
    return (FigureReading(figure=event.content.figure, source=event.source),)


def _revised_readings(
    fact: Fact, figure: Figure | None, source: Source | None
) -> tuple[FigureReading, ...]:
    """Readings after a revision that leaves the fact's figure as ``figure``.

    Readings record what a named source said. A revision that brings a source records that
    source's reading; one without a source corrects how the old figure was read, so the
    reading that gave the old figure gives the new one. Readings of another measure no
    longer describe the fact's figure and are dropped; so are all readings when the figure
    is cleared.
    """
    old = fact.content.figure
    if figure is None:
        return ()
    if figure == old:
        return fact.readings
    readings = list(fact.readings)
    if source is not None:
        readings = [r for r in readings if r.source.identity != source.identity]
        readings.append(FigureReading(figure=figure, source=source))
    else:
        for index in reversed(range(len(readings))):
            if readings[index].figure == old:
                readings[index] = FigureReading(figure=figure, source=readings[index].source)
                break
    return tuple(r for r in readings if r.figure.measure == figure.measure)


def _refuse_retracted(fact: Fact) -> None:
    if fact.is_retracted:
        raise FactRetractedError("fact", f"fact {fact.fact_id} was retracted")


def _refuse_stale(fact: Fact, expected_revision: int) -> None:
    if expected_revision != fact.revision:
        raise StaleRevision(expected=expected_revision, actual=fact.revision)
