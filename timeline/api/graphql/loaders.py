"""DataLoaders, built fresh for every request so that nothing is cached across requests.

Each loader turns the many ``load`` calls of one execution step into one batch call on the
read service, so a page of N facts costs the same number of statements whatever N is.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from strawberry.dataloader import DataLoader

from timeline.application.queries import TimelineQueries
from timeline.domain.projections.revisions import FactRevision


@dataclass(frozen=True, slots=True)
class Loaders:
    histories: DataLoader[UUID, list[FactRevision]]
    """Every revision of a fact, oldest first."""


def build_loaders(queries: TimelineQueries) -> Loaders:
    async def load_histories(fact_ids: list[UUID]) -> list[list[FactRevision]]:
        return await queries.fact_histories(fact_ids)

    return Loaders(histories=DataLoader(load_fn=load_histories))
