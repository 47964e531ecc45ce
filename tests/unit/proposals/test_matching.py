"""Proposals against the record: corroborations, conflicts, measures and repeats."""

from __future__ import annotations

import uuid
from decimal import Decimal

from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import Fact, FactContent, FigureReading
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure
from timeline.domain.proposals.anchors import anchors_from
from timeline.domain.proposals.articles import Article
from timeline.domain.proposals.drafting import propose
from timeline.domain.proposals.matching import match_proposals, same_period
from timeline.domain.proposals.names import RecordKnowledge
from timeline.domain.proposals.proposals import MatchStatus, Proposal
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

ON_RECORD = "More than 22,000 migrants were smuggled through the region last year."
TEXT = (
    "At least 22,000 people passed through the region last year. "
    "Officials met in Sarajevo on October 9 to discuss the smuggling gangs in the region."
)
PUBLISHED = FuzzyDate("2025-10")


def source(quote: str, document: str = "earlier.txt") -> Source:
    return Source(
        publisher="Earlier News",
        title="Earlier",
        url=None,
        published=PUBLISHED,
        quote=quote,
        document=document,
    )


def figure_fact() -> Fact:
    figure = Figure(
        measure="region-migrants-smuggled",
        quantity=Quantity(Decimal(22000), "people", Qualifier.MORE_THAN),
        basis=Basis.FLOW,
        period=FuzzyDate("2024"),
    )
    content = FactContent(
        kind="FIGURE_REPORTED",
        title="22,000 smuggled through the region",
        summary="Smuggled through the region in 2024.",
        occurred=FuzzyDate("2024"),
        figure=figure,
    )
    return Fact(
        fact_id=uuid.uuid4(),
        content=content,
        sources=(source(ON_RECORD),),
        readings=(FigureReading(figure=figure, source=source(ON_RECORD)),),
    )


def meeting_fact() -> Fact:
    quote = "Border chiefs met in Sarajevo on October 9 about smuggling gangs."
    content = FactContent(
        kind="MEETING_HELD",
        title="Border chiefs met in Sarajevo",
        summary="Border police chiefs met in Sarajevo about smuggling gangs.",
        occurred=FuzzyDate("2025-10-09"),
        places=("Sarajevo",),
    )
    return Fact(fact_id=uuid.uuid4(), content=content, sources=(source(quote),))


def article(document: str = "later.txt") -> Article:
    return Article(
        text=TEXT,
        published=PUBLISHED,
        publisher="Later News",
        title="Later",
        document=document,
    )


def matched(document: str = "later.txt") -> dict[str, Proposal]:
    record = [figure_fact(), meeting_fact()]
    found = propose(article(document), known=RecordKnowledge())
    measures = [Measure(key="region-migrants-smuggled", label="Smuggled", unit="people")]
    result = match_proposals(found, record, measures, source_identity=article(document).identity)
    return {p.kind: p for p in result}


def test_a_different_reading_of_a_figure_on_record_is_a_conflict_with_both_readings() -> None:
    proposal = matched()["FIGURE_REPORTED"]
    assert proposal.match.status is MatchStatus.CONFLICT
    assert proposal.match.record_reading == "MORE_THAN 22000 people over 2024"
    assert proposal.figure is not None
    assert proposal.figure.measure == "region-migrants-smuggled"


def test_the_same_act_in_other_words_corroborates_the_fact_on_record() -> None:
    proposal = matched()["MEETING_HELD"]
    assert proposal.match.status is MatchStatus.CORROBORATION


def test_proposals_from_a_source_the_fact_already_cites_are_dropped() -> None:
    assert matched("earlier.txt") == {}


def test_periods_match_end_for_end_and_open_only_with_open() -> None:
    assert same_period(FuzzyDate("2024-07-05/2025-10"), FuzzyDate("2024-07-05/2025-10-31"))
    assert not same_period(FuzzyDate("2024-07-05/2025-10"), FuzzyDate("2024-07-05/2025-11"))
    assert not same_period(FuzzyDate("../2025-10"), FuzzyDate("2018/2025-10"))
    assert same_period(FuzzyDate("../2025-10"), FuzzyDate("../2025-10-20"))


def test_a_since_phrase_starts_from_the_act_the_record_dates() -> None:
    content = FactContent(
        kind="POLICY_IN_FORCE",
        title="UK-France 'one in, one out' returns scheme came into force",
        summary="The returns scheme came into force.",
        occurred=FuzzyDate("2025-08-06"),
    )
    in_force = Fact(fact_id=uuid.uuid4(), content=content, sources=(source("In force."),))
    text = "More than 10,500 people have arrived since the scheme came into force."
    later = Article(text=text, published=PUBLISHED, publisher="P", title="T", document="x.txt")

    found = propose(later, known=RecordKnowledge(anchors=anchors_from([in_force])))

    [proposal] = [p for p in found if p.figure is not None]
    assert proposal.figure is not None
    assert proposal.figure.period == FuzzyDate("2025-08-06/2025-10")
    assert "on record" in proposal.guesses["figure.period"].reason
    [act] = [p for p in found if p.figure is None]
    assert (act.kind, act.title, act.occurred) == (
        "POLICY_IN_FORCE",
        "The scheme came into force",
        FuzzyDate("2025-08-06"),
    )
    unanchored = propose(later, known=RecordKnowledge())
    assert {p.occurred for p in unanchored} == {FuzzyDate("../2025-10")}
