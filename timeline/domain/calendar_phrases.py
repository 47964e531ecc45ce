"""Calendar arithmetic for phrases naming days and spans relative to publication.

Used by ``timeline.domain.phrases``; each function takes the first and last day the
publication date can be (``first``, ``last``) and returns the date and its inferred parts.

* ``on Tuesday``: the last Tuesday on or before publication (a report of what happened),
  or with ``ahead`` the first on or after it (an announcement). If publication is known only
  to a month, every Tuesday it can mean is covered: an interval.
* ``today`` / ``yesterday``: publication's days, or the days before them.
* ``this week`` / ``earlier this week``: from the Monday of publication's first week to
  publication.
* ``in the year to June`` (UK statistics' phrasing): the twelve months ending with the last
  June on or before publication.
* ``over the next three years`` / ``in the next 12 months``: from publication to that far
  after it, the end marked approximate (a plan's horizon).
"""

from __future__ import annotations

import datetime as dt
import re

import pendulum

from timeline.domain.dates import FuzzyDate

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "twenty": 20, "a": 1,
}  # fmt: skip

Resolution = tuple[FuzzyDate, tuple[str, ...]]


def weekday(name: str, first: dt.date, last: dt.date, ahead: bool) -> Resolution:
    wanted = WEEKDAYS.index(name)
    if ahead:
        start = first + dt.timedelta(days=(wanted - first.weekday()) % 7)
        end = last + dt.timedelta(days=(wanted - last.weekday()) % 7)
    else:
        start = first - dt.timedelta(days=(first.weekday() - wanted) % 7)
        end = last - dt.timedelta(days=(last.weekday() - wanted) % 7)
    return _days(start, end)


def days_back(first: dt.date, last: dt.date, days: int) -> Resolution:
    step = dt.timedelta(days=days)
    return _days(first - step, last - step)


def this_week(first: dt.date, last: dt.date) -> Resolution:
    monday = first - dt.timedelta(days=first.weekday())
    return FuzzyDate(f"{monday.isoformat()}/{last.isoformat()}"), ("start", "end")


def year_to(month: int, stated_year: int | None, last: dt.date) -> Resolution:
    year = stated_year if stated_year is not None else last.year - (month > last.month)
    end = pendulum.Date(year, month, 1)
    start = end.subtract(months=11)
    text = f"{start.year:04d}-{start.month:02d}/{end.year:04d}-{end.month:02d}"
    return FuzzyDate(text), ("start",) if stated_year is not None else ("start", "end")


def next_span(amount: str, unit: str, first: dt.date, last: dt.date) -> Resolution:
    count = int(amount) if amount.isdigit() else NUMBER_WORDS[amount]
    base = pendulum.Date(last.year, last.month, last.day)
    unit = unit.rstrip("s")
    end = (
        base.add(years=count)
        if unit == "year"
        else base.add(months=count)
        if unit == "month"
        else base.add(weeks=count)
    )
    return FuzzyDate(f"{first.isoformat()}/{end.isoformat()}~"), ("start", "end")


def between_years(first_year: str, last_year: str) -> Resolution:
    return FuzzyDate(f"{first_year}/{last_year}"), ()


def _days(start: dt.date, end: dt.date) -> Resolution:
    if start == end:
        return FuzzyDate.of_day(start), ("year", "month", "day")
    return FuzzyDate(f"{start.isoformat()}/{end.isoformat()}"), ("start", "end")


NUMBER = r"(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
WEEKDAY = re.compile(r"(on |last |this (?:past )?)?(" + "|".join(WEEKDAYS) + r")")
TODAY = re.compile(r"today|yesterday|the day before yesterday")
THIS_WEEK = re.compile(r"(?:earlier |during |in )?this week")
BETWEEN_YEARS = re.compile(r"(?:between|from) (\d{4}) (?:and|to|until) (\d{4})")
NEXT_SPAN = re.compile(
    rf"(?:over|in|within|during) the (?:next|coming) {NUMBER} (years?|months?|weeks?)"
)
