"""The domain's events: what was decided, in the past tense, never changed once stored.

A fact's stream holds FactRecorded, then any number of FactCorroborated and FactRevised, and
at most one FactRetracted (which ends it). A measure's stream holds one MeasureRegistered.
``SCHEMA_VERSION`` is the payload shape the codec writes; older shapes are upcast on read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure, check_measure_key
from timeline.domain.quantities import unit_kind
from timeline.domain.sources import Source
from timeline.domain.texts import MAX_LABEL, MAX_REASON, check_text


@dataclass(frozen=True, slots=True, kw_only=True)
class FactRecorded:
    SCHEMA_VERSION: ClassVar[int] = 3
    """v2 added ``content.date_note``; v3 ``content.figure.span_days``."""

    fact_id: UUID
    content: FactContent
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class FactCorroborated:
    """Another source for the fact, with its own reading of the figure if it gave one."""

    SCHEMA_VERSION: ClassVar[int] = 2
    """v2 added ``figure.span_days``."""

    fact_id: UUID
    source: Source
    figure: Figure | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FactRevised:
    """Changed content; ``source`` is the publication that prompted it, if any."""

    SCHEMA_VERSION: ClassVar[int] = 2
    """v2 added ``changes.figure.span_days``."""

    fact_id: UUID
    changes: FactPatch
    reason: str
    source: Source | None = None

    def __post_init__(self) -> None:
        check_text("reason", self.reason, MAX_REASON, multiline=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class FactRetracted:
    """The fact should not have been recorded; it stays in the log, marked retracted."""

    SCHEMA_VERSION: ClassVar[int] = 1

    fact_id: UUID
    reason: str
    source: Source | None = None

    def __post_init__(self) -> None:
        check_text("reason", self.reason, MAX_REASON, multiline=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureRegistered:
    """A measure key came into use, fixing the unit its figures are added up in."""

    SCHEMA_VERSION: ClassVar[int] = 1

    key: str
    label: str
    unit: str

    def __post_init__(self) -> None:
        check_measure_key(self.key, field="key")
        check_text("label", self.label, MAX_LABEL)
        unit_kind(self.unit)


FactEvent = FactRecorded | FactCorroborated | FactRevised | FactRetracted
DomainEvent = FactEvent | MeasureRegistered
