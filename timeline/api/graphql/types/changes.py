"""FactChange and ChangeSet: what became known about facts, one change or between two days."""

from __future__ import annotations

import datetime as dt

import strawberry

from timeline.api.graphql.types.facts import Fact, FactEventType, event_type, of_revision
from timeline.domain.projections import changes


@strawberry.type(name="FactChange")
class FactChange:
    change: strawberry.Private[changes.FactChange]

    @strawberry.field(description="What the latest event of the change did.")
    def type(self) -> FactEventType:
        return event_type(self.change.after.event_type)

    @strawberry.field(description="The fact after the change.")
    def fact(self) -> Fact:
        return of_revision(self.change.after)

    @strawberry.field(description="The fact before the change (null for a new fact).")
    def previous(self) -> Fact | None:
        return None if self.change.before is None else of_revision(self.change.before)

    @strawberry.field
    def revision(self) -> int:
        return self.change.after.revision

    @strawberry.field(description="The log position of the change's latest event.")
    def position(self) -> int:
        return self.change.after.position

    @strawberry.field(description="The fields the events of the change changed.")
    def changed_fields(self) -> list[str]:
        return list(self.change.changed_fields)

    @strawberry.field(description="Why, as the events of the change said.")
    def reasons(self) -> list[str]:
        return list(self.change.reasons)

    @strawberry.field
    def recorded_at(self) -> dt.datetime:
        return self.change.after.recorded_from


@strawberry.type(
    name="ChangeSet", description="How the timeline known at one day differs at another."
)
class ChangeSet:
    changes: strawberry.Private[changes.ChangeSet]
    from_known_at: dt.date
    to_known_at: dt.date

    @strawberry.field(description="Facts not known at fromKnownAt and known at toKnownAt.")
    def added(self) -> list[FactChange]:
        return [FactChange(change=change) for change in self.changes.added]

    @strawberry.field(description="Facts known at both days, at different revisions.")
    def revised(self) -> list[FactChange]:
        return [FactChange(change=change) for change in self.changes.revised]

    @strawberry.field(description="Facts known to be retracted at toKnownAt, not before.")
    def retracted(self) -> list[FactChange]:
        return [FactChange(change=change) for change in self.changes.retracted]
