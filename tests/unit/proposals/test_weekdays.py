"""Weekdays against any publication day: the last such day on or before it, or the next."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from timeline.domain.calendar_phrases import WEEKDAYS
from timeline.domain.dates import FuzzyDate
from timeline.domain.phrases import resolve_phrase

days = st.dates(min_value=dt.date(1900, 1, 8), max_value=dt.date(9000, 12, 24))


@given(days, st.sampled_from(WEEKDAYS))
def test_a_reported_weekday_is_the_last_one_on_or_before_publication(
    published: dt.date, name: str
) -> None:
    occurred = resolve_phrase(f"on {name}", FuzzyDate.of_day(published)).occurred
    assert not occurred.is_interval
    assert occurred.earliest.weekday() == WEEKDAYS.index(name)
    assert 0 <= (published - occurred.earliest).days < 7


@given(days, st.sampled_from(WEEKDAYS))
def test_an_announced_weekday_is_the_next_one_on_or_after_publication(
    published: dt.date, name: str
) -> None:
    occurred = resolve_phrase(f"on {name}", FuzzyDate.of_day(published), ahead=True).occurred
    assert occurred.earliest.weekday() == WEEKDAYS.index(name)
    assert 0 <= (occurred.earliest - published).days < 7


@given(st.integers(min_value=1901, max_value=9000), st.integers(min_value=1, max_value=12))
def test_a_weekday_in_a_month_covers_every_day_it_can_be(year: int, month: int) -> None:
    published = FuzzyDate.of_month(year, month)
    occurred = resolve_phrase("on Friday", published).occurred
    fridays = [
        published.earliest - dt.timedelta(days=back)
        for back in range(7)
        if (published.earliest - dt.timedelta(days=back)).weekday() == 4
    ]
    assert occurred.earliest == fridays[0]
    assert occurred.latest <= published.latest
    assert (published.latest - occurred.latest).days < 7
