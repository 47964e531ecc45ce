from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from hypothesis import given

from tests.unit.domain_strategies import UNHURRIED, as_ofs, logs
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import FactCorroborated, FactRecorded, FactRetracted, FactRevised
from timeline.domain.facts import FactContent, FactPatch, FactStatus
from timeline.domain.figures import Figure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import readings_at, readings_of
from timeline.domain.projections.revisions import fold, replay_at
from timeline.domain.projections.visibility import NOW, AsOf
from timeline.domain.quantities import Basis, Quantity
from timeline.domain.sources import Source

FACT = UUID("00000000-0000-0000-0000-00000000000c")
T0 = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
Row = tuple[UUID, int, Figure, Source, dt.date]


def figure(value: int) -> Figure:
    return Figure(
        measure="small-boat-arrivals",
        quantity=Quantity(Decimal(value), "people"),
        basis=Basis.FLOW,
        period=FuzzyDate("2025-10"),
    )


def source(name: str, published: str) -> Source:
    return Source(
        publisher=name,
        title="Arrivals",
        url=f"https://example.org/{name}",
        published=FuzzyDate(published),
        quote="Arrivals in October.",
    )


def content(value: int) -> FactContent:
    return FactContent(
        kind="FIGURE_REPORTED",
        title="Arrivals in October",
        summary="Counted.",
        occurred=FuzzyDate("2025-10"),
        figure=figure(value),
    )


@UNHURRIED
@given(logs(), as_ofs())
def test_readings_at_a_point_are_the_readings_of_the_replayed_facts(
    log: list[LoggedEvent], as_of: AsOf
) -> None:
    expected: list[Row] = [
        (fact.fact_id, index, r.figure, r.source, r.source.known_from)
        for fact in replay_at(log, as_of).values()
        if fact.status is FactStatus.ACTIVE
        for index, r in enumerate(fact.readings)
    ]
    found = readings_at(fold(log), as_of)
    assert sorted(
        ((r.fact_id, r.reading_index, r.figure, r.source, r.reported_on) for r in found),
        key=repr,
    ) == sorted(expected, key=repr)


def test_a_reading_keeps_where_it_came_in_and_a_retracted_fact_has_none() -> None:
    log = [
        LoggedEvent.of(
            1,
            T0,
            FactRecorded(fact_id=FACT, content=content(1000), source=source("a", "2025-10-09")),
        ),
        LoggedEvent.of(
            4,
            T0 + dt.timedelta(days=1),
            FactCorroborated(fact_id=FACT, source=source("b", "2025-10"), figure=figure(1100)),
        ),
        LoggedEvent.of(
            6,
            T0 + dt.timedelta(days=2),
            FactRevised(fact_id=FACT, changes=FactPatch(title="Arrivals, October"), reason="tidy"),
        ),
        LoggedEvent.of(9, T0 + dt.timedelta(days=3), FactRetracted(fact_id=FACT, reason="dup")),
    ]
    *_, revised, retracted = fold(log).revisions[FACT]
    first, second = readings_of(revised)
    assert (first.position, first.recorded_at, first.reported_on) == (1, T0, dt.date(2025, 10, 9))
    assert (second.position, second.reported_on) == (4, dt.date(2025, 10, 31))
    assert second.figure.quantity.value == 1100
    assert readings_of(retracted) == ()
    before_retraction = AsOf(recorded_before=T0 + dt.timedelta(days=3))
    assert readings_at(fold(log), before_retraction) == (first, second)
    assert readings_at(fold(log), NOW) == ()


def test_readings_can_be_asked_for_one_measure() -> None:
    event = FactRecorded(fact_id=FACT, content=content(5), source=source("a", "2025-10-09"))
    model = fold([LoggedEvent.of(1, T0, event)])
    assert len(readings_at(model, NOW, "small-boat-arrivals")) == 1
    assert readings_at(model, NOW, "uk-payments-to-france") == ()
