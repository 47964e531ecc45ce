"""Time phrases in a clause: where they are, what they resolve to, what basis they imply.

The phrases themselves are resolved by ``timeline.domain.phrases`` against the publication
date; this module finds them in running text. A phrase that only compares ("up a third on
the same point in 2024", "compared with last year") is a baseline, not the period of the
figure beside it, and is marked so. "Since" an event nobody has given a date for ("since
the scheme came into force") is kept as an open start: the figure ran up to publication
from a day the text does not give, which is true, and the curator sees the phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import UnknownPhrase
from timeline.domain.phrases import resolve_phrase
from timeline.domain.proposals.anchors import Anchor, anchor_for
from timeline.domain.proposals.spans import Span
from timeline.domain.quantities import Basis

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_PHRASE = re.compile(
    "|".join(
        (
            r"so far this year|this year so far|earlier this year|so far in this year",
            r"(?:ever )?since [^,.;:!?()\u2013\u2014]+",
            r"under (?:[A-Z][\w'\u2019]+)(?: [A-Z][\w'\u2019]+)*",
            r"(?:in |during )?the (?:first|second) half of (?:this year|last year|\d{4})",
            r"(?:in |during )?last (?:year|month|week)",
            r"(?:in |during |earlier )?this (?:year|month)",
            r"within (?:a few )?days|in the (?:coming|next few) days",
            rf"(?:in )?the (?:year|12 months|twelve months) (?:to|ending) {_MONTH}\b(?: \d{{4}})?",
            r"(?:over|in|within|during) the (?:next|coming) (?:\d{1,3}|[a-z]+)"
            r" (?:years?|months?|weeks?)",
            r"(?:on |last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            r"\btoday\b|\byesterday\b|(?:earlier |during |in )?this week\b",
            r"(?:between|from) \d{4} (?:and|to|until) \d{4}\b",
            rf"(?:on )?{_DAY} (?:of )?{_MONTH}\b(?:,? \d{{4}})?",
            rf"(?:on )?{_MONTH} {_DAY}\b(?:,? \d{{4}})?",
            rf"in {_MONTH}(?: \d{{4}})?\b",
            r"(?:in |during )\d{4}\b",
            r"\bso far\b|\balready\b",
        )
    ),
    re.IGNORECASE,
)
# What comes just before a phrase that only names the point of comparison.
_BASELINE = re.compile(
    r"\b(?:same (?:point|period|time|month|week|day)s?(?: of| in| last)?"
    r"|compared (?:with|to)|than(?: in)?|from|on|against|versus|vs\.?)\s*$",
    re.IGNORECASE,
)
_CUMULATIVE = re.compile(r"^(?:ever )?since |^under |so far|already", re.IGNORECASE)
_OPEN = re.compile(r"^(?:so far|already)$", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|is to|are to|to be|due to|set to)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimePhrase:
    """A phrase of the text and what it was resolved to."""

    span: Span
    occurred: FuzzyDate
    inferred: tuple[str, ...]
    basis: Basis
    baseline: bool
    confidence: float
    reason: str


def time_phrases(
    article: str, clause: Span, published: FuzzyDate, anchors: Sequence[Anchor] = ()
) -> list[TimePhrase]:
    """The time phrases of ``clause`` that resolve, in text order, none overlapping;
    ``anchors`` are the record's dated acts a "since ..." may start from."""
    found: list[TimePhrase] = []
    taken_until = clause.start
    for match in _PHRASE.finditer(clause.text):
        start = clause.start + match.start()
        if start < taken_until:
            continue
        phrase = _resolved(article, clause, match, published, anchors)
        if phrase is not None:
            found.append(phrase)
            taken_until = phrase.span.end
    return found


def _resolved(
    article: str,
    clause: Span,
    match: re.Match[str],
    published: FuzzyDate,
    anchors: Sequence[Anchor],
) -> TimePhrase | None:
    words = match.group()
    before = clause.text[: match.start()]
    ahead = _FUTURE.search(before) is not None
    baseline = _BASELINE.search(before) is not None and not words.lower().startswith("since")
    basis = Basis.CUMULATIVE if _CUMULATIVE.search(words) else Basis.FLOW
    if _OPEN.match(words):
        return TimePhrase(
            span=_span(article, clause.start + match.start(), words),
            occurred=FuzzyDate.spanning(None, published),
            inferred=("end",),
            basis=basis,
            baseline=baseline,
            confidence=0.4,
            reason=f"{words!r}: up to publication ({published}), from a start the text omits",
        )
    # "since Labour came into power in July 2024, ..." may run on; try shorter readings.
    tokens = words.split(" ")
    shortest = 2 if tokens[0].lower() in ("since", "under") else len(tokens)
    for length in range(len(tokens), shortest - 1, -1):
        candidate = " ".join(tokens[:length]).rstrip()
        try:
            resolved = resolve_phrase(candidate, published, ahead=ahead)
        except UnknownPhrase:
            continue
        stated = not resolved.inferred
        return TimePhrase(
            span=_span(article, clause.start + match.start(), candidate),
            occurred=resolved.occurred,
            inferred=resolved.inferred,
            basis=basis,
            baseline=baseline,
            confidence=0.9 if stated else 0.75,
            reason=_reason(candidate, resolved.occurred, resolved.inferred, published),
        )
    if tokens[0].lower() == "since":
        phrase = " ".join(tokens[:8])
        anchor = anchor_for(" ".join(tokens[1:8]), anchors)
        if anchor is not None and anchor.date.earliest <= published.latest:
            return TimePhrase(
                span=_span(article, clause.start + match.start(), phrase),
                occurred=FuzzyDate.spanning(anchor.date, published),
                inferred=("start", "end"),
                basis=basis,
                baseline=baseline,
                confidence=0.6,
                reason=f"{phrase!r}: from {anchor.date}, when {anchor.title!r} (on record)",
            )
        return TimePhrase(
            span=_span(article, clause.start + match.start(), phrase),
            occurred=FuzzyDate.spanning(None, published),
            inferred=("start", "end"),
            basis=basis,
            baseline=baseline,
            confidence=0.3,
            reason=f"{phrase!r}: no known date for that start; up to publication ({published})",
        )
    return None


def _span(article: str, start: int, words: str) -> Span:
    return Span(start, start + len(words), article[start : start + len(words)])


def _reason(
    phrase: str, occurred: FuzzyDate, inferred: tuple[str, ...], published: FuzzyDate
) -> str:
    if not inferred:
        return f"{phrase!r} states {occurred}"
    return f"{phrase!r} resolved against publication {published} to {occurred}"
