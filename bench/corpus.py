"""A synthetic log for the benchmarks: N events of facts spread over twenty years.

Every event is made by the domain's own decisions from real value objects, so the log is one
the service could have written. The mix follows the issue: about 10% of facts carry a
figure, each fact has one to three sources (the first records it, the others corroborate
it), about 5% of events are revisions and 1% retractions, and measures are registered before
their first figure. Texts have the sizes of real reporting: titles of six to sixteen words,
summaries of one to four sentences, quotes of one to three. The same seed gives the same
events, ids included, so two systems and two runs append identical content.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from timeline.application.streams import fact_stream, measure_stream
from timeline.domain import decisions
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import DomainEvent, FactEvent, MeasureRegistered
from timeline.domain.facts import Fact, FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

SEED = 20_061_001
FIRST_DAY = dt.date(2006, 1, 1)
YEARS = 20
DAYS = 365 * YEARS + 5

FIGURE_SHARE = 0.10
REVISION_SHARE = 0.05
RETRACTION_SHARE = 0.01
# Sources per fact are 1, 2 or 3 (mean 2), so a fact has about 2 + r + t events; these make
# revisions and retractions the shares above of all events.
_REVISIONS_PER_FACT = REVISION_SHARE * 2 / (1 - REVISION_SHARE - RETRACTION_SHARE)
_RETRACTIONS_PER_FACT = RETRACTION_SHARE * 2 / (1 - REVISION_SHARE - RETRACTION_SHARE)
_EVENTS_PER_FACT = 2 + _REVISIONS_PER_FACT + _RETRACTIONS_PER_FACT

MEASURES = (
    ("uk-payments-to-france", "Payments from the UK to France", "GBP"),
    ("small-boat-arrivals", "People arriving by small boat", "people"),
    ("asylum-decisions", "Initial asylum decisions", "decisions"),
    ("returns-enforced", "Enforced returns", "returns"),
    ("eu-border-funding", "EU border funding", "EUR"),
    ("detention-beds", "Immigration detention beds", "beds"),
)
KINDS = (
    "POLICY_ANNOUNCED",
    "POLICY_SCRAPPED",
    "POLICY_IN_FORCE",
    "POLICY_MILESTONE",
    "AGREEMENT_SIGNED",
    "FUNDING_COMMITTED",
    "MEETING_HELD",
    "SUMMIT_HELD",
    "DEPLOYMENT_ANNOUNCED",
    "RULE_CHANGED",
)
PUBLISHERS = ("BBC News", "The Guardian", "Reuters", "Home Office", "Financial Times", "Le Monde")
TOPICS = ("france", "rwanda", "returns", "boats", "funding", "detention", "asylum", "border")
ACTORS = ("Home Office", "Europol", "Frontex", "Border Force", "Interior Ministry", "UNHCR")
PLACES = ("Calais", "Dover", "Dunkirk", "Kigali", "Brussels", "Sarajevo", "Lampedusa")
_PROSE = (
    "the government said it would expand the scheme after talks with officials in the "
    "region while critics warned that funding for patrols and new detention places "
    "had not been agreed and that the number of crossings rose again during the "
    "summer months as ministers promised further measures to disrupt smuggling "
    "networks operating along the coast and a review of the agreement was expected "
    "before the end of the year"
)
_WORDS = _PROSE.split()


@dataclass(frozen=True, slots=True)
class CorpusEvent:
    """One event of the log and the stream it goes to, with the stream's version before it."""

    stream_id: str
    expected_version: int
    event: DomainEvent


def corpus(events: int, seed: int = SEED) -> list[CorpusEvent]:
    """The ``events`` events of the synthetic log for ``seed``, in log order."""
    return list(_log(random.Random(seed), events))[:events]


def frozen(events: list[CorpusEvent]) -> list[CorpusEvent]:
    """``events``, with everything alive now moved out of the garbage collector's sight.

    A corpus is hundreds of thousands of objects that live to the end; left to the
    collector, every full collection during a measurement would walk them all, and charge
    it to whichever system happened to allocate. A real writer or reader holds no corpus."""
    gc.collect()
    gc.freeze()
    return events


def _log(rng: random.Random, wanted: int) -> Iterator[CorpusEvent]:
    # Facts are first reported evenly over the twenty years; each fact's later events come
    # days to years after, and the log takes every event in the order of its day.
    facts = int(wanted / _EVENTS_PER_FACT * 1.05) + 1
    pending: dict[int, list[tuple[str, FactEvent]]] = {}
    versions: dict[str, int] = {}
    registered: set[str] = set()
    produced = 0
    next_fact = 0
    day = 0
    while produced < wanted:
        while next_fact < facts and next_fact * DAYS // facts <= day:
            next_fact += 1
            for offset, stream_id, event in _fact(rng, next_fact, day):
                pending.setdefault(day + offset, []).append((stream_id, event))
        for stream_id, event in pending.pop(day, []):
            figure = _figure_of(event)
            if figure is not None and figure.measure not in registered:
                registered.add(figure.measure)
                key, label, unit = next(m for m in MEASURES if m[0] == figure.measure)
                registration = MeasureRegistered(key=key, label=label, unit=unit)
                yield CorpusEvent(measure_stream(key), 0, registration)
                produced += 1
            version = versions.get(stream_id, 0)
            versions[stream_id] = version + 1
            yield CorpusEvent(stream_id, version, event)
            produced += 1
        if next_fact >= facts and not pending:  # pragma: no cover - facts make > wanted
            raise RuntimeError(f"the corpus ran out at {produced} events")
        day += 1


def _figure_of(event: FactEvent) -> Figure | None:
    content = getattr(event, "content", None)
    if content is not None and content.figure is not None:
        figure: Figure = content.figure
        return figure
    changes = getattr(event, "changes", None)
    return changes.figure if changes is not None else None


def _fact(rng: random.Random, number: int, day: int) -> list[tuple[int, str, FactEvent]]:
    fact_id = UUID(int=rng.getrandbits(128), version=4)
    stream_id = fact_stream(fact_id)
    first_source = _source(rng, number, 0, day)
    figure = _figure(rng, day) if rng.random() < FIGURE_SHARE else None
    content = FactContent(
        kind="FIGURE_REPORTED" if figure is not None and rng.random() < 0.5 else rng.choice(KINDS),
        title=_sentence(rng, 6, 16).rstrip("."),
        summary=" ".join(_sentence(rng, 12, 30) for _ in range(rng.randint(1, 4))),
        occurred=_date_before(rng, day),
        occurred_phrase=None,
        topics=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
        actors=tuple(rng.sample(ACTORS, rng.randint(0, 2))),
        places=tuple(rng.sample(PLACES, rng.randint(0, 2))),
        figure=figure,
    )
    recorded = decisions.record_fact(fact_id, content, first_source)
    fact: Fact = decisions.evolve(None, recorded)
    scheduled: list[tuple[int, str, FactEvent]] = [(0, stream_id, recorded)]
    offset = 0
    for index in range(1, rng.randint(1, 3)):
        offset += rng.randint(0, 30)
        reading = None
        if fact.content.figure is not None and rng.random() < 0.5:
            reading = _figure(rng, day, fact.content.figure.measure)
        event: FactEvent = decisions.corroborate_fact(
            fact, _source(rng, number, index, day + offset), reading
        )
        fact = decisions.evolve(fact, event)
        scheduled.append((offset, stream_id, event))
    revisions = int(_REVISIONS_PER_FACT) + (rng.random() < _REVISIONS_PER_FACT % 1)
    for _ in range(revisions):
        offset += rng.randint(1, 400)
        patch = FactPatch(
            title=_sentence(rng, 6, 16).rstrip("."),
            occurred=_date_before(rng, day) if rng.random() < 0.4 else None,
        )
        event = decisions.revise_fact(fact, fact.revision, patch, _sentence(rng, 4, 12))
        fact = decisions.evolve(fact, event)
        scheduled.append((offset, stream_id, event))
    if rng.random() < _RETRACTIONS_PER_FACT:
        offset += rng.randint(1, 400)
        event = decisions.retract_fact(fact, fact.revision, _sentence(rng, 4, 12))
        scheduled.append((offset, stream_id, event))
    return scheduled


def _sentence(rng: random.Random, shortest: int, longest: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(shortest, longest))
    return " ".join(words).capitalize() + "."


def _day(day: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=min(day, DAYS - 1))


def _date_before(rng: random.Random, day: int) -> FuzzyDate:
    """When a fact reported on ``day`` happened: mostly a day, else a month, year or span."""
    when = _day(day - rng.randint(0, 60))
    precision = rng.random()
    if precision < 0.6:
        return FuzzyDate.of_day(when)
    if precision < 0.8:
        return FuzzyDate.of_month(when.year, when.month)
    if precision < 0.9:
        return FuzzyDate.of_year(when.year)
    start = when - dt.timedelta(days=rng.randint(1, 700))
    return FuzzyDate(f"{start.isoformat()}/{when.isoformat()}")


def _source(rng: random.Random, fact: int, index: int, day: int) -> Source:
    publisher = rng.choice(PUBLISHERS)
    published = _day(day)
    slug = "-".join(rng.choices(_WORDS, k=rng.randint(4, 9)))
    return Source(
        publisher=publisher,
        title=_sentence(rng, 6, 14).rstrip("."),
        url=f"https://news.example.org/{published.year}/{published.month:02d}/{slug}-{fact}-{index}",
        published=FuzzyDate.of_day(published),
        quote=" ".join(_sentence(rng, 10, 28) for _ in range(rng.randint(1, 3))),
    )


def _figure(rng: random.Random, day: int, measure: str | None = None) -> Figure:
    key, _, unit = next(m for m in MEASURES if m[0] == measure) if measure else rng.choice(MEASURES)
    money = unit in ("GBP", "EUR")
    value = Decimal(rng.randint(1, 10**9)) / 100 if money else Decimal(rng.randint(1, 50_000))
    end = _day(day - rng.randint(0, 30))
    return Figure(
        measure=key,
        quantity=Quantity(value, unit, rng.choice(list(Qualifier))),
        basis=rng.choice(list(Basis)),
        period=FuzzyDate.of_month(end.year, end.month)
        if rng.random() < 0.7
        else FuzzyDate.of_year(end.year),
    )
