"""FactChange and ChangeSet: what became known about facts, one change or between two days."""

from __future__ import annotations

import datetime as dt

import strawberry

from timeline.api.graphql.types.facts import Fact, FactEventType, event_type
from timeline.application.queries import Change


@strawberry.type(name="FactChange")
class FactChange:
    change: strawberry.Private[Change]

    @strawberry.field(description="What the latest event of the change did.")
    def type(self) -> FactEventType:
        return event_type(self.change.after.event_type)

    @strawberry.field(description="The fact after the change.")
    def fact(self) -> Fact:
        return Fact(fact=self.change.after.fact)

    @strawberry.field(description="The fact before the change (null for a new fact).")
    def previous(self) -> Fact | None:
        return None if self.change.before is None else Fact(fact=self.change.before.fact)

    @strawberry.field
    def revision(self) -> int:
        return self.change.after.revision

    @strawberry.field(description="The log position of the change's latest event.")
    def position(self) -> int:
        return self.change.after.position

    @strawberry.field
    def changed_fields(self) -> list[str]:
        if self.change.before is None:
            return []
        before, after = self.change.before.fact, self.change.after.fact
        content = [
            name
            for name in type(after.content).__dataclass_fields__
            if getattr(before.content, name) != getattr(after.content, name)
        ]
        others = [
            n for n in ("sources", "readings", "status") if getattr(before, n) != getattr(after, n)
        ]
        return content + others

    @strawberry.field
    def recorded_at(self) -> dt.datetime:
        return self.change.after.recorded_from


@strawberry.type(
    name="ChangeSet", description="How the timeline known at one day differs at another."
)
class ChangeSet:
    from_known_at: dt.date
    to_known_at: dt.date
    added: list[FactChange] = strawberry.field(description="Facts not known at fromKnownAt.")
    revised: list[FactChange] = strawberry.field(description="Facts whose content changed.")
    retracted: list[FactChange] = strawberry.field(description="Facts retracted in between.")
