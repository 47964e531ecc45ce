"""Mutations: each converts its input, makes one service call and maps the result.

All of them need a bearer token with the writer role; the token's name is recorded as the
actor in the metadata of the event written.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.api.graphql.inputs import (
    FactPatchInput,
    FigureInput,
    RecordFactInput,
    SourceInput,
    fact_id,
    idempotency_key,
)
from timeline.api.graphql.permissions import WRITE
from timeline.api.graphql.types.facts import Fact, FactPayload
from timeline.application.service import FactWritten


def payload(written: FactWritten) -> FactPayload:
    return FactPayload(
        fact=Fact(fact=written.fact, written=written.position),
        revision=written.fact.revision,
        position=written.position,
        replayed=written.replayed,
    )


@strawberry.type
class Mutation:
    # Arguments named "source" are spelled source_ in Python: Strawberry's permission
    # extension takes a parameter of that name itself.
    @strawberry.mutation(permission_classes=WRITE, description="Record a new fact.")
    async def record_fact(self, info: Info[Context, None], input: RecordFactInput) -> FactPayload:
        written = await info.context.service.record_fact(
            input.content("input"),
            input.source.to_domain("input.source"),
            actor=await info.context.actor(),
            idempotency_key=idempotency_key(input.idempotency_key, field="input.idempotencyKey"),
        )
        return payload(written)

    @strawberry.mutation(
        permission_classes=WRITE,
        description="Add a source to a fact, with its own reading of the figure.",
    )
    async def corroborate_fact(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        source_: Annotated[SourceInput, strawberry.argument(name="source")],
        figure: FigureInput | None = None,
    ) -> FactPayload:
        written = await info.context.service.corroborate_fact(
            fact_id(id),
            source_.to_domain("source"),
            None if figure is None else figure.to_domain("figure"),
            actor=await info.context.actor(),
        )
        return payload(written)

    @strawberry.mutation(
        permission_classes=WRITE,
        description="Change a fact; refused with CONFLICT unless it is at expectedRevision.",
    )
    async def revise_fact(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        expected_revision: int,
        changes: FactPatchInput,
        reason: str,
        source_: Annotated[SourceInput | None, strawberry.argument(name="source")] = None,
    ) -> FactPayload:
        written = await info.context.service.revise_fact(
            fact_id(id),
            expected_revision,
            changes.to_domain("changes"),
            reason,
            None if source_ is None else source_.to_domain("source"),
            actor=await info.context.actor(),
        )
        return payload(written)

    @strawberry.mutation(
        permission_classes=WRITE,
        description="Retract a fact: it stays in the log and in every earlier answer.",
    )
    async def retract_fact(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        expected_revision: int,
        reason: str,
        source_: Annotated[SourceInput | None, strawberry.argument(name="source")] = None,
    ) -> FactPayload:
        written = await info.context.service.retract_fact(
            fact_id(id),
            expected_revision,
            reason,
            None if source_ is None else source_.to_domain("source"),
            actor=await info.context.actor(),
        )
        return payload(written)
