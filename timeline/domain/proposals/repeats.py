"""One proposal per fact within an article: captions and standfirsts say things twice.

News copy prints a photo caption twice (once with straight quote marks, once curly) and
repeats the lead's act in a caption ("Home Secretary Shabana Mahmood has announced British
officers ... will be sent"). A later proposal saying the same thing in the same words as an
earlier one of the same article is left out: for figures, the same reading; for events, the
same kind and date and at least ``SHARED_WORDS`` content words in common.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from timeline.domain.proposals.proposals import Proposal

SHARED_WORDS = 4
_QUOTE_MARKS = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
_SMALL_WORDS = frozenset(
    {
        *("the", "and", "for", "with", "from", "that", "this", "have", "has", "had"),
        *("were", "was", "are", "been", "will", "into", "said"),
    }
)


def without_repeats(proposals: Iterable[Proposal]) -> list[Proposal]:
    """``proposals`` in order, less those repeating an earlier one."""
    kept: list[Proposal] = []
    for proposal in proposals:
        if not any(_repeats(proposal, earlier) for earlier in kept):
            kept.append(proposal)
    return kept


def _repeats(later: Proposal, earlier: Proposal) -> bool:
    if later.kind != earlier.kind or later.occurred != earlier.occurred:
        return False
    if later.figure is not None or earlier.figure is not None:
        if later.figure is None or earlier.figure is None:
            return False
        same_reading = (later.figure.value, later.figure.unit, later.figure.qualifier) == (
            earlier.figure.value,
            earlier.figure.unit,
            earlier.figure.qualifier,
        )
        return same_reading and _plain(later.quote.text) == _plain(earlier.quote.text)
    if _plain(later.quote.text) == _plain(earlier.quote.text):
        return True
    return len(_words(later.quote.text) & _words(earlier.quote.text)) >= SHARED_WORDS


def _plain(text: str) -> str:
    return " ".join(text.translate(_QUOTE_MARKS).split())


def _words(text: str) -> set[str]:
    return {
        word
        for word in re.findall(r"[a-z]+", text.lower())
        if len(word) > 2 and word not in _SMALL_WORDS
    }
