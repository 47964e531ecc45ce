"""Fuzzy dates: EDTF (ISO 8601-2) levels 0 and 1 at day, month or year precision.

Accepted: ``2025``, ``2025-10``, ``2025-10-09``, each optionally qualified ``?`` (uncertain),
``~`` (approximate) or ``%`` (both); and intervals of those, ``2018-05/2019``, with open ends
(``2018/..``, ``../2018``: the interval runs on without an end) or unknown ends (``2018/``,
``/2018``: it has an end, but nobody knows when). Seasons, unspecified digits (``201X``),
times and years outside 1..9999 are refused: no source in this domain needs them, and every
date must map to days on the calendar. The ``edtf`` package parses; this module only decides
what the parsed value means here.

Meaning:

* ``earliest`` and ``latest`` are the first and last calendar day the date can denote.
  ``?`` and ``~`` do not widen them: ``2025-10~`` still spans 1 to 31 October, with
  ``approximate`` set. Widening would need an invented margin (edtf's own padding is a global
  setting), and a caller that wants one can apply it knowing the flags.
* An open or unknown end clamps to ``date.min`` / ``date.max`` and sets ``open_start`` /
  ``open_end``; the text keeps which of the two it was (see ``start_unknown``).
* ``precision`` of a single date is its own; an interval reports its coarsest bounded end
  (``2018-05/2019-02-03`` is MONTH, ``2018/..`` is YEAR), because that is how finely the
  interval as a whole is pinned down.
* ``knowledge_day`` is ``latest``: a source dated ``2025-10`` may have appeared on the 31st,
  so nothing it says counts as known before then.
* Timelines order by ``earliest``, then precision with the coarser first (a year-level entry
  heads the entries of its year, like a section heading), then ``latest``, then the text, so
  the order is total and agrees with equality.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from time import struct_time
from typing import NamedTuple

from timeline.domain.errors import InvalidFuzzyDate

MAX_EDTF_LENGTH = 64

# Only what the supported subset can contain; checked before edtf sees the text, because edtf
# answers some malformed inputs with a TypeError and a line printed to stdout.
_EDTF_CHARACTERS = re.compile(r"[0-9./?~%-]+")
_UNBOUNDED = ("", "..")


class Precision(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"


_COARSENESS = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.DAY: 2}
_EDTF_PRECISION = {"day": Precision.DAY, "month": Precision.MONTH, "year": Precision.YEAR}


class _Point(NamedTuple):
    # Named tuples, not dataclasses, for this and _Parsed: a cold read of a log builds
    # one or two per distinct date text, and a tuple is built in one step.
    earliest: dt.date
    latest: dt.date
    precision: Precision
    uncertain: bool
    approximate: bool


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date known to day, month or year precision, or an interval of such dates.

    Build one with ``FuzzyDate.parse("2025-10")`` (or ``FuzzyDate("2025-10")``); ``text``
    becomes the canonical EDTF and every other attribute is derived from it, so two fuzzy
    dates are equal exactly when their texts are.
    """

    text: str
    earliest: dt.date = field(init=False, compare=False, repr=False)
    latest: dt.date = field(init=False, compare=False, repr=False)
    precision: Precision = field(init=False, compare=False, repr=False)
    uncertain: bool = field(init=False, compare=False, repr=False)
    approximate: bool = field(init=False, compare=False, repr=False)
    is_interval: bool = field(init=False, compare=False, repr=False)
    open_start: bool = field(init=False, compare=False, repr=False)
    open_end: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidFuzzyDate("date", f"must be EDTF text, not {type(self.text).__name__}")
        for set_field, value in zip(_SET_PARSED, _interpret(self.text), strict=True):
            set_field(self, value)

    @classmethod
    def parse(cls, text: str, *, field: str = "date") -> FuzzyDate:
        """Parse EDTF text; raise ``InvalidFuzzyDate`` naming ``field`` and the reason."""
        try:
            return cls(text)
        except InvalidFuzzyDate as exc:
            raise InvalidFuzzyDate(field, exc.reason) from None

    @classmethod
    def of_day(cls, day: dt.date) -> FuzzyDate:
        return cls(day.isoformat())

    @classmethod
    def of_month(cls, year: int, month: int) -> FuzzyDate:
        return cls(f"{year:04d}-{month:02d}")

    @classmethod
    def of_year(cls, year: int) -> FuzzyDate:
        return cls(f"{year:04d}")

    @classmethod
    def spanning(cls, first: FuzzyDate | None, last: FuzzyDate | None) -> FuzzyDate:
        """The interval from the start of ``first`` to the end of ``last`` (None: open)."""
        start = first.text.split("/")[0] if first is not None else ".."
        end = last.text.split("/")[-1] if last is not None else ".."
        if start == end:
            return cls(start)
        return cls(f"{start}/{end}")

    @property
    def knowledge_day(self) -> dt.date:
        """The last day the date can denote; a source so dated is known from this day."""
        return self.latest

    @property
    def start(self) -> FuzzyDate | None:
        """The interval's first end (the date itself if not an interval; None if open)."""
        if not self.is_interval:
            return self
        part = self.text.split("/")[0]
        return None if part in _UNBOUNDED else FuzzyDate(part)

    @property
    def end(self) -> FuzzyDate | None:
        """The interval's last end (the date itself if not an interval; None if open)."""
        if not self.is_interval:
            return self
        part = self.text.split("/")[1]
        return None if part in _UNBOUNDED else FuzzyDate(part)

    @property
    def start_unknown(self) -> bool:
        """The interval has a start nobody knows (``/2018``), not no start (``../2018``)."""
        return self.is_interval and self.text.startswith("/")

    @property
    def end_unknown(self) -> bool:
        """The interval has an end nobody knows (``2018/``), not no end (``2018/..``)."""
        return self.is_interval and self.text.endswith("/")

    def contains(self, other: FuzzyDate) -> bool:
        """Every day ``other`` can denote is a day this date can denote."""
        return self.earliest <= other.earliest and other.latest <= self.latest

    def overlaps(self, other: FuzzyDate) -> bool:
        """Some day can be denoted by both."""
        return self.earliest <= other.latest and other.earliest <= self.latest

    def sort_key(self) -> tuple[dt.date, int, dt.date, str]:
        return (self.earliest, _COARSENESS[self.precision], self.latest, self.text)

    def __lt__(self, other: FuzzyDate) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: FuzzyDate) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: FuzzyDate) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: FuzzyDate) -> bool:
        return self.sort_key() >= other.sort_key()

    def __str__(self) -> str:
        return self.text


class _Parsed(NamedTuple):
    text: str
    earliest: dt.date
    latest: dt.date
    precision: Precision
    uncertain: bool
    approximate: bool
    is_interval: bool
    open_start: bool
    open_end: bool


# Each slot's own setter, in the order of _Parsed's fields: past the frozen __setattr__ in one
# call each (object.__setattr__ looks the slot up by name every time).
_SET_PARSED = tuple(FuzzyDate.__dict__[name].__set__ for name in _Parsed._fields)


def _interpret(raw: str) -> _Parsed:
    """Canonical text and derived attributes of ``raw``, or InvalidFuzzyDate."""
    text = raw.strip()
    # Nearly every stored date is a plain day, month or year, or an interval of them: read
    # those directly (microseconds instead of milliseconds). Anything else, and anything
    # invalid, goes through edtf, which also words the refusals. A property test holds the
    # two paths equal on every text the fast one accepts.
    return _parse_simple(text) or _parse_with_edtf(text)


def _parse_with_edtf(text: str) -> _Parsed:
    # Imported here: its grammar costs a tenth of a second to build, and a process whose
    # dates all take the plain path (a replay of the corpus) never needs it.
    import edtf

    if not text:
        raise InvalidFuzzyDate("date", "must not be empty")
    if len(text) > MAX_EDTF_LENGTH:
        raise InvalidFuzzyDate("date", f"is longer than {MAX_EDTF_LENGTH} characters")
    if not _EDTF_CHARACTERS.fullmatch(text):
        raise InvalidFuzzyDate(
            "date",
            f"{text!r} is not EDTF at day, month or year precision "
            "(digits, '-', '/', '..', '?', '~', '%' only)",
        )
    if text.count("/") == 1 and all(part in _UNBOUNDED for part in text.split("/")):
        raise InvalidFuzzyDate("date", f"{text!r}: an interval needs at least one known end")
    try:
        parsed = edtf.parse_edtf(text)
    except Exception as exc:  # edtf raises several unrelated types for bad input
        raise InvalidFuzzyDate("date", f"{text!r} is not valid EDTF") from exc

    canonical = str(parsed)
    if isinstance(parsed, edtf.Interval):  # Level1Interval is a subclass
        lower = _point(canonical, parsed.lower)
        upper = _point(canonical, parsed.upper)
        if lower is not None and upper is not None and lower.earliest > upper.latest:
            raise InvalidFuzzyDate("date", f"{canonical!r} ends before it starts")
        return _interval(canonical, lower, upper)
    point = _point(canonical, parsed)
    if point is None:  # pragma: no cover - edtf never yields a bare open section
        raise InvalidFuzzyDate("date", f"{canonical!r} is not a date")
    return _single(canonical, point)


def _point(text: str, node: object) -> _Point | None:
    """One date of the supported subset, or None for an open or unknown interval end."""
    import edtf

    if isinstance(node, edtf.UnspecifiedIntervalSection):
        return None
    uncertain = approximate = False
    if type(node) is edtf.UncertainOrApproximate:
        both = bool(node.is_uncertain_and_approximate)
        uncertain = bool(node.is_uncertain) or both
        approximate = bool(node.is_approximate) or both
        node = node.date
    # Exact type: Unspecified (201X) and friends subclass Date but are outside the subset.
    if type(node) is not edtf.Date:
        raise InvalidFuzzyDate(
            "date", f"{text!r} uses EDTF features beyond day, month and year precision"
        )
    return _Point(
        earliest=_calendar_day(text, node.lower_strict()),
        latest=_calendar_day(text, node.upper_strict()),
        precision=_EDTF_PRECISION[node.precision],
        uncertain=uncertain,
        approximate=approximate,
    )


def _calendar_day(text: str, value: struct_time) -> dt.date:
    # edtf accepts 2023-02-29 and year 0; the calendar does not.
    try:
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    except ValueError as exc:
        raise InvalidFuzzyDate("date", f"{text!r} is not a day on the calendar ({exc})") from exc


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_SIMPLE_POINT = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([?~%]?)")


def _parse_simple(text: str) -> _Parsed | None:
    """``text`` read without edtf when it is a valid date of the plain forms (``2025``,
    ``2025-10``, ``2025-10-09``, each maybe qualified, and intervals of them with or without
    open or unknown ends); None for anything else, valid or not."""
    if len(text) == 10 and text[4] == "-" == text[7]:
        # A plain day, most texts of a log: the date type's own parser reads exactly this
        # form (and refuses what is not on the calendar, which then falls through below).
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return _Parsed(text, day, day, Precision.DAY, False, False, False, False, False)
    if "/" not in text:
        point = _simple_point(text)
        if point is None:
            return None
        return _single(text, point)
    start, _, end = text.partition("/")
    if "/" in end or (start in _UNBOUNDED and end in _UNBOUNDED):
        return None
    lower = None if start in _UNBOUNDED else _simple_point(start)
    upper = None if end in _UNBOUNDED else _simple_point(end)
    if (lower is None and start not in _UNBOUNDED) or (upper is None and end not in _UNBOUNDED):
        return None
    if lower is not None and upper is not None and lower.earliest > upper.latest:
        return None
    return _interval(text, lower, upper)


def _single(text: str, point: _Point) -> _Parsed:
    """A date that is one point, as both parsers read it."""
    return _Parsed(
        text=text,
        earliest=point.earliest,
        latest=point.latest,
        precision=point.precision,
        uncertain=point.uncertain,
        approximate=point.approximate,
        is_interval=False,
        open_start=False,
        open_end=False,
    )


def _interval(text: str, lower: _Point | None, upper: _Point | None) -> _Parsed:
    """An interval between two points, either end maybe open or unknown (not both): its
    precision is its coarser end's, and it is uncertain or approximate if an end is."""
    bounded = [p for p in (lower, upper) if p is not None]
    return _Parsed(
        text=text,
        earliest=lower.earliest if lower else dt.date.min,
        latest=upper.latest if upper else dt.date.max,
        precision=min((p.precision for p in bounded), key=_COARSENESS.__getitem__),
        uncertain=any(p.uncertain for p in bounded),
        approximate=any(p.approximate for p in bounded),
        is_interval=True,
        open_start=lower is None,
        open_end=upper is None,
    )


def _simple_point(text: str) -> _Point | None:
    match = _SIMPLE_POINT.fullmatch(text)
    if match is None:
        return None
    year_text, month_text, day_text, mark = match.groups()
    year = int(year_text)
    if year < 1:
        return None
    if month_text is None:
        earliest, latest, precision = dt.date(year, 1, 1), dt.date(year, 12, 31), Precision.YEAR
    else:
        month = int(month_text)
        if not 1 <= month <= 12:
            return None
        last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]
        if day_text is None:
            earliest, latest = dt.date(year, month, 1), dt.date(year, month, last)
            precision = Precision.MONTH
        else:
            day = int(day_text)
            if not 1 <= day <= last:
                return None
            earliest = latest = dt.date(year, month, day)
            precision = Precision.DAY
    return _Point(
        earliest=earliest,
        latest=latest,
        precision=precision,
        uncertain=mark in ("?", "%"),
        approximate=mark in ("~", "%"),
    )
