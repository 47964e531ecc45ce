from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.domain import dates
from timeline.domain.dates import MAX_EDTF_LENGTH, FuzzyDate, Precision
from timeline.domain.errors import InvalidFuzzyDate

from .domain_strategies import UNHURRIED, days, fuzzy_dates, point_texts


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), Precision.YEAR),
        ("2025-10", dt.date(2025, 10, 1), dt.date(2025, 10, 31), Precision.MONTH),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), Precision.MONTH),
        ("2025-02", dt.date(2025, 2, 1), dt.date(2025, 2, 28), Precision.MONTH),
        ("2025-10-09", dt.date(2025, 10, 9), dt.date(2025, 10, 9), Precision.DAY),
        ("2018-05/2019-02-03", dt.date(2018, 5, 1), dt.date(2019, 2, 3), Precision.MONTH),
        ("2024-07-05/2025-10", dt.date(2024, 7, 5), dt.date(2025, 10, 31), Precision.MONTH),
        ("2018/2019-02-03", dt.date(2018, 1, 1), dt.date(2019, 2, 3), Precision.YEAR),
    ],
)
def test_a_date_spans_the_calendar_days_it_can_denote(
    text: str, earliest: dt.date, latest: dt.date, precision: Precision
) -> None:
    date = FuzzyDate.parse(text)
    assert (date.earliest, date.latest, date.precision) == (earliest, latest, precision)
    assert date.knowledge_day == latest


@pytest.mark.parametrize(
    ("text", "uncertain", "approximate"),
    [
        ("2025-10", False, False),
        ("2025-10?", True, False),
        ("2025-10~", False, True),
        ("2025-10%", True, True),
        ("2018?/2019", True, False),
        ("2018/2019~", False, True),
    ],
)
def test_qualifiers_set_flags_and_keep_the_calendar_span(
    text: str, uncertain: bool, approximate: bool
) -> None:
    date = FuzzyDate.parse(text)
    plain = FuzzyDate.parse(text.replace("?", "").replace("~", "").replace("%", ""))
    assert (date.uncertain, date.approximate) == (uncertain, approximate)
    assert (date.earliest, date.latest) == (plain.earliest, plain.latest)


def test_an_open_end_clamps_to_the_last_day_and_is_flagged() -> None:
    date = FuzzyDate.parse("2018/..")
    assert (date.earliest, date.latest) == (dt.date(2018, 1, 1), dt.date.max)
    assert (date.open_start, date.open_end, date.end_unknown) == (False, True, False)
    assert date.is_interval
    assert date.precision is Precision.YEAR
    assert date.start == FuzzyDate.parse("2018")
    assert date.end is None


def test_an_open_start_clamps_to_the_first_day() -> None:
    date = FuzzyDate.parse("../2018-06")
    assert (date.earliest, date.latest) == (dt.date.min, dt.date(2018, 6, 30))
    assert (date.open_start, date.open_end, date.start_unknown) == (True, False, False)


def test_unknown_ends_are_unbounded_but_not_open_ended() -> None:
    ended_sometime = FuzzyDate.parse("2018/")
    started_sometime = FuzzyDate.parse("/2018")
    assert ended_sometime.latest == dt.date.max
    assert ended_sometime.open_end
    assert ended_sometime.end_unknown
    assert started_sometime.earliest == dt.date.min
    assert started_sometime.open_start
    assert started_sometime.start_unknown
    assert not FuzzyDate.parse("2018/..").end_unknown


def test_a_single_date_is_its_own_start_and_end() -> None:
    date = FuzzyDate.parse("2025-10~")
    assert date.start == date == date.end
    assert not date.is_interval


def test_canonical_text_is_edtf_without_surrounding_space() -> None:
    date = FuzzyDate.parse("  2025-10-09 ")
    assert date.text == str(date) == "2025-10-09"
    assert date == FuzzyDate("2025-10-09")
    assert hash(date) == hash(FuzzyDate("2025-10-09"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("9 October 2025", "is not EDTF"),
        ("2025-13", "is not valid EDTF"),
        ("2025-02-30", "is not valid EDTF"),
        ("2023-02-29", "is not a day on the calendar"),
        ("0000", "is not a day on the calendar"),
        ("2019/2018", "ends before it starts"),
        ("2025-10-31/2025-10-30", "ends before it starts"),
        ("../..", "needs at least one known end"),
        ("/..", "needs at least one known end"),
        ("../", "needs at least one known end"),
        ("201X", "is not EDTF"),
        ("2025-21", "beyond day, month and year precision"),
        ("2025-10-09T10:00:00", "is not EDTF"),
        ("2025?~", "is not valid EDTF"),
        ("2025-1", "is not valid EDTF"),
        ("2" * (MAX_EDTF_LENGTH + 1), "longer than"),
    ],
)
def test_bad_input_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidFuzzyDate) as caught:
        FuzzyDate.parse(text, field="content.occurred")
    assert caught.value.field == "content.occurred"
    assert reason in caught.value.reason
    assert str(caught.value).startswith("content.occurred: ")


def test_a_non_string_is_refused() -> None:
    with pytest.raises(InvalidFuzzyDate, match="must be EDTF text"):
        FuzzyDate(20251009)  # type: ignore[arg-type]


def test_of_day_month_and_year_build_canonical_dates() -> None:
    assert FuzzyDate.of_day(dt.date(2025, 10, 9)).text == "2025-10-09"
    assert FuzzyDate.of_month(2025, 3).text == "2025-03"
    assert FuzzyDate.of_year(987).text == "0987"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2025-01-01", "2025-10", "2025-01-01/2025-10"),
        ("2018/2019", "2024/2025-03", "2018/2025-03"),
        ("2025", "2025", "2025"),
        (None, "2018", "../2018"),
        ("2018", None, "2018/.."),
    ],
)
def test_spanning_runs_from_the_start_of_one_to_the_end_of_another(
    first: str | None, last: str | None, expected: str
) -> None:
    span = FuzzyDate.spanning(
        FuzzyDate(first) if first else None, FuzzyDate(last) if last else None
    )
    assert span.text == expected


def test_containment_and_overlap_on_examples() -> None:
    year = FuzzyDate("2025")
    october = FuzzyDate("2025-10")
    ninth = FuzzyDate("2025-10-09")
    since_2018 = FuzzyDate("2018/..")
    assert year.contains(october)
    assert october.contains(ninth)
    assert since_2018.contains(year)
    assert not october.contains(year)
    assert october.overlaps(FuzzyDate("2025-10-31/2025-11-02"))
    assert not october.overlaps(FuzzyDate("2025-11"))
    assert not FuzzyDate("../2017").overlaps(since_2018)


def test_timelines_order_by_earliest_day_then_coarser_precision_first() -> None:
    texts = ["2025-01-02", "2025-01-01", "2024-12/2025-01", "2025-01", "2025", "2025-01~"]
    ordered = [date.text for date in sorted(FuzzyDate(text) for text in texts)]
    assert ordered == ["2024-12/2025-01", "2025", "2025-01", "2025-01~", "2025-01-01", "2025-01-02"]


@UNHURRIED
@given(point_texts(1, 9999))
def test_every_supported_point_parses(text: str) -> None:
    assert FuzzyDate.parse(text).text == text


@UNHURRIED
@given(fuzzy_dates())
def test_text_round_trips(date: FuzzyDate) -> None:
    again = FuzzyDate.parse(str(date))
    assert again == date
    assert (again.earliest, again.latest, again.precision) == (
        date.earliest,
        date.latest,
        date.precision,
    )


@UNHURRIED
@given(fuzzy_dates())
def test_earliest_is_never_after_latest(date: FuzzyDate) -> None:
    assert date.earliest <= date.latest


@UNHURRIED
@given(fuzzy_dates())
def test_a_date_contains_and_overlaps_itself(date: FuzzyDate) -> None:
    assert date.contains(date)
    assert date.overlaps(date)


@UNHURRIED
@given(fuzzy_dates(), fuzzy_dates())
def test_containment_implies_overlap(first: FuzzyDate, second: FuzzyDate) -> None:
    if first.contains(second):
        assert first.overlaps(second)
        assert second.overlaps(first)


@UNHURRIED
@given(fuzzy_dates(), fuzzy_dates())
def test_overlap_is_symmetric(first: FuzzyDate, second: FuzzyDate) -> None:
    assert first.overlaps(second) == second.overlaps(first)


@UNHURRIED
@given(fuzzy_dates(), fuzzy_dates(), fuzzy_dates())
def test_containment_is_transitive(a: FuzzyDate, b: FuzzyDate, c: FuzzyDate) -> None:
    if a.contains(b) and b.contains(c):
        assert a.contains(c)


@UNHURRIED
@given(st.lists(days(), min_size=6, max_size=6))
def test_nested_intervals_contain_each_other_transitively(points: list[dt.date]) -> None:
    d1, d2, d3, d4, d5, d6 = sorted(points)
    outer = FuzzyDate(f"{d1}/{d6}")
    middle = FuzzyDate(f"{d2}/{d5}")
    inner = FuzzyDate(f"{d3}/{d4}")
    assert outer.contains(middle)
    assert middle.contains(inner)
    assert outer.contains(inner)


@UNHURRIED
@given(fuzzy_dates(), fuzzy_dates())
def test_ordering_is_total_and_agrees_with_equality(a: FuzzyDate, b: FuzzyDate) -> None:
    assert [a < b, a == b, a > b].count(True) == 1
    assert (a <= b and b <= a) == (a == b)
    assert (a <= b) == (not a > b)
    assert (a >= b) == (not a < b)


@UNHURRIED
@given(fuzzy_dates(), fuzzy_dates(), fuzzy_dates())
def test_ordering_is_transitive(a: FuzzyDate, b: FuzzyDate, c: FuzzyDate) -> None:
    low, middle, high = sorted((a, b, c))
    assert low <= middle <= high
    assert low <= high


@UNHURRIED
@given(st.lists(fuzzy_dates(), max_size=8))
def test_sorted_dates_run_by_earliest_day(dates: list[FuzzyDate]) -> None:
    earliest = [date.earliest for date in sorted(dates)]
    assert earliest == sorted(earliest)


@UNHURRIED
@given(days(1, 9999))
def test_of_day_denotes_exactly_that_day(day: dt.date) -> None:
    date = FuzzyDate.of_day(day)
    assert (date.earliest, date.latest, date.precision) == (day, day, Precision.DAY)


# -- the fast path must read every text it accepts exactly as edtf does -------------------

_SIDES = st.sampled_from(("", ".."))


@st.composite
def near_simple_texts(draw: st.DrawFn) -> str:
    """Points and intervals of the plain forms, with digits drawn past the valid ranges (month
    13, day 31 of a 30-day month, year 0) and doubled or stray marks, so that what the fast
    path accepts and what it must leave to edtf are both drawn often."""

    def point() -> str:
        text = f"{draw(st.integers(0, 9999)):04d}"
        if draw(st.booleans()):
            text += f"-{draw(st.integers(0, 14)):02d}"
            if draw(st.booleans()):
                text += f"-{draw(st.integers(0, 32)):02d}"
        return text + draw(st.sampled_from(("", "", "?", "~", "%", "?~", "-")))

    shape = draw(st.sampled_from(("point", "interval", "open", "junk")))
    if shape == "point":
        return point()
    if shape == "interval":
        return f"{point()}/{point()}"
    if shape == "open":
        first, second = (draw(_SIDES), point())
        return f"{first}/{second}" if draw(st.booleans()) else f"{second}/{first}"
    return draw(st.text(alphabet="0123456789-/.?~%", max_size=24))


def _edtf_reading(text: str) -> object:
    try:
        return dates._parse_with_edtf(text)
    except InvalidFuzzyDate:
        return None


@UNHURRIED
@given(near_simple_texts())
def test_the_fast_path_reads_what_it_accepts_exactly_as_edtf(text: str) -> None:
    fast = dates._parse_simple(text)
    if fast is not None:
        assert fast == _edtf_reading(text)


@UNHURRIED
@given(fuzzy_dates(1, 9999))
def test_the_fast_path_accepts_every_plain_date_and_interval(date: FuzzyDate) -> None:
    # Exact types: point_texts draws only the plain forms, so the fast path takes them all.
    fast = dates._parse_simple(date.text)
    assert fast is not None
    assert fast == dates._parse_with_edtf(date.text)


def test_a_fuzzy_date_takes_every_attribute_of_its_reading() -> None:
    # FuzzyDate copies a reading's fields by position: the two must name the same fields.
    assert dates._Parsed._fields == tuple(f.name for f in dataclasses.fields(FuzzyDate))
