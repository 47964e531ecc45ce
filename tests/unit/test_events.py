from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest

from timeline.domain.errors import InvalidText
from timeline.domain.events import (
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import FactPatch
from timeline.domain.texts import MAX_REASON


@pytest.mark.parametrize(
    "event_type",
    [FactRecorded, FactCorroborated, FactRevised, FactRetracted, MeasureRegistered],
)
def test_events_are_frozen_keyword_only_and_versioned(event_type: type[object]) -> None:
    parameters = dataclasses.fields(event_type)  # type: ignore[arg-type]
    assert all(field.kw_only for field in parameters)
    assert event_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert isinstance(event_type.SCHEMA_VERSION, int)  # type: ignore[attr-defined]
    assert "SCHEMA_VERSION" not in {field.name for field in parameters}


def test_events_carrying_figures_moved_up_a_version_with_spans() -> None:
    # date_note made FactRecorded v2; Figure.span_days made every event that carries a
    # figure one version newer, so an older release refuses them rather than misread a
    # week's figure as its whole window.
    assert FactRecorded.SCHEMA_VERSION == 3
    assert FactCorroborated.SCHEMA_VERSION == 2
    assert FactRevised.SCHEMA_VERSION == 2


@pytest.mark.parametrize("reason", ["", "   ", "r" * (MAX_REASON + 1)])
def test_revisions_and_retractions_need_a_reason(reason: str) -> None:
    with pytest.raises(InvalidText) as caught:
        FactRetracted(fact_id=UUID(int=1), reason=reason)
    assert caught.value.field == "reason"
    with pytest.raises(InvalidText):
        FactRevised(fact_id=UUID(int=1), changes=FactPatch(title="t"), reason=reason)


def test_a_reason_may_run_over_several_lines() -> None:
    event = FactRetracted(fact_id=UUID(int=1), reason="Withdrawn.\nSee the correction.")
    assert event.reason.count("\n") == 1
