"""Options the analyst commands share, and the parsers that turn their text into values.

A value that does not parse is a ``typer.BadParameter``: click prints the usage, names the
option and the reason, and exits 2, before any database is opened.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import typer

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidFuzzyDate


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def parse_day(text: str) -> dt.date:
    """A calendar day, ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a day: give YYYY-MM-DD") from None


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant, in UTC (the store's own zone, in which answers label it); without
    an offset it is read as UTC."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an instant: give e.g. 2025-11-01T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def parse_period(text: str) -> FuzzyDate:
    """An EDTF date or interval: ``2024``, ``2025-10``, ``2018/2025-10``."""
    try:
        return FuzzyDate.parse(text)
    except InvalidFuzzyDate as error:
        raise typer.BadParameter(f"{text!r}: {error.reason}") from None


def parse_first_day(text: str) -> dt.date:
    """The first day of an EDTF date: ``--from 2025`` means from 1 January 2025."""
    return parse_period(text).earliest


def parse_last_day(text: str) -> dt.date:
    """The last day of an EDTF date: ``--to 2025-10`` means up to 31 October 2025."""
    return parse_period(text).latest


KnownAt = Annotated[
    dt.date | None,
    typer.Option(
        "--known-at",
        parser=parse_day,
        metavar="DAY",
        help="Count only what sources had published by this day (YYYY-MM-DD); default: everything.",
    ),
]
RecordedBefore = Annotated[
    dt.datetime | None,
    typer.Option(
        "--recorded-before",
        parser=parse_instant,
        metavar="INSTANT",
        help="Count only what the store had recorded before this ISO 8601 instant "
        "(UTC without an offset); default: now.",
    ),
]
OccurredFrom = Annotated[
    dt.date | None,
    typer.Option(
        "--from",
        parser=parse_first_day,
        metavar="EDTF",
        help="From the first day of this date (2025, 2025-10, 2025-10-09).",
    ),
]
OccurredTo = Annotated[
    dt.date | None,
    typer.Option(
        "--to",
        parser=parse_last_day,
        metavar="EDTF",
        help="Up to the last day of this date (2025, 2025-10, 2025-10-09).",
    ),
]
Format = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="table for people; csv or json for programs (clean stdout, messages on stderr).",
    ),
]
