"""Spans of an article's text: sentences and the clauses within them, with offsets.

A quote must be verbatim, so every span keeps the character offsets it came from and its
text is always ``article[start:end]``. Sentences come from spaCy's rule-based sentencizer
on a blank English pipeline (no model to download), run paragraph by paragraph because
news copy puts headlines and captions on lines of their own without a full stop.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

_PARAGRAPH = re.compile(r"[^\n]+")
# Quote marks and spaces that wrap a sentence but are not part of what it says.
_WRAPPING = " \t\u00a0\"'\u2018\u2019\u201c\u201d"
# Where a sentence's clauses part: a figure or a date in one clause belongs to that clause.
_CLAUSE_BREAK = re.compile(
    r",\s+(?=(?:while|whereas|after|before|with|including|but|and|up|down|compared)\b)"
    r"|\s+[\u2013\u2014-]\s+|;\s+|\s+(?=(?:while|whereas|after)\s)"
)


@dataclass(frozen=True, slots=True)
class Span:
    """``text`` is exactly ``article[start:end]``."""

    start: int
    end: int
    text: str

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def span_of(article: str, start: int, end: int) -> Span:
    """The span ``article[start:end]`` without the spaces and quote marks around it."""
    while start < end and article[start] in _WRAPPING:
        start += 1
    while end > start and article[end - 1] in _WRAPPING:
        end -= 1
    # A closing quote mark after the full stop is dropped above; one before it stays.
    return Span(start, end, article[start:end])


def sentences(article: str) -> list[Span]:
    """Every sentence of ``article`` (each paragraph split by spaCy's sentencizer)."""
    paragraphs = [match for match in _PARAGRAPH.finditer(article) if match.group().strip()]
    nlp = _pipeline()
    found: list[Span] = []
    for match, doc in zip(paragraphs, nlp.pipe(m.group() for m in paragraphs), strict=True):
        for sentence in doc.sents:
            span = span_of(
                article, match.start() + sentence.start_char, match.start() + sentence.end_char
            )
            if span.text:
                found.append(span)
    return found


def clauses(article: str, sentence: Span) -> list[Span]:
    """The clauses of ``sentence``: split at commas before a new clause, dashes and
    semicolons, so that "59,607, after nearly 2,000 came last week" keeps "last week" with
    the 2,000 it belongs to."""
    parts: list[Span] = []
    start = sentence.start
    for match in _CLAUSE_BREAK.finditer(sentence.text):
        end = sentence.start + match.start()
        if end > start:
            parts.append(Span(start, end, article[start:end]))
        start = sentence.start + match.end()
    if start < sentence.end:
        parts.append(Span(start, sentence.end, article[start : sentence.end]))
    return parts


@functools.cache
def _pipeline() -> Language:
    import spacy  # imported here: it takes a second, and only proposing needs it

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp
