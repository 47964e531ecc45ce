"""Relative date phrases, resolved against the publication date of the source using them.

A curator resolves "last year" once, when the fact is recorded; the phrase stays on the fact
(``occurred_phrase``) and the parts of the date it did not state are listed as inferred.

Rules, with ``P`` the source's publication date (it must have known ends):

* ``last year`` / ``last month``: the calendar year / month before P's. If P is imprecise
  (``2025-10``) the answer covers every day P could be, so it stays honest when P straddles
  a boundary (published ``2024-12/2025-01``: last year is ``2023/2024``).
* ``last week``: from the Monday of the calendar week before P's first day to the day before
  P's last day. Reporters use it both for the previous calendar week and for "the past seven
  days"; the interval covers both readings.
* ``this year``: P's calendar year. ``so far this year``: 1 January of that year up to P.
* ``since X``: from X up to P, where X is a named anchor (``Labour took office``; see
  ``DEFAULT_ANCHORS``, or pass your own), a date in words or EDTF (``2018``, ``July 2024``,
  ``9 October 2025``), or ends in one ("since Labour came into power in July 2024": July
  2024, narrowed to the anchor's 5 July because that event is a known anchor in July 2024).
  ``under X``: the same, for named anchors only ("under Labour").
* ``on 9 October`` / ``on October 9``, with or without a year: without one, the year is
  inferred as the latest such day on or before P's last day (the usual case, an event being
  reported), or with ``ahead=True`` the first such day on or after P's first day (an event
  being announced: "will start on 1 January").
* ``within days`` / ``in the coming days``: from P to about two weeks (``WITHIN_DAYS``) after
  P's last day, the end marked approximate.
* Weekdays, ``today``, ``yesterday``, ``this week``, ``in the year to June`` and ``over the
  next three years``: see ``timeline.domain.calendar_phrases``.
* ``in 2024``: that year. ``in July`` / ``in July 2024``: that month, the year inferred as
  for a day. ``this month`` / ``earlier this month``: P's month. ``earlier this year``: as
  ``so far this year``. ``in the first half of this year`` (or ``second``, ``last year``, a
  year): 1 January to 30 June (1 July to 31 December) of that year, cut at P when it ends
  after it.

Anything else raises ``UnknownPhrase``: a curator then writes the date and a ``date_note``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pendulum

from timeline.domain import calendar_phrases
from timeline.domain.dates import FuzzyDate, Precision
from timeline.domain.errors import InvalidFuzzyDate, UnknownPhrase
from timeline.domain.texts import MAX_NOTE, check_text

WITHIN_DAYS = 14
"""How far "within days" reaches past publication: "days", not "weeks", so under a fortnight."""

DEFAULT_ANCHORS: Mapping[str, FuzzyDate] = MappingProxyType(
    {
        # Keir Starmer became Prime Minister on 5 July 2024, the day after the election.
        "labour": FuzzyDate("2024-07-05"),
        "labour took office": FuzzyDate("2024-07-05"),
        "labour came into power": FuzzyDate("2024-07-05"),
        "labour came to power": FuzzyDate("2024-07-05"),
        "keir starmer took office": FuzzyDate("2024-07-05"),
        "sir keir starmer took office": FuzzyDate("2024-07-05"),
        "the election": FuzzyDate("2024-07-04"),
        # Home Office small boat arrival statistics start in 2018, the usual start of "the
        # crisis" in UK reporting.
        "the start of the crisis": FuzzyDate("2018"),
        "records began": FuzzyDate("2018"),
    }
)
"""Named starting points for "since ..." and "under ...", keyed in lower case."""

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# English names spelled out here, not calendar.month_name, which follows the process locale.
_MONTH_NUMBERS = {
    **{name: number for number, name in enumerate(_MONTHS, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTHS, start=1)},
    "sept": 9,
}
_MONTH = "(" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH = re.compile(rf"(?:on )?(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH}(?:,? (\d{{4}}))?")
_MONTH_DAY = re.compile(rf"(?:on )?{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?")
_MONTH_YEAR = re.compile(rf"(?:in )?{_MONTH}(?: (\d{{4}}))?")
_TRAILING_DATE = re.compile(r"(.+) in (.+)")
_PARTS = {
    Precision.YEAR: ("year",),
    Precision.MONTH: ("year", "month"),
    Precision.DAY: ("year", "month", "day"),
}
_QUOTES = "'\"\u2018\u2019\u201c\u201d"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedPhrase:
    """``occurred`` for the phrase; ``inferred`` names the parts the phrase did not state."""

    phrase: str
    occurred: FuzzyDate
    inferred: tuple[str, ...]


def resolve_phrase(
    phrase: str,
    published: FuzzyDate,
    anchors: Mapping[str, FuzzyDate] | None = None,
    *,
    ahead: bool = False,
) -> ResolvedPhrase:
    """Resolve ``phrase`` as written in a source published on ``published``."""
    check_text("occurred_phrase", phrase, MAX_NOTE)
    if published.open_start or published.open_end:
        raise InvalidFuzzyDate("published", f"{published} must have known ends")
    anchors = DEFAULT_ANCHORS if anchors is None else anchors
    words = _normalise(phrase)
    keyed = {_normalise(key): date for key, date in anchors.items()}
    context = _Context(phrase, published, keyed, ahead)
    for pattern, rule in _RULES:
        match = pattern.fullmatch(words)
        if match is not None:
            occurred, inferred = rule(context, match)
            return ResolvedPhrase(phrase=phrase, occurred=occurred, inferred=inferred)
    raise UnknownPhrase("occurred_phrase", f"no rule resolves {phrase!r}; give the date instead")


@dataclass(frozen=True, slots=True)
class _Context:
    phrase: str
    published: FuzzyDate
    anchors: Mapping[str, FuzzyDate]
    ahead: bool

    @property
    def first_day(self) -> pendulum.Date:
        return _pendulum(self.published.earliest)

    @property
    def last_day(self) -> pendulum.Date:
        return _pendulum(self.published.latest)

    def up_to_publication(self, start: FuzzyDate) -> FuzzyDate:
        if start.earliest > self.published.latest:
            raise UnknownPhrase(
                "occurred_phrase", f"{self.phrase!r} starts after publication ({self.published})"
            )
        return FuzzyDate.spanning(start, self.published)


_Resolution = tuple[FuzzyDate, tuple[str, ...]]
_Rule = Callable[[_Context, re.Match[str]], _Resolution]


def _last_year(context: _Context, _: re.Match[str]) -> _Resolution:
    first = FuzzyDate.of_year(context.first_day.year - 1)
    last = FuzzyDate.of_year(context.last_day.year - 1)
    return FuzzyDate.spanning(first, last), ("year",)


def _last_month(context: _Context, _: re.Match[str]) -> _Resolution:
    first = context.first_day.subtract(months=1)
    last = context.last_day.subtract(months=1)
    span = FuzzyDate.spanning(
        FuzzyDate.of_month(first.year, first.month), FuzzyDate.of_month(last.year, last.month)
    )
    return span, ("year", "month")


def _last_week(context: _Context, _: re.Match[str]) -> _Resolution:
    first = context.first_day
    # Monday of the week before; date.weekday() counts from Monday = 0 whatever the locale.
    start = first.subtract(days=first.weekday() + 7)
    end = context.last_day.subtract(days=1)
    return FuzzyDate(f"{start.isoformat()}/{end.isoformat()}"), ("start", "end")


def _this_year(context: _Context, _: re.Match[str]) -> _Resolution:
    first = FuzzyDate.of_year(context.first_day.year)
    last = FuzzyDate.of_year(context.last_day.year)
    return FuzzyDate.spanning(first, last), ("year",)


def _so_far_this_year(context: _Context, _: re.Match[str]) -> _Resolution:
    new_year = FuzzyDate.of_day(dt.date(context.first_day.year, 1, 1))
    return context.up_to_publication(new_year), ("start", "end")


def _since(context: _Context, match: re.Match[str]) -> _Resolution:
    what = match.group(1)
    anchor = context.anchors.get(what)
    if anchor is not None:
        return context.up_to_publication(anchor), ("start", "end")
    start, inferred = _date_in_words(context, what)
    trailing = _TRAILING_DATE.fullmatch(what)
    if start is None and trailing is not None:
        # "since Labour came into power in July 2024": the stated date, narrowed to the
        # anchor's day when the anchor falls inside it.
        event, stated = trailing.groups()
        start, inferred = _date_in_words(context, stated)
        anchor = context.anchors.get(event)
        if start is not None and anchor is not None and start.contains(anchor):
            added = tuple(p for p in _PARTS[anchor.precision] if p not in _PARTS[start.precision])
            return context.up_to_publication(anchor), (*inferred, *added, "end")
    if start is None:
        raise UnknownPhrase(
            "occurred_phrase",
            f"{context.phrase!r}: {what!r} is neither a known anchor nor a date",
        )
    return context.up_to_publication(start), (*inferred, "end")


def _under(context: _Context, match: re.Match[str]) -> _Resolution:
    anchor = context.anchors.get(match.group(1))
    if anchor is None:
        raise UnknownPhrase("occurred_phrase", f"{match.group(1)!r} is not a known anchor")
    return context.up_to_publication(anchor), ("start", "end")


def _on_day(context: _Context, match: re.Match[str]) -> _Resolution:
    start, inferred = _date_in_words(context, match.string)
    if start is None:  # pragma: no cover - the rule's patterns are the ones _date_in_words reads
        raise UnknownPhrase("occurred_phrase", f"{match.string!r} is not a date")
    return start, inferred


def _in_year(context: _Context, match: re.Match[str]) -> _Resolution:
    return FuzzyDate.of_year(int(match.group(1))), ()


def _this_month(context: _Context, _: re.Match[str]) -> _Resolution:
    first, last = context.first_day, context.last_day
    span = FuzzyDate.spanning(
        FuzzyDate.of_month(first.year, first.month), FuzzyDate.of_month(last.year, last.month)
    )
    return span, ("year", "month")


def _half(context: _Context, match: re.Match[str]) -> _Resolution:
    which, year_words = match.groups()
    inferred: tuple[str, ...]
    if year_words.isdigit():
        year, inferred = int(year_words), ()
    else:
        offset = 1 if year_words == "last year" else 0
        year, inferred = context.first_day.year - offset, ("start", "end")
    start, end = (dt.date(year, 1, 1), dt.date(year, 6, 30))
    if which == "second":
        start, end = (dt.date(year, 7, 1), dt.date(year, 12, 31))
    if start > context.published.latest:
        raise UnknownPhrase(
            "occurred_phrase", f"{context.phrase!r} starts after publication ({context.published})"
        )
    if end > context.published.latest:
        # Not over yet at publication: what was counted runs up to the publication day.
        return context.up_to_publication(FuzzyDate.of_day(start)), ("start", "end")
    return FuzzyDate(f"{start.isoformat()}/{end.isoformat()}"), inferred


def _weekday(context: _Context, match: re.Match[str]) -> _Resolution:
    # "Said last Thursday" looks back even in a sentence about what will be done.
    ahead = context.ahead and match.group(1) != "last "
    return calendar_phrases.weekday(match.group(2), context.first_day, context.last_day, ahead)


def _today(context: _Context, match: re.Match[str]) -> _Resolution:
    back = {"today": 0, "yesterday": 1}.get(match.group(), 2)
    return calendar_phrases.days_back(context.first_day, context.last_day, back)


def _this_week(context: _Context, _: re.Match[str]) -> _Resolution:
    return calendar_phrases.this_week(context.first_day, context.last_day)


def _year_to(context: _Context, match: re.Match[str]) -> _Resolution:
    year = None if match.group(2) is None else int(match.group(2))
    return calendar_phrases.year_to(_MONTH_NUMBERS[match.group(1)], year, context.last_day)


def _next_span(context: _Context, match: re.Match[str]) -> _Resolution:
    return calendar_phrases.next_span(
        match.group(1), match.group(2), context.first_day, context.last_day
    )


def _within_days(context: _Context, _: re.Match[str]) -> _Resolution:
    end = FuzzyDate(f"{context.last_day.add(days=WITHIN_DAYS).isoformat()}~")
    return FuzzyDate.spanning(context.published, end), ("start", "end")


_RULES: tuple[tuple[re.Pattern[str], _Rule], ...] = (
    (re.compile(r"(?:in |during )?last year"), _last_year),
    (re.compile(r"(?:in |during )?last month"), _last_month),
    (re.compile(r"(?:in |during )?last week"), _last_week),
    (
        re.compile(r"(?:so far this year|this year so far|so far in this year|earlier this year)"),
        _so_far_this_year,
    ),
    (re.compile(r"(?:in |during |earlier )?this month"), _this_month),
    (re.compile(r"(?:in |during )?(\d{4})"), _in_year),
    (
        re.compile(r"(?:in |during )?the (first|second) half of (this year|last year|\d{4})"),
        _half,
    ),
    (re.compile(r"(?:in |during )?this year"), _this_year),
    (re.compile(r"(?:ever )?since (.+)"), _since),
    (re.compile(r"under (.+)"), _under),
    (_DAY_MONTH, _on_day),
    (_MONTH_DAY, _on_day),
    (re.compile(rf"in {_MONTH}(?: \d{{4}})?"), _on_day),
    (re.compile(r"within (?:a few )?days|in the (?:coming|next few) days"), _within_days),
    (calendar_phrases.WEEKDAY, _weekday),
    (calendar_phrases.TODAY, _today),
    (calendar_phrases.THIS_WEEK, _this_week),
    (
        re.compile(
            rf"(?:in )?the (?:year|12 months|twelve months) (?:to|ending) {_MONTH}(?: (\d{{4}}))?"
        ),
        _year_to,
    ),
    (calendar_phrases.NEXT_SPAN, _next_span),
    (calendar_phrases.BETWEEN_YEARS, lambda _, m: calendar_phrases.between_years(*m.groups())),
)


def _date_in_words(context: _Context, words: str) -> tuple[FuzzyDate | None, tuple[str, ...]]:
    """A date written as EDTF or in English words, and the parts it left unstated."""
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.fullmatch(words)
        if match is not None:
            day = int(match.group(day_group))
            month = _MONTH_NUMBERS[match.group(month_group)]
            if match.group(3) is not None:
                return _day(words, int(match.group(3)), month, day), ()
            return _infer_year(context, words, month, day), ("year",)
    match = _MONTH_YEAR.fullmatch(words)
    if match is not None:
        month = _MONTH_NUMBERS[match.group(1)]
        if match.group(2) is not None:
            return FuzzyDate.of_month(int(match.group(2)), month), ()
        year = context.last_day.year
        if month > context.last_day.month:
            year -= 1  # "since October" read in March means last October
        return FuzzyDate.of_month(year, month), ("year",)
    try:
        return FuzzyDate.parse(words), ()
    except InvalidFuzzyDate:
        return None, ()


def _infer_year(context: _Context, words: str, month: int, day: int) -> FuzzyDate:
    # 29 February only exists in leap years: look up to eight years away for one.
    if context.ahead:
        years = range(context.first_day.year, context.first_day.year + 9)
        candidates = (_valid(y, month, day) for y in years)
        found = [c for c in candidates if c is not None and c >= context.published.earliest]
        chosen = min(found, default=None)
    else:
        years = range(context.last_day.year, context.last_day.year - 9, -1)
        candidates = (_valid(y, month, day) for y in years)
        found = [c for c in candidates if c is not None and c <= context.published.latest]
        chosen = max(found, default=None)
    if chosen is None:
        raise UnknownPhrase("occurred_phrase", f"{words!r} is not a day on the calendar")
    return FuzzyDate.of_day(chosen)


def _day(words: str, year: int, month: int, day: int) -> FuzzyDate:
    found = _valid(year, month, day)
    if found is None:
        raise UnknownPhrase("occurred_phrase", f"{words!r} is not a day on the calendar")
    return FuzzyDate.of_day(found)


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _pendulum(day: dt.date) -> pendulum.Date:
    return pendulum.Date(day.year, day.month, day.day)


def _normalise(text: str) -> str:
    """Lower case, single spaces, no surrounding quotes or closing punctuation."""
    return (
        " ".join(text.lower().split()).strip("'\"\u2018\u2019\u201c\u201d").rstrip(".,;:!").strip()
    )
