"""Starting points the record already dates: "since the scheme came into force".

A phrase that starts a period at an event ("since the scheme came into force", "since the
deal was signed") has no date in the text, but the record may hold that event as a fact with
its day. An anchor is such a fact: an act (no figure) dated to a day or a month. A phrase
takes the anchor sharing the most content words with it, at least ``MIN_SHARED``, so that
"the scheme came into force" finds "UK-France 'one in, one out' scheme came into force" and
nothing vaguer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import Fact

MIN_SHARED = 3
_SMALL = frozenset(
    {*("the", "a", "an", "of", "to", "in", "on", "at", "and", "its", "their", "his", "her")}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Anchor:
    title: str
    date: FuzzyDate
    words: frozenset[str]


def anchors_from(facts: Iterable[Fact]) -> tuple[Anchor, ...]:
    """The acts on record that can start a period: dated, not intervals, no figure."""
    return tuple(
        Anchor(
            title=fact.content.title,
            date=fact.content.occurred,
            words=words(f"{fact.content.title} {fact.content.summary}"),
        )
        for fact in facts
        if fact.content.figure is None
        and not fact.content.occurred.is_interval
        and not fact.is_retracted
    )


def anchor_for(event: str, anchors: Iterable[Anchor]) -> Anchor | None:
    """The anchor ``event`` (the words after "since") names, or None."""
    wanted = words(event)
    scored = [(len(wanted & anchor.words), anchor) for anchor in anchors]
    scored = [(score, anchor) for score, anchor in scored if score >= MIN_SHARED]
    return max(scored, key=lambda item: item[0], default=(0, None))[1]


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z]+", text.lower()) if w not in _SMALL)
