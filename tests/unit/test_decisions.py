from __future__ import annotations

import dataclasses
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.domain.dates import FuzzyDate
from timeline.domain.decisions import (
    corroborate_fact,
    evolve,
    record_fact,
    replay,
    retract_fact,
    revise_fact,
)
from timeline.domain.errors import (
    FactRetractedError,
    InvalidFact,
    InvalidFigure,
    InvalidSource,
    InvalidText,
    StaleRevision,
    UnexpectedEvent,
)
from timeline.domain.events import (
    FactCorroborated,
    FactEvent,
    FactRecorded,
    FactRetracted,
    FactRevised,
)
from timeline.domain.facts import Fact, FactContent, FactPatch, FactStatus, FigureReading
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

from .domain_strategies import UNHURRIED, fact_streams

FACT_ID = UUID("6f1c0b5e-4a53-4e0e-9f9f-0d2a6f0f4d11")


def arrivals(value: int, measure: str = "small-boat-arrivals") -> Figure:
    return Figure(
        measure=measure,
        quantity=Quantity(Decimal(value), "people", Qualifier.MORE_THAN),
        basis=Basis.CUMULATIVE,
        period=FuzzyDate("2024-07-05/2025-10"),
    )


def source(name: str, published: str = "2025-10") -> Source:
    return Source(
        publisher=name,
        title=f"{name} on Channel crossings",
        url=f"https://example.org/{name.lower().replace(' ', '-')}",
        published=FuzzyDate(published),
        quote="More than 50,000 people have crossed since Labour took office.",
    )


BBC = source("BBC News")
GUARDIAN = source("The Guardian", "2025-10-12")
CONTENT = FactContent(
    kind="FIGURE_REPORTED",
    title="More than 50,000 crossings under Labour",
    summary="Arrivals by small boat since July 2024 passed 50,000.",
    occurred=FuzzyDate("2024-07-05/2025-10"),
    figure=arrivals(50_000),
)


def recorded() -> Fact:
    return evolve(None, record_fact(FACT_ID, CONTENT, BBC))


def test_recording_yields_a_fact_at_revision_one_with_its_source_reading() -> None:
    event = record_fact(FACT_ID, CONTENT, BBC)
    assert event == FactRecorded(fact_id=FACT_ID, content=CONTENT, source=BBC)
    fact = evolve(None, event)
    assert fact == Fact(
        fact_id=FACT_ID,
        content=CONTENT,
        sources=(BBC,),
        readings=(FigureReading(figure=arrivals(50_000), source=BBC),),
        status=FactStatus.ACTIVE,
        revision=1,
    )


def test_a_fact_without_a_figure_has_no_readings() -> None:
    content = dataclasses.replace(CONTENT, kind="MEETING_HELD", figure=None)
    assert evolve(None, record_fact(FACT_ID, content, BBC)).readings == ()


def test_recording_refuses_the_wrong_types() -> None:
    with pytest.raises(InvalidFact):
        record_fact(FACT_ID, "content", BBC)  # type: ignore[arg-type]
    with pytest.raises(InvalidSource):
        record_fact(FACT_ID, CONTENT, "source")  # type: ignore[arg-type]


def test_a_corroboration_adds_the_source_and_its_own_reading() -> None:
    fact = recorded()
    event = corroborate_fact(fact, GUARDIAN, arrivals(51_000))
    assert event == FactCorroborated(fact_id=FACT_ID, source=GUARDIAN, figure=arrivals(51_000))
    after = evolve(fact, event)
    assert after.sources == (BBC, GUARDIAN)
    assert [r.figure.quantity.value for r in after.readings] == [50_000, 51_000]
    assert after.revision == 2
    assert after.content == CONTENT  # a second reading does not overrule the curated figure


def test_a_corroboration_without_a_figure_adds_no_reading() -> None:
    after = evolve(recorded(), corroborate_fact(recorded(), GUARDIAN))
    assert len(after.readings) == 1


def test_an_earlier_corroborating_source_moves_knowledge_time_back() -> None:
    fact = recorded()
    assert fact.known_from.isoformat() == "2025-10-31"
    assert evolve(fact, corroborate_fact(fact, GUARDIAN)).known_from.isoformat() == "2025-10-12"


def test_corroboration_refuses_the_same_source_twice() -> None:
    with pytest.raises(InvalidSource, match="already a source") as caught:
        corroborate_fact(recorded(), dataclasses.replace(BBC, quote="Another passage."))
    assert caught.value.field == "source"
    copy = dataclasses.replace(BBC, url=None, document="article.txt")
    fact = evolve(recorded(), corroborate_fact(recorded(), copy))
    with pytest.raises(InvalidSource, match=r"document:article\.txt is already a source"):
        corroborate_fact(fact, dataclasses.replace(copy, title="Same file, other title"))


def test_corroboration_refuses_a_reading_of_another_measure_or_of_no_figure() -> None:
    with pytest.raises(InvalidFigure, match="is not the fact's") as caught:
        corroborate_fact(recorded(), GUARDIAN, arrivals(5, measure="returns-to-france"))
    assert caught.value.field == "figure.measure"
    no_figure = dataclasses.replace(CONTENT, kind="MEETING_HELD", figure=None)
    fact = evolve(None, record_fact(FACT_ID, no_figure, BBC))
    with pytest.raises(InvalidFigure, match="has no figure"):
        corroborate_fact(fact, GUARDIAN, arrivals(5))


def test_a_revision_changes_content_and_counts_as_an_event() -> None:
    fact = recorded()
    patch = FactPatch(title="Over 50,000 crossings since July 2024")
    event = revise_fact(fact, 1, patch, "clearer title")
    assert event == FactRevised(fact_id=FACT_ID, changes=patch, reason="clearer title")
    after = evolve(fact, event)
    assert after.content.title == "Over 50,000 crossings since July 2024"
    assert (after.revision, after.sources, after.readings) == (2, fact.sources, fact.readings)


def test_a_stale_revision_is_refused_with_both_numbers() -> None:
    with pytest.raises(StaleRevision) as caught:
        revise_fact(recorded(), 0, FactPatch(title="New"), "why")
    assert (caught.value.expected, caught.value.actual) == (0, 1)
    assert str(caught.value) == "expected_revision: the fact is at revision 1, not 0"


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        (FactPatch(), "the patch is empty"),
        (FactPatch(title=CONTENT.title), "the patch changes nothing"),
        (FactPatch(cleared=frozenset({"figure"})), "needs its figure"),
    ],
)
def test_revisions_that_change_nothing_or_break_content_are_refused(
    patch: FactPatch, reason: str
) -> None:
    with pytest.raises(InvalidFact, match=reason):
        revise_fact(recorded(), 1, patch, "why")


def test_a_revision_needs_a_reason() -> None:
    with pytest.raises(InvalidText) as caught:
        revise_fact(recorded(), 1, FactPatch(title="New"), "  ")
    assert caught.value.field == "reason"


def test_a_revision_from_a_new_source_adds_it_and_its_reading() -> None:
    fact = recorded()
    after = evolve(
        fact, revise_fact(fact, 1, FactPatch(figure=arrivals(52_000)), "update", GUARDIAN)
    )
    assert after.sources == (BBC, GUARDIAN)
    assert [(r.source, int(r.figure.quantity.value)) for r in after.readings] == [
        (BBC, 50_000),
        (GUARDIAN, 52_000),
    ]


def test_a_revision_from_a_known_source_replaces_that_source_reading() -> None:
    fact = recorded()
    event = revise_fact(fact, 1, FactPatch(figure=arrivals(50_500)), "misread", BBC)
    after = evolve(fact, event)
    assert after.sources == (BBC,)
    assert [(r.source, int(r.figure.quantity.value)) for r in after.readings] == [(BBC, 50_500)]


def test_a_revision_citing_another_passage_of_a_known_article_files_under_it() -> None:
    fact = recorded()
    passage = dataclasses.replace(BBC, quote="The total is now 50,700.")
    after = evolve(fact, revise_fact(fact, 1, FactPatch(figure=arrivals(50_700)), "why", passage))
    assert after.sources == (BBC,)
    assert [(r.source, int(r.figure.quantity.value)) for r in after.readings] == [(BBC, 50_700)]


def test_a_sourceless_figure_correction_corrects_the_reading_it_replaces() -> None:
    fact = evolve(recorded(), corroborate_fact(recorded(), GUARDIAN, arrivals(51_000)))
    event = revise_fact(fact, 2, FactPatch(figure=arrivals(50_005)), "typo in 50,000")
    after = evolve(fact, event)
    assert [(r.source, int(r.figure.quantity.value)) for r in after.readings] == [
        (BBC, 50_005),
        (GUARDIAN, 51_000),
    ]


def test_changing_the_measure_drops_readings_of_the_old_one() -> None:
    fact = evolve(recorded(), corroborate_fact(recorded(), GUARDIAN, arrivals(51_000)))
    patch = FactPatch(figure=arrivals(50_000, measure="small-boat-arrivals-under-labour"))
    after = evolve(fact, revise_fact(fact, 2, patch, "measure renamed"))
    assert [r.figure.measure for r in after.readings] == ["small-boat-arrivals-under-labour"]
    assert after.readings[0].source == BBC


def test_clearing_the_figure_clears_the_readings() -> None:
    fact = recorded()
    patch = FactPatch(kind="POLICY_MILESTONE", cleared=frozenset({"figure"}))
    after = evolve(fact, revise_fact(fact, 1, patch, "not a figure after all"))
    assert (after.content.figure, after.readings) == (None, ())


def test_retraction_is_final() -> None:
    fact = recorded()
    event = retract_fact(fact, 1, "the article was corrected", GUARDIAN)
    assert event == FactRetracted(
        fact_id=FACT_ID, reason="the article was corrected", source=GUARDIAN
    )
    after = evolve(fact, event)
    assert (after.status, after.revision, after.is_retracted) == (FactStatus.RETRACTED, 2, True)
    assert after.sources == (BBC,)
    with pytest.raises(FactRetractedError):
        retract_fact(after, 2, "again")
    with pytest.raises(FactRetractedError):
        revise_fact(after, 2, FactPatch(title="New"), "why")
    with pytest.raises(FactRetractedError):
        corroborate_fact(after, GUARDIAN)


def test_a_stale_retraction_is_refused() -> None:
    with pytest.raises(StaleRevision):
        retract_fact(recorded(), 3, "why")


def test_events_that_cannot_follow_are_refused() -> None:
    fact = recorded()
    recording = record_fact(FACT_ID, CONTENT, BBC)
    with pytest.raises(UnexpectedEvent, match="already recorded"):
        evolve(fact, recording)
    with pytest.raises(UnexpectedEvent, match="before FactRecorded"):
        evolve(None, FactCorroborated(fact_id=FACT_ID, source=GUARDIAN))
    with pytest.raises(UnexpectedEvent) as caught:
        evolve(fact, FactCorroborated(fact_id=UUID(int=7), source=GUARDIAN))
    assert caught.value.field == "event.fact_id"
    retracted = evolve(fact, FactRetracted(fact_id=FACT_ID, reason="wrong"))
    with pytest.raises(UnexpectedEvent, match="after FactRetracted"):
        evolve(retracted, FactCorroborated(fact_id=FACT_ID, source=GUARDIAN))


def test_replaying_nothing_is_no_fact() -> None:
    assert replay([]) is None


@UNHURRIED
@given(fact_streams(), st.data())
def test_replaying_a_prefix_then_the_rest_equals_replaying_all(
    events: list[FactEvent], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(events)))
    assert replay(events[cut:], replay(events[:cut])) == replay(events)


@UNHURRIED
@given(fact_streams())
def test_the_revision_counts_the_events(events: list[FactEvent]) -> None:
    fact = replay(events)
    assert fact is not None
    assert fact.revision == len(events)
    assert fact.is_retracted == isinstance(events[-1], FactRetracted)


@UNHURRIED
@given(fact_streams())
def test_readings_describe_the_current_figure(events: list[FactEvent]) -> None:
    fact = replay(events)
    assert fact is not None
    figure = fact.content.figure
    if figure is None:
        assert fact.readings == ()
    else:
        assert all(r.figure.measure == figure.measure for r in fact.readings)
        assert all(r.source in fact.sources for r in fact.readings)


@UNHURRIED
@given(fact_streams())
def test_knowledge_time_is_the_earliest_source(events: list[FactEvent]) -> None:
    fact = replay(events)
    assert fact is not None
    assert fact.known_from == min(s.published.latest for s in fact.sources)
    assert len({s.identity for s in fact.sources}) == len(fact.sources)
