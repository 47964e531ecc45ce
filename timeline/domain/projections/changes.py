"""Changes between two knowledge dates: which facts were added, revised and retracted.

A fact is ADDED when it was unknown at the first date and known, not retracted, at the
second; REVISED when both dates know it, neither as retracted, at different revisions;
RETRACTED when the second date knows it as retracted and the first did not (including a fact
both recorded and retracted in between: what changed is that it is known to be wrong).
Each change carries the events in between: their reasons and the fields they changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from timeline.domain.projections.revisions import FactRevision, TimelineModel, revision_at
from timeline.domain.projections.visibility import AsOf, InvalidAsOf


@dataclass(frozen=True, slots=True)
class FactChange:
    fact_id: UUID
    before: FactRevision | None
    after: FactRevision
    between: tuple[FactRevision, ...]
    """The revisions made current between the two dates, oldest first."""

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(r.reason for r in self.between if r.reason is not None)

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for r in self.between for name in r.changed_fields))


@dataclass(frozen=True, slots=True)
class ChangeSet:
    added: tuple[FactChange, ...]
    revised: tuple[FactChange, ...]
    retracted: tuple[FactChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.revised or self.retracted)


def changes_between(
    model: TimelineModel,
    from_known_at: dt.date,
    to_known_at: dt.date,
    recorded_before: dt.datetime | None = None,
) -> ChangeSet:
    """What changed between knowing all sources published by ``from_known_at`` and knowing
    those published by ``to_known_at``, both as recorded before ``recorded_before``."""
    if to_known_at < from_known_at:
        raise InvalidAsOf("to_known_at", f"{to_known_at} is before {from_known_at}")
    start, finish = AsOf(from_known_at, recorded_before), AsOf(to_known_at, recorded_before)
    added: list[FactChange] = []
    revised: list[FactChange] = []
    retracted: list[FactChange] = []
    for fact_id, stream in model.revisions.items():
        before, after = revision_at(stream, start), revision_at(stream, finish)
        if after is None or (before is not None and before.revision == after.revision):
            continue
        floor = 0 if before is None else before.revision
        between = tuple(r for r in stream if floor < r.revision <= after.revision)
        change = FactChange(fact_id, before, after, between)
        if after.fact.is_retracted:
            retracted.append(change)
        elif before is None:
            added.append(change)
        else:
            revised.append(change)
    return ChangeSet(_ordered(added), _ordered(revised), _ordered(retracted))


def _ordered(changes: list[FactChange]) -> tuple[FactChange, ...]:
    return tuple(sorted(changes, key=lambda change: change.after.position))
