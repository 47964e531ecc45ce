from __future__ import annotations

import datetime as dt

import pytest

from timeline.domain.projections.visibility import NOW, AsOf, InvalidAsOf

DAY = dt.date(2025, 10, 9)
T = dt.datetime(2025, 10, 9, 12, tzinfo=dt.UTC)
LATER = T + dt.timedelta(hours=1)


def test_now_sees_everything() -> None:
    assert AsOf.now() is NOW
    assert NOW.is_now
    assert NOW.sees(dt.date.max, dt.datetime.max.replace(tzinfo=dt.UTC))
    assert not AsOf(DAY).is_now


def test_known_at_includes_its_day_and_recorded_before_excludes_its_instant() -> None:
    assert AsOf(DAY).sees(DAY, T)
    assert not AsOf(DAY - dt.timedelta(days=1)).sees(DAY, T)
    assert AsOf(recorded_before=LATER).sees(DAY, T)
    assert not AsOf(recorded_before=T).sees(DAY, T)


def test_a_revision_is_current_from_its_start_until_its_successor_is_seen() -> None:
    def current(as_of: AsOf) -> bool:
        return as_of.is_current(DAY, T, DAY + dt.timedelta(days=3), LATER)

    assert not current(AsOf(DAY - dt.timedelta(days=1)))
    assert current(AsOf(DAY))
    assert current(AsOf(DAY + dt.timedelta(days=2)))
    assert not current(AsOf(DAY + dt.timedelta(days=3)))
    # Knowing the successor's source is not enough: it must have been recorded too.
    assert current(AsOf(DAY + dt.timedelta(days=3), recorded_before=LATER))
    assert not current(NOW)


def test_an_open_revision_stays_current() -> None:
    assert NOW.is_current(DAY, T, None, None)
    assert not AsOf(recorded_before=T).is_current(DAY, T, None, None)


def test_times_must_be_what_they_say() -> None:
    with pytest.raises(InvalidAsOf, match="recorded_before: must be timezone aware"):
        AsOf(recorded_before=dt.datetime(2025, 10, 9))
    with pytest.raises(InvalidAsOf, match="known_at"):
        AsOf(known_at=T)
