from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from timeline.application.records import OccurredTime, ReportedTime
from timeline.store.sql.rows import recorded_event

AT = "2026-01-01 12:00:00.000000"
AT2 = "2026-01-01 12:00:01.000000"


def _sqlite_row(
    occurred: tuple[str, str, str], reported: tuple[str, str], at: str
) -> tuple[Any, ...]:
    return (
        *(1, "0" * 32, "fact-1", 1, "FactRetracted", 1),
        *occurred,
        *reported,
        at,
        '{"reason":"r"}',
        "{}",
        "h",
    )


def test_rows_with_the_same_date_text_keep_their_own_columns() -> None:
    # The read path shares one time value per distinct set of columns: a row whose day
    # columns differ from another's with the same EDTF text (a corrupt row, say) still reads
    # back exactly what it holds.
    one = recorded_event(
        _sqlite_row(("2025", "2025-01-01", "2025-12-31"), ("2025", "2025-12-31"), AT)
    )
    other = recorded_event(
        _sqlite_row(("2025", "2025-02-01", "2025-12-30"), ("2025", "2025-12-30"), AT2)
    )
    again = recorded_event(
        _sqlite_row(("2025", "2025-01-01", "2025-12-31"), ("2025", "2025-12-31"), AT)
    )
    assert one.occurred == OccurredTime(
        edtf="2025", earliest=dt.date(2025, 1, 1), latest=dt.date(2025, 12, 31)
    )
    assert other.occurred == OccurredTime(
        edtf="2025", earliest=dt.date(2025, 2, 1), latest=dt.date(2025, 12, 30)
    )
    assert one.reported == ReportedTime(edtf="2025", latest=dt.date(2025, 12, 31))
    assert other.reported == ReportedTime(edtf="2025", latest=dt.date(2025, 12, 30))
    assert one.recorded_at == dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert other.recorded_at == dt.datetime(2026, 1, 1, 12, 0, 1, tzinfo=dt.UTC)
    assert again == one


def test_a_malformed_day_column_is_still_refused() -> None:
    with pytest.raises(ValueError, match=r"month must be in 1\.\.12"):
        recorded_event(_sqlite_row(("2025", "2025-13-01", "x"), ("2025", "y"), AT))
