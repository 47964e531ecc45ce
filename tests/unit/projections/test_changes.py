from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.projections.builders import RECORDING, A, B, C, D, payments_log
from timeline.domain.projections.changes import changes_between
from timeline.domain.projections.revisions import fold
from timeline.domain.projections.visibility import InvalidAsOf

MODEL = fold(payments_log())


def test_facts_added_revised_and_retracted_between_two_dates_with_reasons() -> None:
    changes = changes_between(MODEL, dt.date(2024, 12, 31), dt.date(2025, 12, 31))
    assert [c.fact_id for c in changes.added] == [C]
    assert [c.fact_id for c in changes.revised] == [B, A]
    assert [c.fact_id for c in changes.retracted] == [D]
    b, a = changes.revised
    assert a.reasons == ("misread the figure",)
    assert a.changed_fields == ("figure", "readings")
    assert (a.before and a.before.revision, a.after.revision) == (1, 2)
    assert b.reasons == ()
    assert b.changed_fields == ("sources", "readings")
    (d,) = changes.retracted
    assert d.before is None  # recorded and retracted in between
    assert d.reasons == ("double counted",)
    assert [r.revision for r in d.between] == [1, 2]


def test_nothing_changes_between_a_date_and_itself_or_before_anything_was_known() -> None:
    assert changes_between(MODEL, dt.date(2025, 6, 1), dt.date(2025, 6, 1)).is_empty
    assert changes_between(MODEL, dt.date(2020, 1, 1), dt.date(2022, 1, 1)).is_empty


def test_changes_as_recorded_before_an_instant() -> None:
    before_retraction = RECORDING + dt.timedelta(days=5, hours=1)
    changes = changes_between(
        MODEL, dt.date(2024, 12, 31), dt.date(2025, 12, 31), before_retraction
    )
    assert [c.fact_id for c in changes.added] == [C, D]
    assert changes.retracted == ()
    early = changes_between(MODEL, dt.date(2024, 12, 31), dt.date(2025, 12, 31), RECORDING)
    assert early.is_empty  # nothing had been recorded yet


def test_the_dates_must_be_in_order() -> None:
    with pytest.raises(InvalidAsOf, match="to_known_at"):
        changes_between(MODEL, dt.date(2025, 1, 2), dt.date(2025, 1, 1))
