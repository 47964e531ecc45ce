"""DataLoaders, built fresh for every request so that nothing is cached across requests.

Each loader turns the many ``load`` calls of one execution step into one call on the read
service, so the facts behind a page of totals cost one query whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from strawberry.dataloader import DataLoader

from timeline.application.queries import TimelineQueries
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.projections.visibility import AsOf


@dataclass(frozen=True, slots=True)
class Loaders:
    facts: DataLoader[tuple[UUID, AsOf], FactRevision | None]
    """A fact's revision current at a point of view (None if unknown then), one query per
    batch and point of view."""
    histories: DataLoader[UUID, list[FactRevision]]
    """Every revision of a fact, oldest first."""


def build_loaders(queries: TimelineQueries) -> Loaders:
    async def load_facts(keys: list[tuple[UUID, AsOf]]) -> list[FactRevision | None]:
        found: dict[tuple[UUID, AsOf], FactRevision] = {}
        for as_of in dict.fromkeys(as_of for _, as_of in keys):
            ids = [fact_id for fact_id, seen_from in keys if seen_from == as_of]
            for fact_id, revision in (await queries.facts(ids, as_of)).items():
                found[fact_id, as_of] = revision
        return [found.get(key) for key in keys]

    async def load_histories(fact_ids: list[UUID]) -> list[list[FactRevision]]:
        return await queries.fact_histories(fact_ids)

    return Loaders(
        facts=DataLoader(load_fn=load_facts), histories=DataLoader(load_fn=load_histories)
    )
