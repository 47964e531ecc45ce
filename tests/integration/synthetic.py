"""A synthetic log: thousands of valid fact events, appended straight to an event store.

Facts are recorded, corroborated (with and without readings of their figure), revised and
retracted by the domain's own decisions, so every stream is one the service could have
written; their events are interleaved across streams and recorded over simulated months,
with sources published before, during and after, so the knowledge rule has work to do.
Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from uuid import UUID

from tests.factories import ManualClock
from timeline.application.ports import EventStore
from timeline.application.streams import fact_stream, measure_stream
from timeline.domain import decisions
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError
from timeline.domain.events import DomainEvent, FactEvent, MeasureRegistered
from timeline.domain.facts import Fact, FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source
from timeline.store import codec

MEASURES = (("uk-payments-to-france", "GBP"), ("small-boat-arrivals", "people"))
KINDS = ("POLICY_ANNOUNCED", "FUNDING_COMMITTED", "MEETING_HELD", "FIGURE_REPORTED")
TOPICS = ("france", "rwanda", "balkans", "returns", "boats")
ACTORS = ("Home Office", "Keir Starmer", "Europol")
PLACES = ("Calais", "Sarajevo", "Dover")
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _day(rng: random.Random) -> str:
    day = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randrange(700))
    precision = rng.random()
    if precision < 0.15:
        return f"{day.year:04d}"
    if precision < 0.4:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _source(rng: random.Random, number: int) -> Source:
    return Source(
        publisher=rng.choice(("BBC News", "Home Office", "Reuters")),
        title=f"Report {number}",
        url=f"https://example.org/{number}",
        published=FuzzyDate(_day(rng)),
        quote=f"Quote {number}: more than {rng.randrange(10**6)} people.",
    )


def _figure(rng: random.Random, measure: str, unit: str) -> Figure:
    value = (
        Decimal(rng.randrange(1, 10**6))
        if unit != "GBP"
        else Decimal(rng.randrange(1, 10**8)) / 100
    )
    start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(500))
    return Figure(
        measure=measure,
        quantity=Quantity(value, unit, rng.choice(list(Qualifier))),
        basis=rng.choice(list(Basis)),
        period=FuzzyDate(
            f"{start.isoformat()}/{(start + dt.timedelta(days=rng.randrange(1, 90))).isoformat()}"
        ),
    )


def _stream(rng: random.Random, number: int, counter: list[int]) -> list[FactEvent]:
    def source() -> Source:
        counter[0] += 1
        return _source(rng, counter[0])

    measure, unit = rng.choice(MEASURES)
    kind = rng.choice(KINDS)
    figure = (
        _figure(rng, measure, unit) if kind == "FIGURE_REPORTED" or rng.random() < 0.3 else None
    )
    content = FactContent(
        kind=kind,
        title=f"Fact {number} about {rng.choice(TOPICS)}",
        summary=f"Summary of fact {number}.",
        occurred=FuzzyDate(_day(rng)),
        topics=tuple(rng.sample(TOPICS, rng.randrange(3))),
        actors=tuple(rng.sample(ACTORS, rng.randrange(2))),
        places=tuple(rng.sample(PLACES, rng.randrange(2))),
        figure=figure,
    )
    fact_id = UUID(int=rng.getrandbits(128))
    events: list[FactEvent] = [decisions.record_fact(fact_id, content, source())]
    fact: Fact = decisions.evolve(None, events[0])
    for _ in range(rng.randrange(4)):
        try:
            if rng.random() < 0.5:
                current = fact.content.figure
                reading = None
                if current is not None and rng.random() < 0.7:
                    reading = _figure(rng, current.measure, unit)
                event: FactEvent = decisions.corroborate_fact(fact, source(), reading)
            else:
                patch = FactPatch(
                    title=f"Fact {number}, revised",
                    occurred=FuzzyDate(_day(rng)) if rng.random() < 0.5 else None,
                    figure=_figure(rng, measure, unit)
                    if fact.content.figure and rng.random() < 0.5
                    else None,
                )
                with_source = source() if rng.random() < 0.5 else None
                event = decisions.revise_fact(fact, fact.revision, patch, "corrected", with_source)
        except DomainError:
            continue
        events.append(event)
        fact = decisions.evolve(fact, event)
    if rng.random() < 0.15:
        events.append(decisions.retract_fact(fact, fact.revision, "not what was said"))
    return events


async def append_synthetic_log(
    store: EventStore, clock: ManualClock, *, facts: int, seed: int = 0
) -> int:
    """Append the streams of ``facts`` synthetic facts (about three events each) and the
    registrations of their measures; return the head position."""
    rng = random.Random(seed)
    counter = [0]
    pending = [_stream(rng, number, counter) for number in range(facts)]
    versions: dict[str, int] = {}
    registered = [MeasureRegistered(key=key, label=key, unit=unit) for key, unit in MEASURES]
    for event in registered:
        if not await store.read_stream(measure_stream(event.key)):  # an earlier call's
            await _append(store, measure_stream(event.key), [event], versions)
    while pending:
        index = rng.randrange(len(pending))
        stream = pending[index]
        # Several events of one stream in one append now and then: fewer round trips.
        take = stream[: rng.choice((1, 1, 2, 3))]
        del stream[: len(take)]
        if not stream:
            pending.pop(index)
        clock.advance(dt.timedelta(hours=rng.choice((0, 1, 30, 24 * 20))))
        await _append(store, fact_stream(take[0].fact_id), list(take), versions)
    return await store.head_position()


async def _append(
    store: EventStore, stream_id: str, events: list[DomainEvent], versions: dict[str, int]
) -> None:
    version = versions.get(stream_id, 0)
    await store.append(stream_id, [codec.encode(e) for e in events], expected_version=version)
    versions[stream_id] = version + len(events)


def synthetic_clock() -> ManualClock:
    return ManualClock(START)
