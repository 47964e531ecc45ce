"""The custom scalars: Date, DateTime, FuzzyDate and Decimal, mapped through ``scalar_map``.

Each parser raises a ``DomainError`` naming what is wrong; the error layer turns it into
BAD_USER_INPUT with the path of the argument or input field it was given for.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from strawberry.types.scalar import ScalarDefinition, scalar

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import DomainError, InvalidFuzzyDate, InvalidQuantity

MAX_DECIMAL_LENGTH = 64
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class InvalidScalar(DomainError):
    """A Date or DateTime that is not in its ISO 8601 form."""


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise InvalidScalar("date", f"must be a YYYY-MM-DD string, not {type(value).__name__}")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidScalar(
            "date", f"{value!r} is not a day on the calendar (YYYY-MM-DD)"
        ) from None


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise InvalidScalar("datetime", f"must be an ISO 8601 string, not {type(value).__name__}")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidScalar("datetime", f"{value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise InvalidScalar("datetime", f"{value!r} needs an offset, e.g. Z or +01:00")
    try:
        moment.astimezone(dt.UTC)  # the store compares in UTC
    except OverflowError:
        raise InvalidScalar("datetime", f"{value!r} is out of range in UTC") from None
    return moment


def serialize_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_fuzzy_date(value: object) -> FuzzyDate:
    if not isinstance(value, str):
        raise InvalidFuzzyDate("date", f"must be EDTF text, not {type(value).__name__}")
    return FuzzyDate.parse(value)


def parse_decimal(value: object) -> Decimal:
    # Strings only: a JSON number may already have passed through a float on the client.
    if not isinstance(value, str):
        raise InvalidQuantity(
            "value", f"must be a decimal written as a string, not {type(value).__name__}"
        )
    if len(value) > MAX_DECIMAL_LENGTH:
        raise InvalidQuantity("value", f"is longer than {MAX_DECIMAL_LENGTH} characters")
    if not _PLAIN_DECIMAL.fullmatch(value):
        raise InvalidQuantity(
            "value", f"{value!r} is not a plain decimal number like 650000000 or 12.5"
        )
    return Decimal(value)


def serialize_decimal(value: Decimal) -> str:
    return format(value, "f")


Date: ScalarDefinition = scalar(
    name="Date",
    description="A calendar day, YYYY-MM-DD.",
    serialize=lambda value: value.isoformat(),
    parse_value=parse_date,
)
DateTime: ScalarDefinition = scalar(
    name="DateTime",
    description="An instant, ISO 8601 with an offset (answers are in UTC, with Z).",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
FuzzyDateScalar: ScalarDefinition = scalar(
    name="FuzzyDate",
    description=(
        "A date at day, month or year precision, or an interval of them (EDTF levels 0-1): "
        "2025-10-09, 2025-10, 2025, 2024-07?, 2018/2025-10, 2018/.."
    ),
    specified_by_url="https://www.loc.gov/standards/datetime/",
    serialize=str,
    parse_value=parse_fuzzy_date,
)
DecimalScalar: ScalarDefinition = scalar(
    name="Decimal",
    description='An exact decimal number, written as a string ("650000000", "12.5").',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
)

SCALARS: dict[object, ScalarDefinition] = {
    dt.date: Date,
    dt.datetime: DateTime,
    FuzzyDate: FuzzyDateScalar,
    Decimal: DecimalScalar,
}
