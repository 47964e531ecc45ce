from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidFuzzyDate, InvalidText, UnknownPhrase
from timeline.domain.phrases import DEFAULT_ANCHORS, WITHIN_DAYS, ResolvedPhrase, resolve_phrase

from .domain_strategies import UNHURRIED, days


@pytest.mark.parametrize(
    ("phrase", "published", "occurred", "inferred"),
    [
        ("last year", "2025-10", "2024", ("year",)),
        ("Last year.", "2025-10-20", "2024", ("year",)),
        ("last year", "2024-12/2025-01", "2023/2024", ("year",)),
        ("last month", "2025-10", "2025-09", ("year", "month")),
        ("last month", "2025-01-15", "2024-12", ("year", "month")),
        ("last month", "2025-03-31", "2025-02", ("year", "month")),
        ("last week", "2025-10-20", "2025-10-13/2025-10-19", ("start", "end")),
        ("last week", "2025-10-24", "2025-10-13/2025-10-23", ("start", "end")),
        ("last week", "2025-10", "2025-09-22/2025-10-30", ("start", "end")),
        ("this year", "2025-10-20", "2025", ("year",)),
        ("so far this year", "2025-10", "2025-01-01/2025-10", ("start", "end")),
        ("this year so far", "2025-10-20", "2025-01-01/2025-10-20", ("start", "end")),
        ("since Labour took office", "2025-10", "2024-07-05/2025-10", ("start", "end")),
        ("since Sir Keir Starmer took office", "2025-10", "2024-07-05/2025-10", ("start", "end")),
        ("under Labour", "2025-10", "2024-07-05/2025-10", ("start", "end")),
        ("since the start of the crisis", "2025-10", "2018/2025-10", ("start", "end")),
        ("since 2018", "2025-10", "2018/2025-10", ("end",)),
        ("since July 2024", "2025-10", "2024-07/2025-10", ("end",)),
        ("since October", "2026-03", "2025-10/2026-03", ("year", "end")),
        ("since 9 October 2025", "2025-10-20", "2025-10-09/2025-10-20", ("end",)),
        (
            "since Labour came into power in July 2024",
            "2025-10",
            "2024-07-05/2025-10",
            ("day", "end"),
        ),
        (
            "since Labour came to power in 2024",
            "2025-10",
            "2024-07-05/2025-10",
            ("month", "day", "end"),
        ),
        ("since the scheme began in August 2025", "2025-10", "2025-08/2025-10", ("end",)),
        ("since Labour took office in 2023", "2025-10", "2023/2025-10", ("end",)),
        ("on 9 October", "2025-10-20", "2025-10-09", ("year",)),
        ("On October 9,", "2025-10-09/2025-10-31", "2025-10-09", ("year",)),
        ("on 9th of Oct", "2025-10-20", "2025-10-09", ("year",)),
        ("on January 1", "2025-10", "2025-01-01", ("year",)),
        ("on 9 October", "2026-01-03", "2025-10-09", ("year",)),
        ("on 29 February", "2025-10", "2024-02-29", ("year",)),
        ("on 9 October 2024", "2025-10", "2024-10-09", ()),
        ("within days", "2025-10-20", "2025-10-20/2025-11-03~", ("start", "end")),
        ("in the coming days", "2025-10", "2025-10/2025-11-14~", ("start", "end")),
    ],
)
def test_phrases_resolve_against_publication(
    phrase: str, published: str, occurred: str, inferred: tuple[str, ...]
) -> None:
    resolved = resolve_phrase(phrase, FuzzyDate(published))
    assert resolved == ResolvedPhrase(
        phrase=phrase, occurred=FuzzyDate(occurred), inferred=inferred
    )


def test_the_original_phrase_is_kept_as_written() -> None:
    assert resolve_phrase("  Last  Year ", FuzzyDate("2025")).phrase == "  Last  Year "


def test_a_day_ahead_of_publication_is_read_forwards_when_asked() -> None:
    resolved = resolve_phrase("on 1 January", FuzzyDate("2025-10"), ahead=True)
    assert resolved.occurred == FuzzyDate("2026-01-01")
    assert resolve_phrase("on 9 October", FuzzyDate("2025-10-05"), ahead=True).occurred == (
        FuzzyDate("2025-10-09")
    )


def test_anchors_are_passed_in_not_hard_coded() -> None:
    anchors = {"the scheme came into force": FuzzyDate("2025-08-06")}
    resolved = resolve_phrase("since the scheme came into force", FuzzyDate("2025-10"), anchors)
    assert resolved.occurred == FuzzyDate("2025-08-06/2025-10")
    with pytest.raises(UnknownPhrase):
        resolve_phrase("since Labour took office", FuzzyDate("2025-10"), anchors)


def test_the_default_anchors_are_keyed_in_lower_case() -> None:
    assert all(key == key.lower() for key in DEFAULT_ANCHORS)
    assert DEFAULT_ANCHORS["labour took office"] == FuzzyDate("2024-07-05")


@pytest.mark.parametrize(
    ("phrase", "published", "reason"),
    [
        ("yesterday-ish", "2025-10", "no rule resolves 'yesterday-ish'"),
        ("so far", "2025-10", "no rule resolves"),
        ("since the scheme began", "2025-10", "neither a known anchor nor a date"),
        ("under the Tories", "2025-10", "is not a known anchor"),
        ("since 9 October 2026", "2025-10", "starts after publication"),
        ("on 31 February", "2025-10", "is not a day on the calendar"),
        ("on 30 February 2024", "2025-10", "is not a day on the calendar"),
    ],
)
def test_unresolvable_phrases_are_refused(phrase: str, published: str, reason: str) -> None:
    with pytest.raises(UnknownPhrase, match=reason) as caught:
        resolve_phrase(phrase, FuzzyDate(published))
    assert caught.value.field == "occurred_phrase"


def test_publication_needs_known_ends_and_the_phrase_text() -> None:
    with pytest.raises(InvalidFuzzyDate) as caught:
        resolve_phrase("last year", FuzzyDate("2025/.."))
    assert caught.value.field == "published"
    with pytest.raises(InvalidText):
        resolve_phrase("", FuzzyDate("2025"))


@UNHURRIED
@given(days(2000, 2100))
def test_last_year_and_month_lie_wholly_before_a_day_of_publication(day: dt.date) -> None:
    published = FuzzyDate.of_day(day)
    for phrase in ("last year", "last month", "last week"):
        occurred = resolve_phrase(phrase, published).occurred
        assert occurred.latest < day
        assert (day - occurred.earliest).days <= 2 * 366


@UNHURRIED
@given(days(2000, 2100))
def test_last_week_covers_the_previous_calendar_week(day: dt.date) -> None:
    occurred = resolve_phrase("last week", FuzzyDate.of_day(day)).occurred
    monday = day - dt.timedelta(days=day.weekday() + 7)
    assert occurred.earliest == monday
    assert occurred.contains(FuzzyDate(f"{monday}/{monday + dt.timedelta(days=6)}"))


@UNHURRIED
@given(days(2000, 2100))
def test_a_day_without_a_year_is_the_latest_on_or_before_publication(day: dt.date) -> None:
    published = FuzzyDate.of_day(day)
    phrase = f"on {day.day} {day.strftime('%B')}" if day.month != 2 else "on 3 February"
    occurred = resolve_phrase(phrase, published).occurred
    assert occurred.earliest <= day
    assert (day - occurred.earliest).days < 366


@UNHURRIED
@given(days(2025, 2100))
def test_phrases_up_to_publication_end_at_publication(day: dt.date) -> None:
    published = FuzzyDate.of_day(day)
    for phrase in ("so far this year", "since Labour took office", "since 1990"):
        occurred = resolve_phrase(phrase, published).occurred
        assert occurred.latest == day
        assert occurred.end == published


@UNHURRIED
@given(days(2000, 2100))
def test_within_days_runs_from_publication_to_about_a_fortnight_later(day: dt.date) -> None:
    occurred = resolve_phrase("within days", FuzzyDate.of_day(day)).occurred
    assert occurred.earliest == day
    assert occurred.latest == day + dt.timedelta(days=WITHIN_DAYS)
    assert occurred.approximate


@pytest.mark.parametrize(
    ("phrase", "published", "ahead", "occurred"),
    [
        ("on Tuesday", "2025-09-12", False, "2025-09-09"),
        ("on Monday", "2025-09-12", True, "2025-09-15"),
        ("on Tuesday", "2025-09", False, "2025-08-26/2025-09-30"),
        ("yesterday", "2025-09-12", False, "2025-09-11"),
        ("this week", "2025-09-12", False, "2025-09-08/2025-09-12"),
        ("in the year to June", "2025-09-12", False, "2024-07/2025-06"),
        ("the year to June 2024", "2025-09-12", False, "2023-07/2024-06"),
        ("over the next three years", "2025-09-12", True, "2025-09-12/2028-09-12~"),
        ("in 2024", "2025-10", False, "2024"),
        ("in July", "2025-10", False, "2025-07"),
        ("this month", "2025-10", False, "2025-10"),
        ("in the first half of this year", "2025-10", False, "2025-01-01/2025-06-30"),
        ("in the second half of this year", "2025-10", False, "2025-07-01/2025-10"),
    ],
)
def test_days_and_spans_named_relative_to_publication(
    phrase: str, published: str, ahead: bool, occurred: str
) -> None:
    assert resolve_phrase(phrase, FuzzyDate(published), ahead=ahead).occurred == FuzzyDate(occurred)


def test_last_weekday_looks_back_and_a_span_of_years_is_stated() -> None:
    said = resolve_phrase("last Thursday", FuzzyDate("2025-07-14"), ahead=True)
    assert said.occurred == FuzzyDate("2025-07-10")
    both = resolve_phrase("between 2015 and 2016", FuzzyDate("2025-07"))
    assert (both.occurred, both.inferred) == (FuzzyDate("2015/2016"), ())
