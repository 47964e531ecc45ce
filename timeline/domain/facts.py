"""Facts: what happened, when, who and where, with an optional figure and its sources.

``FactContent`` is what a curator writes; ``FactPatch`` changes some of it; ``Fact`` is the
state of one fact's stream after its events are folded (see ``decisions.evolve``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import InvalidFact
from timeline.domain.figures import Figure
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_NOTE, MAX_SUMMARY, MAX_TITLE, check_labels, check_text

KNOWN_KINDS = frozenset(
    {
        "POLICY_ANNOUNCED",
        "POLICY_SCRAPPED",
        "POLICY_IN_FORCE",
        "POLICY_MILESTONE",
        "AGREEMENT_SIGNED",
        "FUNDING_COMMITTED",
        "MEETING_HELD",
        "SUMMIT_HELD",
        "DEPLOYMENT_ANNOUNCED",
        "RULE_CHANGED",
        "FIGURE_REPORTED",
    }
)
"""Kinds the read side knows how to present; others are accepted (see ``check_kind``)."""

MAX_KIND = 64
_KIND = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")

INFERABLE_PARTS = ("year", "month", "day", "start", "end")
"""Parts of ``occurred`` a curator may have supplied rather than read in the source."""


class FactStatus(StrEnum):
    ACTIVE = "ACTIVE"
    RETRACTED = "RETRACTED"


def check_kind(kind: object, *, field: str = "content.kind") -> str:
    """Any upper snake case kind: a new kind of fact needs no release of the domain."""
    if type(kind) is str and kind in KNOWN_KINDS:
        return kind  # each known kind is well formed (tested); most facts have one
    if not isinstance(kind, str) or len(kind) > MAX_KIND or not _KIND.fullmatch(kind):
        raise InvalidFact(field, f"{kind!r} is not an UPPER_SNAKE_CASE kind")
    return kind


@dataclass(frozen=True, slots=True, kw_only=True)
class FactContent:
    """What a fact says.

    ``occurred_phrase`` keeps the source's own words for the date ("on 9 October") when
    ``occurred`` was resolved from them; ``inferred`` names the parts of ``occurred`` the
    curator supplied (``("year",)``); ``date_note`` qualifies the date in prose ("on or before
    publication").
    """

    kind: str
    title: str
    summary: str
    occurred: FuzzyDate
    occurred_phrase: str | None = None
    inferred: tuple[str, ...] = ()
    date_note: str | None = None
    topics: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    figure: Figure | None = None

    def __post_init__(self) -> None:
        check_kind(self.kind)
        check_text("content.title", self.title, MAX_TITLE)
        check_text("content.summary", self.summary, MAX_SUMMARY, multiline=True)
        if not isinstance(self.occurred, FuzzyDate):
            raise InvalidFact("content.occurred", "must be a FuzzyDate")
        if self.occurred_phrase is not None:
            check_text("content.occurred_phrase", self.occurred_phrase, MAX_NOTE)
        if self.date_note is not None:
            check_text("content.date_note", self.date_note, MAX_NOTE)
        if not isinstance(self.inferred, tuple):
            raise InvalidFact("content.inferred", "must be a tuple")
        if self.inferred:  # most facts infer nothing
            _check_inferred(self.inferred)
        check_labels("content.topics", self.topics)
        check_labels("content.actors", self.actors)
        check_labels("content.places", self.places)
        if self.figure is not None and not isinstance(self.figure, Figure):
            raise InvalidFact("content.figure", "must be a Figure")
        if self.kind == "FIGURE_REPORTED" and self.figure is None:
            raise InvalidFact("content.figure", "a FIGURE_REPORTED fact needs its figure")


def _check_inferred(inferred: tuple[str, ...]) -> None:
    for index, part in enumerate(inferred):
        if part not in INFERABLE_PARTS:
            raise InvalidFact(
                f"content.inferred[{index}]",
                f"{part!r} is not one of {', '.join(INFERABLE_PARTS)}",
            )
    if len(set(inferred)) != len(inferred):
        raise InvalidFact("content.inferred", "names a part twice")


CLEARABLE = frozenset({"occurred_phrase", "date_note", "figure"})
"""Optional fields a patch can set back to None (tuples are cleared by giving ``()``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FactPatch:
    """Changes to a fact's content: ``None`` leaves a field unchanged, a tuple replaces the
    whole tuple, and ``cleared`` names optional fields to set back to None."""

    kind: str | None = None
    title: str | None = None
    summary: str | None = None
    occurred: FuzzyDate | None = None
    occurred_phrase: str | None = None
    inferred: tuple[str, ...] | None = None
    date_note: str | None = None
    topics: tuple[str, ...] | None = None
    actors: tuple[str, ...] | None = None
    places: tuple[str, ...] | None = None
    figure: Figure | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.cleared, frozenset):
            raise InvalidFact("changes.cleared", "must be a frozenset of field names")
        for name in sorted(self.cleared):
            if name not in CLEARABLE:
                raise InvalidFact(
                    "changes.cleared", f"{name!r} cannot be cleared; only {sorted(CLEARABLE)}"
                )
            if getattr(self, name) is not None:
                raise InvalidFact(f"changes.{name}", "is both set and cleared")

    @property
    def is_empty(self) -> bool:
        return not self.cleared and all(value is None for value in self._values().values())

    def apply(self, content: FactContent) -> FactContent:
        """The content with this patch applied, validated as any content is."""
        # Any: replace() checks field names at run time; FactContent validates the values.
        changes: dict[str, Any] = {
            name: value for name, value in self._values().items() if value is not None
        }
        changes.update(dict.fromkeys(self.cleared))
        return dataclasses.replace(content, **changes)

    def changed_fields(self, content: FactContent) -> tuple[str, ...]:
        """Names of the fields this patch would actually change on ``content``."""
        after = self.apply(content)
        return tuple(
            f.name
            for f in dataclasses.fields(FactContent)
            if getattr(content, f.name) != getattr(after, f.name)
        )

    def _values(self) -> dict[str, object]:
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "cleared"
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureReading:
    """The figure as one source gave it; several readings of one fact may disagree."""

    figure: Figure
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """One fact's state: its current content, every source, and each source's figure."""

    fact_id: UUID
    content: FactContent
    sources: tuple[Source, ...]
    readings: tuple[FigureReading, ...] = ()
    status: FactStatus = FactStatus.ACTIVE
    revision: int = 1
    """How many events of the fact's stream have been applied (its stream version)."""

    @property
    def known_from(self) -> dt.date:
        """Knowledge time: the fact is known from its earliest-published source's latest day.

        A corroborating source may have been published before the one first recorded; the
        fact was public from then, so the minimum over all sources is the honest answer.
        """
        return min(source.known_from for source in self.sources)

    @property
    def is_retracted(self) -> bool:
        return self.status is FactStatus.RETRACTED
