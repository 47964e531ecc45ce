"""Whole articles to proposals: one per figure, one per reported act, verbatim quotes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.domain.dates import FuzzyDate
from timeline.domain.proposals.articles import Article
from timeline.domain.proposals.drafting import propose
from timeline.domain.proposals.names import RecordKnowledge
from timeline.domain.quantities import Basis, Qualifier

TEXT = """Ministers strike deal on returns

The Home Office has announced that 40 officers will be deployed to Greece.

More than 12,000 migrants have crossed the Channel so far this year, \
up a third on the same point in 2024.

Ms Cooper met her counterparts in Athens on 3 March.

Migrants cross the Channel last month

Migrants cross the Channel last month

Critics said the plan was a gimmick.
"""


def article(text: str = TEXT, published: str = "2025-03-10") -> Article:
    return Article(
        text=text,
        published=FuzzyDate(published),
        publisher="Example News",
        title="Ministers strike deal on returns",
        document="example.txt",
    )


def test_figures_events_and_dates_are_proposed_with_verbatim_quotes() -> None:
    found = propose(article(), known=RecordKnowledge(actors=frozenset({"Yvette Cooper"})))
    for proposal in found:
        assert TEXT[proposal.quote.start : proposal.quote.end] == proposal.quote.text
    figures = {(p.figure.value, p.figure.unit, p.figure.qualifier): p for p in found if p.figure}
    arrivals = figures[(Decimal(12000), "people", Qualifier.MORE_THAN)].figure
    assert arrivals is not None
    assert (arrivals.basis, arrivals.period) == (
        Basis.CUMULATIVE,
        FuzzyDate("2025-01-01/2025-03-10"),
    )
    share = figures[(Decimal("33.3"), "percent", Qualifier.ABOUT)].figure
    assert share is not None
    assert share.period == arrivals.period
    kinds = {p.kind: p for p in found if p.figure is None}
    meeting = kinds["MEETING_HELD"]
    assert meeting.occurred == FuzzyDate("2025-03-03")
    assert meeting.occurred_phrase == "on 3 March"
    assert meeting.actors == ("Yvette Cooper",)
    assert "Greece" in kinds["DEPLOYMENT_ANNOUNCED"].places
    assert kinds["DEPLOYMENT_ANNOUNCED"].occurred == FuzzyDate("2025-03")


def test_a_caption_printed_twice_is_proposed_once_and_opinion_not_at_all() -> None:
    found = propose(article(), known=RecordKnowledge())
    situations = [p for p in found if p.kind == "SITUATION_REPORTED"]
    assert [p.occurred for p in situations] == [FuzzyDate("2025-02")]
    assert not any("gimmick" in p.quote.text for p in found)


def test_the_headline_is_not_proposed_from() -> None:
    found = propose(article(), known=RecordKnowledge())
    assert all(p.quote.text != "Ministers strike deal on returns" for p in found)


def test_proposing_twice_gives_the_same_ids() -> None:
    first = [p.slug for p in propose(article(), known=RecordKnowledge())]
    assert first == [p.slug for p in propose(article(), known=RecordKnowledge())]
    assert len(set(first)) == len(first)


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_text_gives_verbatim_quotes(text: str) -> None:
    if not text.strip():
        return
    for proposal in propose(article(text), known=RecordKnowledge()):
        assert text[proposal.quote.start : proposal.quote.end] == proposal.quote.text


OTHER = (
    "About 32,000 people are housed in hotels, down from a peak of more than 56,000 in "
    "September 2023. The scheme has so far seen 26 migrants sent back, while more than 10,500 "
    "have arrived since it began. About 1,500 people crossed the Channel on Saturday alone.\n"
    '"Today, in this country, that is not the case," she said.\n'
)


def test_a_bare_count_counts_what_the_counted_figure_before_it_counts() -> None:
    found = propose(article(OTHER, "2025-09-12"), known=RecordKnowledge())
    units = {p.figure.value: p.figure.unit for p in found if p.figure is not None}
    assert units[Decimal(56000)] == "people"  # not the hotels it was housed in
    assert units[Decimal(26)] == "returns"
    assert units[Decimal(10500)] == "people"  # the migrants, not their return


def test_a_weekday_is_the_last_one_before_publication() -> None:
    found = propose(article(OTHER, "2025-09-12"), known=RecordKnowledge())
    saturday = next(p for p in found if p.figure is not None and p.figure.value == 1500)
    assert saturday.occurred == FuzzyDate("2025-09-06")
    assert saturday.occurred_phrase == "on Saturday"


def test_what_a_speaker_says_of_today_is_not_proposed_as_a_situation() -> None:
    found = propose(article(OTHER, "2025-09-12"), known=RecordKnowledge())
    assert not any(p.quote.text.startswith("Today") for p in found)


def test_the_event_a_story_follows_is_proposed_as_a_situation_before_it() -> None:
    text = "Ministers met in Rome.\nIt comes after the minister admitted the borders are open.\n"
    found = propose(article(text, "2025-10-09/2025-10-31"), known=RecordKnowledge())
    follows = next(p for p in found if p.quote.text.startswith("It comes after"))
    assert follows.kind == "SITUATION_REPORTED"
    assert follows.occurred == FuzzyDate("2025-10")
