"""Actors and places a sentence names: those the record already knows, and countries.

A curator spells a name one way across the record; a proposal reuses those spellings, and
finds a known person by surname after a title too ("Ms Mahmood" is the record's "Shabana
Mahmood"). Countries come from ISO 3166 (pycountry), by official short name or common
name, plus the usual ways British copy names the United Kingdom.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry

from timeline.domain.proposals.anchors import Anchor

_UK = ("United Kingdom", ("UK", "Britain", "Great Britain", "United Kingdom"))
_TITLES = r"(?:Mr|Ms|Mrs|Miss|Dr|Sir|Dame|Lord|Lady|President|Minister|Secretary)"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordKnowledge:
    """What the record already knows: the spellings it uses for actors and places, and the
    dated acts a "since ..." can start from."""

    actors: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    anchors: tuple[Anchor, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Names:
    actors: tuple[str, ...]
    places: tuple[str, ...]


def names_in(sentence: str, known: RecordKnowledge) -> Names:
    """The known actors and places, and the countries, that ``sentence`` names."""
    actors = [label for label in sorted(known.actors) if _names(sentence, label)]
    places = [label for label in sorted(known.places) if _mentioned(sentence, label)]
    for country, spellings in _countries():
        if country not in places and any(_mentioned(sentence, s) for s in spellings):
            places.append(country)
    return Names(actors=tuple(actors), places=tuple(places))


def _names(sentence: str, label: str) -> bool:
    if _mentioned(sentence, label):
        return True
    parts = label.split()
    if len(parts) < 2 or not parts[-1][:1].isupper():
        return False
    return re.search(rf"\b{_TITLES}\.? {re.escape(parts[-1])}\b", sentence) is not None


def _mentioned(sentence: str, label: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", sentence) is not None


@functools.cache
def _countries() -> tuple[tuple[str, tuple[str, ...]], ...]:
    found: list[tuple[str, tuple[str, ...]]] = [_UK]
    for country in pycountry.countries:
        if country.alpha_2 == "GB":
            continue
        name = getattr(country, "common_name", None) or country.name
        spellings: Iterable[str] = {country.name, name}
        found.append((name, tuple(s for s in spellings if "," not in s)))
    # Kosovo has no ISO 3166-1 entry; news copy names it with its neighbours.
    found.append(("Kosovo", ("Kosovo",)))
    return tuple(found)
