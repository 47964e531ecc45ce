from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from functools import reduce
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain_strategies import UNHURRIED, as_ofs, as_ofs_on, logs
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import UnexpectedEvent
from timeline.domain.events import (
    FactCorroborated,
    FactRecorded,
    FactRetracted,
    FactRevised,
    MeasureRegistered,
)
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.projections.logged import LoggedEvent
from timeline.domain.projections.revisions import (
    EMPTY,
    advance,
    apply,
    facts_at,
    fold,
    measures_at,
    replay_at,
    revision_at,
)
from timeline.domain.projections.visibility import NOW, AsOf
from timeline.domain.quantities import Basis, Quantity
from timeline.domain.sources import Source

FACT = UUID("00000000-0000-0000-0000-00000000000a")
T0 = dt.datetime(2025, 11, 1, 9, tzinfo=dt.UTC)


def source(published: str, name: str = "a") -> Source:
    return Source(
        publisher="BBC News",
        title="Crossings",
        url=f"https://example.org/{name}",
        published=FuzzyDate(published),
        quote="More than 650m.",
    )


def recorded(published: str = "2025-10-09") -> FactRecorded:
    content = FactContent(
        kind="FIGURE_REPORTED",
        title="UK payments to France",
        summary="Paid.",
        occurred=FuzzyDate("2025-10"),
        figure=Figure(
            measure="uk-payments-to-france",
            quantity=Quantity(Decimal(100), "GBP"),
            basis=Basis.FLOW,
            period=FuzzyDate("2025-10"),
        ),
    )
    return FactRecorded(fact_id=FACT, content=content, source=source(published))


def logged(
    position: int,
    event: FactRecorded | FactCorroborated | FactRevised | FactRetracted,
    days: int = 0,
) -> LoggedEvent:
    return LoggedEvent.of(position, T0 + dt.timedelta(days=days), event)


@UNHURRIED
@given(logs(), st.lists(as_ofs(), max_size=3), st.data())
def test_the_model_answers_as_a_fold_of_only_the_visible_events(
    log: list[LoggedEvent], points: list[AsOf], data: st.DataObject
) -> None:
    model = fold(log)
    edges = data.draw(st.lists(as_ofs_on(log), min_size=1, max_size=4))
    for as_of in [*points, *edges, NOW]:
        current = facts_at(model, as_of)
        assert {fact_id: r.fact for fact_id, r in current.items()} == replay_at(log, as_of)


@UNHURRIED
@given(logs(), as_ofs())
def test_at_most_one_revision_of_a_stream_is_current_at_any_point(
    log: list[LoggedEvent], as_of: AsOf
) -> None:
    for stream in fold(log).revisions.values():
        assert sum(revision.is_current(as_of) for revision in stream) <= 1
        # The intervals chain: each revision is closed exactly where the next one opens.
        for before, after in itertools.pairwise(stream):
            assert (before.known_until, before.recorded_until) == (
                after.known_from,
                after.recorded_from,
            )
        assert stream[-1].known_until is None
        assert stream[-1].recorded_until is None


@UNHURRIED
@given(logs(), st.data())
def test_folding_a_prefix_then_the_rest_is_folding_everything(
    log: list[LoggedEvent], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(log)))
    whole = fold(log)
    assert fold(log[cut:], fold(log[:cut])) == whole
    assert reduce(apply, log, EMPTY) == whole


@UNHURRIED
@given(logs())
def test_changed_fields_name_every_field_that_differs_and_only_those(
    log: list[LoggedEvent],
) -> None:
    # The reference compares every field, where advance skips the content it kept whole.
    for stream in fold(log).revisions.values():
        for before, after in itertools.pairwise(stream):
            expected = [
                f.name
                for f in dataclasses.fields(FactContent)
                if getattr(before.fact.content, f.name) != getattr(after.fact.content, f.name)
            ]
            expected += [
                name
                for name in ("sources", "readings", "status")
                if getattr(before.fact, name) != getattr(after.fact, name)
            ]
            assert after.changed_fields == tuple(expected)


def test_an_event_is_known_no_earlier_than_the_events_it_builds_on() -> None:
    # The corroborating source was published before the fact's first source.
    log = [
        logged(1, recorded("2025-10-09")),
        logged(2, FactCorroborated(fact_id=FACT, source=source("2025-09", "b")), days=1),
    ]
    first, second = fold(log).revisions[FACT]
    assert second.known_from == dt.date(2025, 10, 9)
    assert revision_at((first, second), AsOf(dt.date(2025, 9, 30))) is None
    assert replay_at(log, AsOf(dt.date(2025, 9, 30))) == {}
    # Known on the 9th, but only the first revision had been recorded before the 2nd day.
    assert (
        revision_at((first, second), AsOf(dt.date(2025, 10, 9), T0 + dt.timedelta(hours=1)))
        == first
    )
    assert revision_at((first, second), AsOf(dt.date(2025, 10, 9))) == second


def test_a_correction_without_a_source_is_known_from_the_day_it_was_recorded() -> None:
    revised = FactRevised(
        fact_id=FACT, changes=FactPatch(title="UK payments to France, revised"), reason="typo"
    )
    log = [logged(1, recorded("2025-10-09")), logged(2, revised, days=30)]
    first, second = fold(log).revisions[FACT]
    assert second.known_from == dt.date(2025, 12, 1)
    assert second.reason == "typo"
    assert second.changed_fields == ("title",)
    assert second.source is None
    assert revision_at((first, second), AsOf(dt.date(2025, 11, 30))) == first
    assert revision_at((first, second), AsOf(dt.date(2025, 12, 1))) == second


def test_advance_closes_the_previous_revision_where_the_new_one_opens() -> None:
    none, first = advance(None, logged(1, recorded()))
    assert none is None
    assert (first.revision, first.event_type, first.changed_fields) == (1, "FactRecorded", ())
    retraction = FactRetracted(fact_id=FACT, reason="not a payment")
    closed, second = advance(first, logged(5, retraction, days=2))
    assert closed == dataclasses.replace(
        first, known_until=dt.date(2025, 11, 3), recorded_until=T0 + dt.timedelta(days=2)
    )
    assert (second.revision, second.position, second.changed_fields) == (2, 5, ("status",))
    assert second.fact.is_retracted


def test_the_log_must_move_forward() -> None:
    model = fold([logged(2, recorded(), days=1)])
    corroboration = FactCorroborated(fact_id=FACT, source=source("2025-10", "b"))
    with pytest.raises(UnexpectedEvent, match="position"):
        apply(model, logged(2, corroboration, days=1))
    with pytest.raises(UnexpectedEvent, match="recorded_at"):
        apply(model, logged(3, corroboration, days=0))
    with pytest.raises(UnexpectedEvent):
        advance(None, logged(3, corroboration, days=1))


def test_measures_are_vocabulary_seen_by_recorded_time_only() -> None:
    registered = MeasureRegistered(key="uk-payments-to-france", label="Payments", unit="GBP")
    model = fold([LoggedEvent.of(1, T0, registered)])
    # Known-at cannot hide a measure: it has no publication.
    assert set(measures_at(model, AsOf(dt.date(2000, 1, 1)))) == {"uk-payments-to-france"}
    assert measures_at(model, AsOf(recorded_before=T0)) == {}
    assert measures_at(model, NOW)["uk-payments-to-france"].unit == "GBP"
    with pytest.raises(UnexpectedEvent, match="already registered"):
        apply(model, LoggedEvent.of(2, T0, registered))
