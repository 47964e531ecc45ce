"""Proposals against the record: corroborations, conflicts, and repeats to drop.

* A figure that reads the same measure over the same period as a fact on record (same
  unit and basis, its period's ends overlapping the fact's) corroborates that fact; if its
  value or qualifier differs from every reading on record it is a conflict, and both
  readings are shown (it is still recorded as another reading: contested, never settled).
* An event of the same kind, on an overlapping date, naming an actor (or, with no actors on
  either side, a place) the fact names, corroborates it.
* A proposal whose source (URL or document) the matched fact already cites is dropped, and
  so is any whose exact quote the record already holds from that source.
* A new figure takes the key of a registered measure when a fact on record reads that
  measure in the same unit and basis from the same start and says it in similar words.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import Fact
from timeline.domain.figures import Figure
from timeline.domain.measures import Measure
from timeline.domain.proposals.proposals import (
    Guess,
    MatchStatus,
    Proposal,
    ProposedFigure,
    RecordMatch,
)
from timeline.domain.quantities import Basis

_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "have",
        "has",
        "had",
        "were",
        "was",
        "are",
        "been",
        "into",
        "over",
        "since",
        "under",
        "more",
        "than",
        "after",
        "their",
        "they",
        "them",
        "there",
        "which",
        "while",
        "about",
        "some",
        "what",
        "when",
        "will",
        "would",
        "could",
        "said",
        "says",
        "also",
        "only",
        "just",
        "last",
        "year",
        "month",
        "week",
        "days",
        "people",
    ]
)
_MIN_SHARED_WORDS = 3
BROAD_KINDS = frozenset({"POLICY_ANNOUNCED", "SITUATION_REPORTED"})
"""Kinds so wide that the same words in the same month say little: these corroborate a fact
only when they also name one of its actors."""


def match_proposals(
    proposals: Iterable[Proposal],
    record: Sequence[Fact],
    measures: Sequence[Measure],
    *,
    source_identity: str,
) -> list[Proposal]:
    """Each proposal with its match on ``record``; repeats of a cited source left out."""
    quoted = {
        (source.identity, source.quote)
        for fact in record
        for source in fact.sources
        if source.identity == source_identity
    }
    registry = {measure.key: measure for measure in measures}
    matched: list[Proposal] = []
    for proposal in proposals:
        if (source_identity, proposal.quote.text) in quoted:
            continue
        fact = _figure_match(proposal, record) or _event_match(proposal, record)
        if fact is None:
            matched.append(_with_registered_measure(proposal, record, registry))
            continue
        if any(source.identity == source_identity for source in fact.sources):
            continue
        matched.append(_as_match(proposal, fact))
    return matched


def _figure_match(proposal: Proposal, record: Sequence[Fact]) -> Fact | None:
    figure = proposal.figure
    if figure is None:
        return None
    candidates = [
        fact
        for fact in record
        if (on_record := _figure_of(fact)) is not None
        and on_record.quantity.unit == figure.unit
        and on_record.basis is figure.basis
        and same_period(on_record.period, figure.period)
    ]
    return _best(proposal, candidates, minimum=0)


def _event_match(proposal: Proposal, record: Sequence[Fact]) -> Fact | None:
    if proposal.figure is not None:
        return None
    candidates = [
        fact
        for fact in record
        if fact.content.kind == proposal.kind
        and fact.content.figure is None
        and fact.content.occurred.overlaps(proposal.occurred)
        # "On or before publication" is no date to match on: it overlaps every earlier one.
        and fact.content.occurred.open_start == proposal.occurred.open_start
    ]
    shared_actor = [f for f in candidates if set(f.content.actors) & set(proposal.actors)]
    found = _best(proposal, shared_actor, minimum=_MIN_SHARED_WORDS, without_names=True)
    if found is not None or proposal.kind in BROAD_KINDS:
        return found
    # No actor in common (the record may not know the names yet): the same act in other
    # words still shares what it is about, names apart.
    return _best(proposal, candidates, minimum=_MIN_SHARED_WORDS, without_names=True)


def _as_match(proposal: Proposal, fact: Fact) -> Proposal:
    figure = proposal.figure
    on_record = _figure_of(fact)
    if figure is None or on_record is None:
        match = RecordMatch(
            status=MatchStatus.CORROBORATION,
            fact_id=fact.fact_id,
            fact_title=fact.content.title,
            reason="same kind, an overlapping date and a shared actor or place",
        )
        return dataclasses.replace(proposal, match=match)
    readings = [r.figure for r in fact.readings] or [on_record]
    same = any(
        r.quantity.value == figure.value and r.quantity.qualifier is figure.qualifier
        for r in readings
    )
    match = RecordMatch(
        status=MatchStatus.CORROBORATION if same else MatchStatus.CONFLICT,
        fact_id=fact.fact_id,
        fact_title=fact.content.title,
        record_reading=None if same else _reading(on_record),
        reason="the same measure over the same period" + ("" if same else ", read differently"),
    )
    guesses = dict(proposal.guesses)
    guesses["figure.measure"] = Guess(
        confidence=0.8, reason=f"the measure of {fact.content.title!r}"
    )
    return dataclasses.replace(
        proposal,
        figure=_keyed(figure, on_record.measure, figure.label),
        match=match,
        guesses=guesses,
    )


def _with_registered_measure(
    proposal: Proposal, record: Sequence[Fact], registry: dict[str, Measure]
) -> Proposal:
    figure = proposal.figure
    if figure is None:
        return proposal
    candidates = [
        fact
        for fact in record
        if (on_record := _figure_of(fact)) is not None
        and on_record.measure in registry
        and on_record.quantity.unit == figure.unit
        and on_record.basis is figure.basis
        and (
            figure.basis is Basis.FLOW or _ends_overlap(on_record.period.start, figure.period.start)
        )
    ]
    fact = _best(proposal, candidates, minimum=_MIN_SHARED_WORDS)
    if fact is None or (on_record := _figure_of(fact)) is None:
        return proposal
    measure = registry[on_record.measure]
    guesses = dict(proposal.guesses)
    guesses["figure.measure"] = Guess(
        confidence=0.5, reason=f"registered measure {measure.key!r}, in similar words"
    )
    return dataclasses.replace(
        proposal, figure=_keyed(figure, measure.key, measure.label), guesses=guesses
    )


def same_period(one: FuzzyDate, other: FuzzyDate) -> bool:
    """Both ends of one can be the same days as the other's (open ends only match open)."""
    return _ends_overlap(one.start, other.start) and _ends_overlap(one.end, other.end)


def _ends_overlap(one: FuzzyDate | None, other: FuzzyDate | None) -> bool:
    if one is None or other is None:
        return one is None and other is None
    return one.overlaps(other)


def _best(
    proposal: Proposal, candidates: Sequence[Fact], *, minimum: int, without_names: bool = False
) -> Fact | None:
    words = _words(proposal.quote.text)
    if without_names:
        named = " ".join((*proposal.actors, *proposal.places))
        words -= _words(named)
    scored = [(len(words & _words(_described(fact))), fact) for fact in candidates]
    scored = [(score, fact) for score, fact in scored if score >= minimum]
    if not scored:
        return None
    return max(scored, key=lambda item: item[0])[1]


def _described(fact: Fact) -> str:
    quotes = " ".join(source.quote for source in fact.sources)
    return f"{fact.content.title} {fact.content.summary} {quotes}"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _STOPWORDS}


def _figure_of(fact: Fact) -> Figure | None:
    return fact.content.figure


def _keyed(figure: ProposedFigure, measure: str, label: str) -> ProposedFigure:
    return dataclasses.replace(figure, measure=measure, label=label)


def _reading(figure: Figure) -> str:
    quantity = figure.quantity
    return f"{quantity.qualifier} {quantity.value} {quantity.unit} over {figure.period}"
