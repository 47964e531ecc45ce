from __future__ import annotations

import datetime as dt
from uuid import UUID

import pytest

from timeline.domain.dates import FuzzyDate
from timeline.domain.events import FactRetracted, MeasureRegistered
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.visibility import InvalidAsOf
from timeline.domain.sources import Source

FACT = UUID("00000000-0000-0000-0000-00000000000b")
PARIS = dt.timezone(dt.timedelta(hours=2))


def retraction(published: str | None) -> FactRetracted:
    source = None
    if published is not None:
        source = Source(
            publisher="Home Office",
            title="Correction",
            url="https://example.org/correction",
            published=FuzzyDate(published),
            quote="The figure was wrong.",
        )
    return FactRetracted(fact_id=FACT, reason="wrong", source=source)


def test_an_event_is_known_from_the_last_day_its_source_can_have_appeared() -> None:
    logged = LoggedEvent.of(7, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), retraction("2025-10~"))
    assert logged.reported_on == dt.date(2025, 10, 31)
    assert logged.known_on == dt.date(2025, 10, 31)
    assert (logged.fact_id, logged.event_type) == (FACT, "FactRetracted")


def test_an_event_without_a_source_is_known_from_its_utc_recording_day() -> None:
    # 00:30 in Paris on the 1st is still the 31st in UTC.
    at = dt.datetime(2025, 11, 1, 0, 30, tzinfo=PARIS)
    logged = LoggedEvent.of(1, at, retraction(None))
    assert logged.reported_on is None
    assert logged.known_on == dt.date(2025, 10, 31)


def test_a_measure_belongs_to_no_fact() -> None:
    event = MeasureRegistered(key="small-boat-arrivals", label="Arrivals", unit="people")
    logged = LoggedEvent.of(1, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), event)
    assert logged.fact_id is None
    assert logged.reported_on is None


def test_a_recorded_time_must_be_aware() -> None:
    with pytest.raises(InvalidAsOf, match="recorded_at"):
        LoggedEvent.of(1, dt.datetime(2025, 1, 1), retraction(None))
