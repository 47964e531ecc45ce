"""Hypothesis strategies for domain values, shared by the unit tests of the domain and codec.

Dates are drawn from a few years by default so that containment, overlap and ties on the
earliest day happen often enough for the properties about them to be exercised.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st

from timeline.domain.dates import FuzzyDate
from timeline.domain.decisions import (
    corroborate_fact,
    evolve,
    record_fact,
    retract_fact,
    revise_fact,
)
from timeline.domain.errors import DomainError
from timeline.domain.events import (
    DomainEvent,
    FactCorroborated,
    FactEvent,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import KNOWN_KINDS, FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.visibility import AsOf
from timeline.domain.quantities import COUNT_UNITS, Basis, Qualifier, Quantity
from timeline.domain.sources import Source

QUALIFIER_MARKS = ("", "?", "~", "%")

UNHURRIED = settings(deadline=None)
"""For properties whose examples parse fresh EDTF: edtf's grammar takes milliseconds per
date, so a cold cache and a garbage collection can pass hypothesis's 200 ms deadline."""


@st.composite
def point_texts(draw: st.DrawFn, min_year: int = 2023, max_year: int = 2025) -> str:
    """EDTF text for one date at day, month or year precision, maybe qualified."""
    year = draw(st.integers(min_year, max_year))
    precision = draw(st.sampled_from(("year", "month", "day")))
    text = f"{year:04d}"
    if precision != "year":
        month = draw(st.integers(1, 12))
        text += f"-{month:02d}"
        if precision == "day":
            day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
            text += f"-{day:02d}"
    return text + draw(st.sampled_from(QUALIFIER_MARKS))


@st.composite
def fuzzy_dates(
    draw: st.DrawFn, min_year: int = 2023, max_year: int = 2025, open_ends: bool = True
) -> FuzzyDate:
    """Single dates and intervals, including open and unknown ends."""
    first = FuzzyDate(draw(point_texts(min_year, max_year)))
    if not draw(st.booleans()):
        return first
    second = FuzzyDate(draw(point_texts(min_year, max_year)))
    # Whichever order makes an interval that does not end before it starts.
    if first.earliest > second.latest:
        first, second = second, first
    start, end = first.text, second.text
    if open_ends:
        # At most one side unbounded: "../.." is refused.
        side = draw(st.sampled_from(("none", "none", "start", "end")))
        if side == "start":
            start = draw(st.sampled_from(("..", "")))
        elif side == "end":
            end = draw(st.sampled_from(("..", "")))
    return FuzzyDate(f"{start}/{end}")


def closed_fuzzy_dates() -> st.SearchStrategy[FuzzyDate]:
    return fuzzy_dates(open_ends=False)


def days(min_year: int = 2023, max_year: int = 2025) -> st.SearchStrategy[dt.date]:
    return st.dates(dt.date(min_year, 1, 1), dt.date(max_year, 12, 31))


def decimals(max_value: int = 10**12, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False
    )


@st.composite
def quantities(draw: st.DrawFn, unit: str | None = None) -> Quantity:
    unit = unit or draw(st.sampled_from(("GBP", "EUR", "percent", *sorted(COUNT_UNITS))))
    places = 0 if unit in COUNT_UNITS else 2
    value = draw(decimals(places=places))
    qualifier = draw(st.sampled_from(Qualifier))
    if value == 0 and qualifier in (Qualifier.LESS_THAN, Qualifier.ALMOST):
        value = Decimal(1)
    return Quantity(value, unit, qualifier)


@st.composite
def figures(draw: st.DrawFn, measure: str | None = None) -> Figure:
    quantity = draw(quantities())
    equivalent = None
    if draw(st.booleans()):
        other = "EUR" if quantity.unit == "GBP" else "GBP"
        equivalent = draw(quantities(unit=other))
    basis = draw(st.sampled_from(Basis))
    period = draw(fuzzy_dates(open_ends=False))
    window = (period.latest - period.earliest).days + 1
    span_days = None
    if basis is Basis.FLOW and window > 1 and draw(st.booleans()):
        # "Nearly 2,000 last week": a span of known length somewhere inside the period.
        span_days = draw(st.integers(1, min(window - 1, 400)))
    return Figure(
        measure=measure or draw(st.sampled_from(("uk-payments-to-france", "small-boat-arrivals"))),
        quantity=quantity,
        basis=basis,
        period=period,
        equivalent=equivalent,
        span_days=span_days,
    )


_WORDS = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters=" '-,.£€"),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() != "")


@st.composite
def sources(draw: st.DrawFn) -> Source:
    number = draw(st.integers(0, 10**9))
    url = draw(st.sampled_from((f"https://example.org/{number}", None)))
    document = f"article-{number}.txt" if url is None else draw(st.none() | st.just("a.txt"))
    return Source(
        publisher=draw(st.sampled_from(("BBC News", "Home Office", "The Guardian", "Reuters"))),
        title=draw(_WORDS),
        url=url,
        published=draw(fuzzy_dates(open_ends=False)),
        quote=draw(_WORDS | st.just("Line one.\nLine two.")),
        document=document,
    )


@st.composite
def contents(draw: st.DrawFn) -> FactContent:
    kind = draw(st.sampled_from(sorted(KNOWN_KINDS | {"INQUIRY_OPENED"})))
    figure = draw(figures()) if kind == "FIGURE_REPORTED" else draw(st.none() | figures())
    labels = st.lists(_WORDS, max_size=3, unique=True).map(tuple)
    phrase = draw(st.none() | st.just("on 9 October"))
    return FactContent(
        kind=kind,
        title=draw(_WORDS),
        summary=draw(_WORDS),
        occurred=draw(fuzzy_dates()),
        occurred_phrase=phrase,
        inferred=("year",) if phrase else (),
        date_note=draw(st.none() | st.just("on or before publication")),
        topics=draw(labels),
        actors=draw(labels),
        places=draw(labels),
        figure=figure,
    )


CLEARABLE_SETS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(),
    frozenset({"figure"}),
    frozenset({"date_note"}),
)


@st.composite
def patches(draw: st.DrawFn) -> FactPatch:
    """Patches that may or may not fit a given fact (deciding refuses the ones that do not)."""
    figure = draw(st.none() | figures())
    cleared = frozenset() if figure else draw(st.sampled_from(CLEARABLE_SETS))
    return FactPatch(
        title=draw(st.none() | _WORDS),
        summary=draw(st.none() | _WORDS),
        occurred=draw(st.none() | fuzzy_dates()),
        topics=draw(st.none() | st.lists(_WORDS, max_size=2, unique=True).map(tuple)),
        date_note=None if "date_note" in cleared else draw(st.none() | st.just("reported later")),
        figure=figure,
        cleared=cleared,
    )


def fact_ids() -> st.SearchStrategy[UUID]:
    return st.uuids()


@st.composite
def fact_events(draw: st.DrawFn) -> FactEvent:
    """Any single fact event, well formed on its own (not necessarily a valid stream)."""
    fact_id = draw(fact_ids())
    choice = draw(st.sampled_from(("recorded", "corroborated", "revised", "retracted")))
    if choice == "recorded":
        return FactRecorded(fact_id=fact_id, content=draw(contents()), source=draw(sources()))
    if choice == "corroborated":
        figure = draw(st.none() | figures())
        return FactCorroborated(fact_id=fact_id, source=draw(sources()), figure=figure)
    reason = draw(_WORDS)
    source = draw(st.none() | sources())
    if choice == "revised":
        return FactRevised(fact_id=fact_id, changes=draw(patches()), reason=reason, source=source)
    return FactRetracted(fact_id=fact_id, reason=reason, source=source)


@st.composite
def fact_streams(draw: st.DrawFn) -> list[FactEvent]:
    """A valid stream of one fact's events, built by the deciding functions."""
    fact_id = draw(fact_ids())
    events: list[FactEvent] = [record_fact(fact_id, draw(contents()), draw(sources()))]
    fact = evolve(None, events[0])
    for _ in range(draw(st.integers(0, 6))):
        event: FactEvent
        try:
            if draw(st.booleans()):
                current = fact.content.figure
                reading = None
                if current is not None and draw(st.booleans()):
                    reading = draw(figures(measure=current.measure))
                event = corroborate_fact(fact, draw(sources()), reading)
            else:
                source = draw(st.none() | sources())
                event = revise_fact(fact, fact.revision, draw(patches()), "corrected", source)
        except DomainError:
            continue  # a command the fact refuses: not part of any stream
        events.append(event)
        fact = evolve(fact, event)
    if draw(st.booleans()):
        events.append(retract_fact(fact, fact.revision, "not what the source said"))
    return events


def measure_events() -> st.SearchStrategy[MeasureRegistered]:
    return st.builds(
        MeasureRegistered,
        key=st.sampled_from(("uk-payments-to-france", "small-boat-arrivals")),
        label=_WORDS,
        unit=st.sampled_from(("GBP", "people", "percent")),
    )


RECORDING_STARTS = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


@st.composite
def logs(draw: st.DrawFn, max_facts: int = 4) -> list[LoggedEvent]:
    """Several facts' valid streams interleaved into one log, with measures registered among
    them: positions increase (with gaps), recorded times never decrease (with ties), and
    sources are published before, during and after the recording."""
    streams = draw(st.lists(fact_streams(), min_size=1, max_size=max_facts))
    keys = draw(st.lists(st.sampled_from(MEASURE_KEYS), unique=True, max_size=2))
    measures = [MeasureRegistered(key=key, label=key, unit="GBP") for key in keys]
    lanes = [index for index, stream in enumerate(streams) for _ in stream]
    lanes += [-1] * len(measures)
    pending: list[list[DomainEvent]] = [list(stream) for stream in streams]
    order = draw(st.permutations(lanes))
    log: list[LoggedEvent] = []
    position, recorded_at = draw(st.integers(0, 5)), RECORDING_STARTS
    for lane in order:
        event = measures.pop() if lane == -1 else pending[lane].pop(0)
        position += draw(st.integers(1, 3))
        recorded_at += draw(_LOG_STEPS)
        log.append(LoggedEvent.of(position, recorded_at, event))
    return log


MEASURE_KEYS = ("uk-payments-to-france", "small-boat-arrivals")
_LOG_STEPS = st.sampled_from(
    (dt.timedelta(0), dt.timedelta(hours=5), dt.timedelta(days=40), dt.timedelta(days=200))
)


@st.composite
def as_ofs(draw: st.DrawFn) -> AsOf:
    """Points of view before, among and after the logs' publication and recording times."""
    known_at = draw(st.none() | days(2022, 2027))
    recorded_before = draw(
        st.none()
        | st.integers(-2, 60).map(lambda steps: RECORDING_STARTS + steps * dt.timedelta(days=20))
    )
    return AsOf(known_at, recorded_before)


@st.composite
def as_ofs_on(draw: st.DrawFn, log: list[LoggedEvent]) -> AsOf:
    """Points of view on the edges of ``log``'s own times, where half-open intervals bite:
    a day on which an event becomes known (or the day before), an instant at which one was
    recorded (or just after)."""
    known_at = draw(st.none() | st.sampled_from([e.known_on for e in log]))
    if known_at is not None and draw(st.booleans()) and known_at > dt.date.min:
        known_at -= dt.timedelta(days=1)
    recorded_before = draw(st.none() | st.sampled_from([e.recorded_at for e in log]))
    if recorded_before is not None and draw(st.booleans()):
        recorded_before += dt.timedelta(microseconds=1)
    return AsOf(known_at, recorded_before)
