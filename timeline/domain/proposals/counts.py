"""What a count counts: the unit of a bare number, from the noun that goes with it.

"1,000 boats" says it; "soared past 175,000 since ..." takes the counted noun of its
sentence ("the number of migrants"); "26 migrants sent back" counts returns, not people.
Only units the figure vocabulary knows (``COUNT_UNITS``) are proposed: a count of homes or
jobs is left for the curator rather than forced into a unit that would mislead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from timeline.domain.proposals.spans import Span
from timeline.domain.quantities import COUNT_UNITS

_NOUNS: dict[str, str] = {
    **dict.fromkeys(
        (
            "people",
            "persons",
            "person",
            "migrants",
            "migrant",
            "refugees",
            "asylum seekers",
            "asylum-seekers",
            "individuals",
            "adults",
            "children",
            "minors",
            "men",
            "women",
            "passengers",
            "arrivals",
            "nationals",
            "foreigners",
            "illegal migrants",
            "small boat migrants",
            "smugglers",
            "suspected smugglers",
            "traffickers",
            "suspects",
            "victims",
        ),
        "people",
    ),
    **dict.fromkeys(("boats", "dinghies", "small boats", "craft"), "boats"),
    **dict.fromkeys(("vessels", "ships"), "vessels"),
    **dict.fromkeys(("crossings",), "crossings"),
    **dict.fromkeys(("returns",), "returns"),
    **dict.fromkeys(("removals", "deportations"), "removals"),
    **dict.fromkeys(("arrests",), "arrests"),
    **dict.fromkeys(("officers", "officials", "police officers", "agents", "staff"), "officers"),
    **dict.fromkeys(("deaths", "fatalities"), "deaths"),
    **dict.fromkeys(("flights",), "flights"),
    **dict.fromkeys(("applications", "claims"), "applications"),
    **dict.fromkeys(("decisions",), "decisions"),
    **dict.fromkeys(("detentions",), "detentions"),
    **dict.fromkeys(("beds",), "beds"),
    **dict.fromkeys(("sites", "hotels"), "sites"),
    **dict.fromkeys(("drones",), "drones"),
}
assert set(_NOUNS.values()) <= COUNT_UNITS
_NOUN = "|".join(sorted((re.escape(n) for n in _NOUNS), key=len, reverse=True))
# Up to two words between the number and its noun: "1,000 small boats", "2,000 more people".
_NOUN_AFTER = re.compile(rf"^\s+(?:[a-z-]+\s+){{0,2}}?(?P<noun>{_NOUN})\b", re.IGNORECASE)
_NOUN_ANYWHERE = re.compile(rf"\b(?P<noun>{_NOUN})\b", re.IGNORECASE)
_SENT_BACK = re.compile(
    r"^\s*(?:were |have been |had been |being )?(?P<how>sent back|returned|deported|removed)\b",
    re.IGNORECASE,
)
_MOVEMENT = re.compile(
    r"\b(?:arriv\w*|cross\w*|came|come|reach\w*|picked up|landed|travel\w*)\b", re.IGNORECASE
)


# Words that can follow a bare count without being what it counts.
_NOT_NOUNS = frozenset(
    [
        "have",
        "has",
        "had",
        "were",
        "was",
        "are",
        "is",
        "be",
        "been",
        "being",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "can",
        "came",
        "come",
        "coming",
        "arrived",
        "reached",
        "crossed",
        "made",
        "more",
        "fewer",
        "less",
        "so",
        "since",
        "in",
        "last",
        "this",
        "under",
        "alone",
        "now",
        "then",
        "to",
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "but",
        "who",
        "which",
        "that",
        "said",
        "says",
        "have",
        "within",
        "by",
        "for",
        "on",
        "at",
        "from",
        "into",
        "through",
        "during",
        "over",
        "after",
        "before",
        "per",
        "between",
        "across",
        "up",
        "down",
        "out",
        "off",
        "ago",
        "already",
        "again",
        "only",
        "just",
        "mark",
        "milestone",
        "figure",
        "total",
        "number",
        "level",
        "barrier",
        "threshold",
        "line",
    ]
)


NAMED_UNIT = 0.9
"""The confidence of a unit named right after its number ("1,000 boats")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CountUnit:
    unit: str
    confidence: float
    reason: str
    named: str | None = None
    """The unit of the noun the number counts, when one follows it ("26 migrants sent back"
    counts returns of people): what a bare count after it in the sentence counts too."""


def count_unit(
    article: str, sentence: Span, number: Span, context_start: int | None = None
) -> CountUnit | None:
    """The unit of the bare count at ``number`` within ``sentence``, or None.

    ``context_start`` (the previous sentence's start) lets "It is likely to pass the 60,000
    milestone" count what the sentence before it counted."""
    after = article[number.end : sentence.end]
    named = _NOUN_AFTER.match(after)
    if named is not None:
        noun = named.group("noun")
        rest = after[named.end() :]
        sent_back = _SENT_BACK.match(rest)
        if sent_back is not None:
            unit = (
                "removals"
                if sent_back.group("how").lower() in ("deported", "removed")
                else "returns"
            )
            return CountUnit(
                unit=unit,
                confidence=0.8,
                reason=f"{noun} {sent_back.group('how')}",
                named=_NOUNS[noun.lower()],
            )
        return CountUnit(
            unit=_NOUNS[noun.lower()],
            confidence=NAMED_UNIT,
            reason=f"counts {noun!r}",
            named=_NOUNS[noun.lower()],
        )
    next_word = re.match(r"^\s*([a-z]+)\b", after, re.IGNORECASE)
    if next_word is not None and next_word.group(1).lower() not in _NOT_NOUNS:
        return None  # "400 homes": a noun the vocabulary has no unit for
    before = article[sentence.start if context_start is None else context_start : number.start]
    nouns = list(_NOUN_ANYWHERE.finditer(before))
    if nouns:
        noun = nouns[-1].group("noun")
        return CountUnit(
            unit=_NOUNS[noun.lower()], confidence=0.6, reason=f"the sentence counts {noun!r}"
        )
    if _MOVEMENT.search(article[sentence.start : sentence.end]):
        return CountUnit(
            unit="people",
            confidence=0.4,
            reason="no counted noun; people assumed from a verb of movement",
        )
    return None
