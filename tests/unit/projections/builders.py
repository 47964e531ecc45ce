"""Readings built directly, so that a totals test says only what matters to it, and one
small log of payments for the tests that go through the model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.events import (
    DomainEvent,
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.readings import Reading
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

PAYMENTS = Measure(key="uk-payments-to-france", label="UK payments to France", unit="GBP")
ARRIVALS = Measure(key="small-boat-arrivals", label="Small boat arrivals", unit="people")
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def fact(number: int) -> UUID:
    return UUID(int=number)


def reading(
    value: int | str,
    period: str,
    *,
    number: int = 1,
    qualifier: Qualifier = Qualifier.EXACT,
    basis: Basis = Basis.FLOW,
    reported: str = "2025-11-01",
    position: int | None = None,
    recorded: dt.datetime | None = None,
    measure: Measure = PAYMENTS,
    unit: str | None = None,
    equivalent: Quantity | None = None,
    span_days: int | None = None,
) -> Reading:
    """A reading of fact ``number``; its position defaults to the number."""
    position = number if position is None else position
    return Reading(
        fact_id=fact(number),
        reading_index=0,
        figure=Figure(
            measure=measure.key,
            quantity=Quantity(Decimal(value), unit or measure.unit, qualifier),
            basis=basis,
            period=FuzzyDate(period),
            equivalent=equivalent,
            span_days=span_days,
        ),
        source=Source(
            publisher="BBC News",
            title=f"Report {number}",
            url=f"https://example.org/{number}",
            published=FuzzyDate(reported),
            quote=f"Quote {number}.",
        ),
        reported_on=FuzzyDate(reported).latest,
        position=position,
        recorded_at=recorded or T0 + dt.timedelta(hours=position),
    )


def _source(number: int, published: str) -> Source:
    return Source(
        publisher="BBC News",
        title=f"Payments, report {number}",
        url=f"https://example.org/payments/{number}",
        published=FuzzyDate(published),
        quote=f"Quote {number}.",
    )


def payment(
    value: str, period: str, qualifier: Qualifier = Qualifier.EXACT, basis: Basis = Basis.FLOW
) -> Figure:
    return Figure(
        measure=PAYMENTS.key,
        quantity=Quantity(Decimal(value), "GBP", qualifier),
        basis=basis,
        period=FuzzyDate(period),
    )


def _content(figure: Figure) -> FactContent:
    return FactContent(
        kind="FIGURE_REPORTED",
        title=f"Payments for {figure.period}",
        summary="The UK paid France.",
        occurred=figure.period,
        figure=figure,
    )


A, B, C, D = (fact(number) for number in (0xA, 0xB, 0xC, 0xD))
RECORDING = dt.datetime(2025, 11, 1, 9, tzinfo=dt.UTC)


def payments_log() -> list[LoggedEvent]:
    """UK payments to France: A (2023) corrected without a source, B (2024) reported again
    more precisely, C a cumulative checkpoint since 2018, D (January 2025) retracted."""
    events: list[tuple[int, DomainEvent]] = [
        (0, MeasureRegistered(key=PAYMENTS.key, label=PAYMENTS.label, unit="GBP")),
        (
            0,
            FactRecorded(
                fact_id=A,
                content=_content(payment("72200000", "2023")),
                source=_source(1, "2023-03-10"),
            ),
        ),
        (
            0,
            FactRecorded(
                fact_id=B,
                content=_content(payment("476000000", "2024", Qualifier.ABOUT)),
                source=_source(2, "2024-06"),
            ),
        ),
        (
            0,
            FactCorroborated(
                fact_id=B, source=_source(3, "2025-03"), figure=payment("480000000", "2024")
            ),
        ),
        (
            0,
            FactRecorded(
                fact_id=C,
                content=_content(
                    payment("650000000", "2018/2025-10", Qualifier.MORE_THAN, Basis.CUMULATIVE)
                ),
                source=_source(4, "2025-10-09"),
            ),
        ),
        (
            4,
            FactRevised(
                fact_id=A,
                changes=FactPatch(figure=payment("72500000", "2023")),
                reason="misread the figure",
            ),
        ),
        (
            5,
            FactRecorded(
                fact_id=D,
                content=_content(payment("10000000", "2025-01")),
                source=_source(5, "2025-02"),
            ),
        ),
        (6, FactRetracted(fact_id=D, reason="double counted")),
    ]
    return [
        LoggedEvent.of(position, RECORDING + dt.timedelta(days=day), event)
        for position, (day, event) in enumerate(events, start=1)
    ]
