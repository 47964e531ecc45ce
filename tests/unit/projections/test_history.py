from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.unit.projections.builders import PAYMENTS, A, B, C, D, payment, payments_log, reading
from timeline.domain.dates import FuzzyDate
from timeline.domain.events import DomainEvent, FactCorroborated, FactRecorded, MeasureRegistered
from timeline.domain.facts import FactContent
from timeline.domain.figures import Figure
from timeline.domain.projections.history import ReadingStatus, change, figure_history
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import FactRevision, fold
from timeline.domain.quantities import Quantity
from timeline.domain.sources import Source


def all_revisions() -> list[FactRevision]:
    return [r for stream in fold(payments_log()).revisions.values() for r in stream]


def test_every_reading_ever_made_shows_in_reported_order() -> None:
    history = figure_history(all_revisions(), PAYMENTS.key)
    assert [(e.reading.fact_id, e.reading.figure.quantity.value) for e in history] == [
        (A, Decimal("72200000")),  # reported 10 March 2023
        (A, Decimal("72500000")),  # the same source, re-read later: recorded after
        (B, Decimal("476000000")),  # June 2024
        (D, Decimal("10000000")),  # February 2025
        (B, Decimal("480000000")),  # March 2025
        (C, Decimal("650000000")),  # October 2025
    ]


def test_each_entry_names_what_it_superseded_and_by_how_much() -> None:
    a, corrected, b, d, b_again, c = figure_history(all_revisions(), PAYMENTS.key)
    assert (a.superseded, a.change) == (None, None)
    assert corrected.superseded == a.reading
    assert corrected.change == Decimal(300000)
    assert b_again.superseded == b.reading
    assert b_again.change == Decimal(4000000)
    assert (d.superseded, c.superseded) == (None, None)
    assert b_again.quote == "Quote 3."
    assert b_again.source.published == FuzzyDate("2025-03")


def test_each_entry_says_whether_it_still_stands_and_why_not() -> None:
    a, corrected, b, d, b_again, c = figure_history(all_revisions(), PAYMENTS.key)
    assert a.status is ReadingStatus.REVISED
    assert a.ended_reason == "misread the figure"
    assert d.status is ReadingStatus.RETRACTED
    assert d.ended_reason == "double counted"
    assert {corrected.status, b.status, b_again.status, c.status} == {ReadingStatus.CURRENT}
    assert c.ended_by is None
    assert (a.revision, corrected.revision, b_again.revision) == (1, 2, 2)


def test_history_can_be_narrowed_to_one_period() -> None:
    history = figure_history(all_revisions(), PAYMENTS.key, FuzzyDate("2024-01-01/2024-12-31"))
    assert [e.reading.fact_id for e in history] == [B, B]
    assert figure_history(all_revisions(), "small-boat-arrivals") == ()


def test_a_change_is_measured_only_in_a_unit_both_were_reported_in() -> None:
    pounds = payment("100", "2025")
    euros = reading("120", "2025", unit="EUR", equivalent=Quantity(Decimal("104"), "GBP")).figure
    bare_euros = reading("120", "2025", unit="EUR").figure
    assert change(pounds, euros) == Decimal(4)
    assert change(euros, pounds) == Decimal(-4)
    assert change(pounds, bare_euros) is None


def test_a_reading_another_source_published_the_same_day_supersedes_nothing() -> None:
    # "Almost 22,000" (000, 2025-10) and "at least 22,000" (002, 2025-10-09/2025-10-31) are
    # both known from 31 October: the one recorded second did not replace the first.
    def source(number: int, published: str) -> Source:
        return Source(
            publisher=f"Paper {number}",
            title="Smuggled",
            url=f"https://example.org/{number}",
            published=FuzzyDate(published),
            quote=f"Quote {number}.",
        )

    def smuggled(value: int) -> Figure:
        return payment(str(value), "2024")

    content = FactContent(
        kind="FIGURE_REPORTED",
        title="Smuggled in 2024",
        summary="Migrants smuggled.",
        occurred=FuzzyDate("2024"),
        figure=smuggled(22000),
    )
    events: list[DomainEvent] = [
        MeasureRegistered(key=PAYMENTS.key, label=PAYMENTS.label, unit="GBP"),
        FactRecorded(fact_id=A, content=content, source=source(1, "2025-10")),
        FactCorroborated(
            fact_id=A, source=source(2, "2025-10-09/2025-10-31"), figure=smuggled(23000)
        ),
        FactCorroborated(fact_id=A, source=source(3, "2025-11-15"), figure=smuggled(24000)),
    ]
    log = [
        LoggedEvent.of(position, dt.datetime(2025, 12, 1, tzinfo=dt.UTC), event)
        for position, event in enumerate(events, start=1)
    ]
    revisions = [r for stream in fold(log).revisions.values() for r in stream]
    first, same_day, later = figure_history(revisions, PAYMENTS.key)
    assert (first.superseded, same_day.superseded) == (None, None)
    assert same_day.change is None
    assert later.superseded == same_day.reading
    assert later.change == Decimal(1000)
