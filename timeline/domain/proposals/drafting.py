"""From an article's text to proposals: one per figure, one per sentence that reports an act.

A sentence with figures gives a figure proposal for each; it also gives an event proposal
when its cue word names an act other than funding (funding is the money figure itself). A
sentence without figures gives an event proposal when a cue word names its kind, or, with a
date phrase but no cue, a reported situation at low confidence. Everything else (opinion,
colour, quotes of intent) is left out: the curator adds what the rules miss.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from types import MappingProxyType

from timeline.domain.dates import FuzzyDate, Precision
from timeline.domain.proposals import kinds
from timeline.domain.proposals.anchors import Anchor
from timeline.domain.proposals.articles import Article
from timeline.domain.proposals.counts import count_unit
from timeline.domain.proposals.names import Names, RecordKnowledge, names_in
from timeline.domain.proposals.numbers import FoundNumber, numbers
from timeline.domain.proposals.proposals import Guess, Proposal, ProposedFigure
from timeline.domain.proposals.repeats import without_repeats
from timeline.domain.proposals.spans import Span, clauses, sentences
from timeline.domain.proposals.times import TimePhrase, time_phrases
from timeline.domain.quantities import COUNT_UNITS, Basis, Qualifier
from timeline.domain.texts import MAX_TITLE

# "It comes after Ms Mahmood admitted ...": news copy's way to report the event before it.
_FOLLOWS = re.compile(
    r"(?:it|this|that|the \w+) (?:comes|came) (?:just |days |weeks |shortly )?after\b",
    re.IGNORECASE,
)
MIN_TITLE_WORDS = 6
_LEADING_LINK = re.compile(r"^(?:while|whereas|after|and|but|with|including)\s+", re.IGNORECASE)
"""An event is titled by the clause its cue word is in, when that clause says enough."""
_EARLIER_ACT = re.compile(r"\b(?:already|I have|I've|we have|we've)\b", re.IGNORECASE)
_QUALIFIER_WORDS = {
    Qualifier.EXACT: "",
    Qualifier.ABOUT: "About",
    Qualifier.AT_LEAST: "At least",
    Qualifier.MORE_THAN: "More than",
    Qualifier.AT_MOST: "At most",
    Qualifier.LESS_THAN: "Less than",
    Qualifier.ALMOST: "Almost",
}


def propose(article: Article, *, known: RecordKnowledge) -> list[Proposal]:
    """The proposals for ``article``, in text order, less repeats.

    The article's identity (its URL or file name) seeds the proposals' ids, so proposing
    the same article twice gives the same ids. The headline is not proposed from: the body
    states its facts again, with the detail a fact needs.
    """
    found: list[Proposal] = []
    previous: Span | None = None
    for sentence in sentences(article.text):
        if _is_subheading(sentence.text) or sentence.text == article.title:
            continue
        context = previous.start if previous is not None else sentence.start
        found.extend(
            _sentence(article.text, sentence, context, article.published, known, article.identity)
        )
        previous = sentence
    return without_repeats(found)


def _in_direct_speech(article: str, sentence: Span) -> bool:
    """Whether the sentence opens a quotation ("Today, in this country, ..." said a
    minister): what a speaker says of the day is rhetoric until a cue word says otherwise."""
    before = article[max(0, sentence.start - 1) : sentence.start]
    return before in ('"', "\u201c", "'", "\u2018")


def _is_subheading(text: str) -> bool:
    """A short title-case line with no full stop: a subheading, which states no fact."""
    words = text.split()
    if not words or text[-1] in ".!?\"'\u201d\u2019" or len(words) > 12:
        return False
    capitalised = sum(1 for word in words if word[:1].isupper())
    return capitalised >= len(words) - 1


def _sentence(
    article: str,
    sentence: Span,
    context: int,
    published: FuzzyDate,
    known: RecordKnowledge,
    document: str,
) -> Iterator[Proposal]:
    names = names_in(sentence.text, known)
    figures = list(_figures(article, sentence, context, published, known.anchors))
    cue = kinds.kind_of(sentence.text)
    for number, phrase, unit_guess in figures:
        yield _figure_proposal(
            article, sentence, number, phrase, unit_guess, published, names, document
        )
    if cue is None and figures:
        return
    if cue is not None and figures and cue.kind == kinds.FUNDING:
        return
    by_clause = [
        (
            clause,
            [p for p in time_phrases(article, clause, published, known.anchors) if not p.baseline],
        )
        for clause in clauses(article, sentence)
    ]
    if cue is None:
        dated = [p for _, found in by_clause for p in found if not p.occurred.open_start]
        follows = _FOLLOWS.match(sentence.text)
        if _in_direct_speech(article, sentence) or not (dated or follows):
            return
        cue = kinds.KindCue(
            kind="SITUATION_REPORTED",
            at=dated[0].span.start - sentence.start if dated else 0,
            confidence=0.3,
            reason="no cue word for a kind; a dated statement of what happened"
            if dated
            else f"{follows.group() if follows else ''!r}: an event just before the story",
        )
    # The act's date is the one in its own clause: a headline's "sent to the Balkans ...
    # with arrivals under Labour poised to hit 60,000" does not date the sending.
    at = sentence.start + cue.at
    started = next(
        (
            p
            for _, found in by_clause
            for p in found
            if p.span.start <= at < p.span.end and p.span.text.lower().startswith("since ")
        ),
        None,
    )
    if started is not None:
        # "... since the scheme came into force": the act is when the period starts.
        yield _starting_event(sentence, cue, started, published, names, document)
        return
    figured = {number.span.start for number, _, _ in figures}
    candidates = [
        p
        for clause, found in by_clause
        if not any(clause.start <= start < clause.end for start in figured)
        for p in found
    ]
    phrase = min(candidates, key=lambda p: abs(p.span.start - at), default=None)
    own = next((clause for clause, _ in by_clause if clause.start <= at < clause.end), sentence)
    title = _LEADING_LINK.sub("", own.text)
    if len(title.split()) < MIN_TITLE_WORDS:
        title = sentence.text
    title = title[:1].upper() + title[1:]
    yield _event_proposal(sentence, cue, phrase, published, names, document, title)


def _figures(
    article: str, sentence: Span, context: int, published: FuzzyDate, anchors: Sequence[Anchor]
) -> Iterator[tuple[FoundNumber, TimePhrase | None, Guess]]:
    inherited: TimePhrase | None = None
    counted_before: str | None = None
    for clause in clauses(article, sentence):
        phrases = [p for p in time_phrases(article, clause, published, anchors) if not p.baseline]
        for number in numbers(article, clause):
            if number.unit is None:
                counted = count_unit(article, sentence, number.span, context)
                if counted is None:
                    continue
                unit = Guess(confidence=counted.confidence, reason=counted.reason)
                if counted.named is None and counted_before is not None:
                    # "32,000 people ..., down from a peak of 56,000 in 2023": a bare count
                    # after a counted one in the same sentence counts the same thing.
                    counted_unit = counted_before
                    unit = Guess(confidence=0.6, reason="counts what the figure before it counts")
                else:
                    counted_unit = counted.unit
                    counted_before = counted.named or counted_before
                number = _with_unit(number, counted_unit)
            else:
                unit = Guess(confidence=0.9, reason=number.unit_reason)
            phrase = min(
                phrases, key=lambda p: abs(p.span.start - number.span.end), default=inherited
            )
            inherited = phrase
            yield number, phrase, unit


def _with_unit(number: FoundNumber, unit: str) -> FoundNumber:
    return FoundNumber(
        span=number.span,
        value=number.value,
        unit=unit,
        qualifier=number.qualifier,
        qualifier_reason=number.qualifier_reason,
        unit_reason=number.unit_reason,
    )


def _figure_proposal(
    article: str,
    sentence: Span,
    number: FoundNumber,
    phrase: TimePhrase | None,
    unit_guess: Guess,
    published: FuzzyDate,
    names: Names,
    document: str,
) -> Proposal:
    assert number.unit is not None
    if phrase is not None:
        period, basis = phrase.occurred, phrase.basis
        when = Guess(confidence=phrase.confidence, reason=phrase.reason)
        if period.open_end:
            period = FuzzyDate.spanning(period, published)
    else:
        period, basis = FuzzyDate.spanning(None, published), Basis.CUMULATIVE
        when = Guess(confidence=0.3, reason="no period in the text: a total as at publication")
    funding = number.unit.isupper() and kinds.is_funding(sentence.text)
    kind = kinds.FUNDING if funding else "FIGURE_REPORTED"
    phrase_words = phrase.span.text if phrase is not None else ""
    measure, label = _new_measure(number.unit, basis, period, phrase_words)
    written = number.span.text
    # "£650million" and "12%" say their unit; a bare count gets its unit's word.
    unit_word = number.unit if number.unit in COUNT_UNITS else ""
    title = _title(f"{_QUALIFIER_WORDS[number.qualifier]} {written} {unit_word}", phrase)
    figure = ProposedFigure(
        measure=measure,
        label=label,
        value=number.value,
        unit=number.unit,
        qualifier=number.qualifier,
        basis=basis,
        period=period,
        span=number.span,
    )
    guesses = {
        "kind": Guess(
            confidence=0.6 if funding else 0.8,
            reason="money with a funding cue" if funding else "a number with its unit",
        ),
        "figure.value": Guess(confidence=0.95, reason=f"written {written!r}"),
        "figure.unit": unit_guess,
        "figure.qualifier": Guess(confidence=0.8, reason=number.qualifier_reason),
        "figure.period": when,
        "figure.measure": Guess(confidence=0.3, reason="a new key from unit, basis and period"),
    }
    return Proposal(
        slug=_slug(document, number.span, "figure"),
        kind=kind,
        title=title,
        summary=sentence.text,
        quote=sentence,
        occurred=period,
        occurred_phrase=phrase.span.text if phrase is not None else None,
        inferred=phrase.inferred if phrase is not None else ("start", "end"),
        date_note=when.reason,
        actors=names.actors,
        places=names.places,
        figure=figure,
        guesses=MappingProxyType(guesses),
    )


def _event_proposal(
    sentence: Span,
    cue: kinds.KindCue,
    phrase: TimePhrase | None,
    published: FuzzyDate,
    names: Names,
    document: str,
    title: str,
) -> Proposal:
    if phrase is not None:
        occurred, inferred = phrase.occurred, phrase.inferred
        when = Guess(confidence=phrase.confidence, reason=phrase.reason)
    elif _EARLIER_ACT.search(sentence.text):
        occurred, inferred = FuzzyDate.spanning(None, published), ("end",)
        when = Guess(confidence=0.4, reason="no date; an earlier act or a state, up to publication")
    else:
        # "Has announced", "can reveal": on or shortly before publication, so the month (or
        # months) the publication falls in; the act may predate the story by some days.
        occurred = _months_of(published)
        inferred = ("start", "end") if occurred.is_interval else ("year", "month")
        when = Guess(
            confidence=0.5,
            reason=f"no date in the text; reported as new, so within {occurred}, the month of"
            f" publication ({published})",
        )
    guesses = {
        "kind": Guess(confidence=cue.confidence, reason=cue.reason),
        "occurred": when,
    }
    return Proposal(
        slug=_slug(document, sentence, "event"),
        kind=cue.kind,
        title=_title(title.rstrip(" ,;:.") + ("." if title.endswith(".") else ""), None),
        summary=sentence.text,
        quote=sentence,
        occurred=occurred,
        occurred_phrase=phrase.span.text if phrase is not None else None,
        inferred=inferred,
        date_note=when.reason,
        actors=names.actors,
        places=names.places,
        figure=None,
        guesses=MappingProxyType(guesses),
    )


def _starting_event(
    sentence: Span,
    cue: kinds.KindCue,
    phrase: TimePhrase,
    published: FuzzyDate,
    names: Names,
    document: str,
) -> Proposal:
    start = phrase.occurred.start
    inferred: tuple[str, ...]
    if start is None:
        occurred, inferred = FuzzyDate.spanning(None, published), ("end",)
        note = f"{phrase.span.text!r} gives no date for the act: on or before publication"
    else:
        occurred = start
        inferred = _PARTS[start.precision] if "start" in phrase.inferred else ()
        note = f"the start of {phrase.span.text!r}: {phrase.reason}"
    act = phrase.span.text.split(" ", 1)[1]
    guesses = {
        "kind": Guess(confidence=cue.confidence, reason=cue.reason),
        "occurred": Guess(confidence=phrase.confidence, reason=note),
    }
    return Proposal(
        slug=_slug(document, phrase.span, "event"),
        kind=cue.kind,
        title=_title(act[:1].upper() + act[1:], None),
        summary=sentence.text,
        quote=sentence,
        occurred=occurred,
        occurred_phrase=phrase.span.text,
        inferred=inferred,
        date_note=note,
        actors=names.actors,
        places=names.places,
        figure=None,
        guesses=MappingProxyType(guesses),
    )


_PARTS = {
    Precision.YEAR: ("year",),
    Precision.MONTH: ("year", "month"),
    Precision.DAY: ("year", "month", "day"),
}


def _months_of(published: FuzzyDate) -> FuzzyDate:
    if published.precision is Precision.YEAR and not published.is_interval:
        return published
    first, last = published.earliest, published.latest
    return FuzzyDate.spanning(
        FuzzyDate.of_month(first.year, first.month), FuzzyDate.of_month(last.year, last.month)
    )


def _new_measure(unit: str, basis: Basis, period: FuzzyDate, phrase: str) -> tuple[str, str]:
    """A key and label for a measure nobody registered yet, for the curator to rename: a
    running total is named by its start, an amount within a period by the period's length
    (the phrase's own word for it, "last week", when it has one)."""
    unit_word = unit if unit.isupper() else unit.capitalize()
    if basis is Basis.CUMULATIVE:
        if period.open_start:
            return f"{unit.lower()}-total", f"{unit_word} in all (proposed; name it)"
        start = period.earliest.isoformat()
        return f"{unit.lower()}-since-{start}", f"{unit_word} since {start} (proposed; name it)"
    named = re.search(r"\b(day|week|month|year)\b", phrase, re.IGNORECASE)
    days = (period.latest - period.earliest).days + 1
    span = "day" if days <= 1 else "week" if days <= 7 else "month" if days <= 31 else "year"
    if named is not None:
        span = named.group(1).lower()
    elif days > 366:
        return f"{unit.lower()}-over-period", f"{unit_word} over a period (proposed; name it)"
    return f"{unit.lower()}-per-{span}", f"{unit_word} per {span} (proposed; name it)"


def _title(text: str, phrase: TimePhrase | None) -> str:
    if phrase is not None:
        text = f"{text} {phrase.span.text}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "\u2026"


def _slug(document: str, span: Span, what: str) -> str:
    digest = hashlib.sha256(f"{document}:{span.start}:{span.end}".encode()).hexdigest()[:10]
    words = "-".join(re.findall(r"[a-z0-9]+", span.text.lower())[:6])[:50].strip("-")
    return "-".join(part for part in (what, words, digest) if part)
