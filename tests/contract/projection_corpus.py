"""The facts the ProjectionStore contract is checked on, written through the service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tests.factories import ManualClock
from timeline.application.ports import ProjectionStore
from timeline.application.service import TimelineService
from timeline.domain.dates import FuzzyDate
from timeline.domain.facts import FactContent, FactPatch
from timeline.domain.figures import Figure
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def source(number: int, published: str) -> Source:
    return Source(
        publisher="Example News",
        title=f"Article {number}",
        url=f"https://example.org/{number}",
        published=FuzzyDate(published),
        quote=f"Quote {number}.",
    )


def payments(value: str) -> Figure:
    return Figure(
        measure="uk-payments-to-france",
        quantity=Quantity(Decimal(value), "GBP", Qualifier.MORE_THAN),
        basis=Basis.CUMULATIVE,
        period=FuzzyDate("2018/2025-10"),
    )


def content(
    kind: str,
    title: str,
    occurred: str,
    *,
    topics: tuple[str, ...] = (),
    actors: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    figure: Figure | None = None,
) -> FactContent:
    return FactContent(
        kind=kind,
        title=title,
        summary=f"What happened: {title.lower()}.",
        occurred=FuzzyDate(occurred),
        topics=topics,
        actors=actors,
        places=places,
        figure=figure,
    )


@dataclass(frozen=True)
class Corpus:
    rwanda: UUID
    """Announced (April 2022, known 14 April), its title revised by a June source."""
    payments: UUID
    """GBP 650m+ to France, reported 20 October 2025, corroborated 2 November with 700m+."""
    meeting: UUID
    """Sarajevo, 9 October 2025; retracted."""
    scrapped: UUID
    """Rwanda scheme scrapped, July 2024 (month precision)."""
    returns: UUID
    """A day-precision fact on 1 July 2024: the same earliest day as ``scrapped``."""
    budget: UUID
    """A year-precision fact, 2024."""
    revised_at: dt.datetime
    """When the Rwanda revision was recorded."""


async def write_corpus(service: TimelineService, clock: ManualClock) -> Corpus:
    """Six facts, one revision, one corroboration and one retraction, at fixed times."""
    clock.set(T0)
    rwanda = await service.record_fact(
        content(
            "POLICY_ANNOUNCED",
            "Rwanda scheme announced",
            "2022-04-14",
            topics=("rwanda", "asylum"),
            actors=("Home Office",),
            places=("Kigali",),
        ),
        source(1, "2022-04-14"),
    )
    payments_fact = await service.record_fact(
        content(
            "FUNDING_COMMITTED",
            "UK pays France to stop small boats",
            "2018/2025-10",
            topics=("france",),
            actors=("Home Office", "French government"),
            figure=payments("650000000"),
        ),
        source(2, "2025-10-20"),
    )
    meeting = await service.record_fact(
        content("MEETING_HELD", "Sarajevo meeting", "2025-10-09", places=("Sarajevo",)),
        source(3, "2025-10-10"),
    )
    scrapped = await service.record_fact(
        content("POLICY_SCRAPPED", "Rwanda scheme scrapped", "2024-07", topics=("rwanda",)),
        source(4, "2024-07-06"),
    )
    returns = await service.record_fact(
        content("POLICY_MILESTONE", "First returns flight", "2024-07-01", topics=("returns",)),
        source(5, "2024-07-02"),
    )
    budget = await service.record_fact(
        content("FUNDING_COMMITTED", "Border budget for 2024", "2024", topics=("france",)),
        source(6, "2024-01-05"),
    )
    clock.advance(dt.timedelta(days=1))
    revised_at = clock.now()
    await service.revise_fact(
        rwanda.fact.fact_id,
        1,
        FactPatch(title="Rwanda partnership announced"),
        "the source calls it a partnership",
        source(7, "2022-06-01"),
    )
    clock.advance(dt.timedelta(days=1))
    await service.corroborate_fact(
        payments_fact.fact.fact_id, source(8, "2025-11-02"), payments("700000000")
    )
    await service.retract_fact(meeting.fact.fact_id, 1, "no such meeting took place")
    return Corpus(
        rwanda=rwanda.fact.fact_id,
        payments=payments_fact.fact.fact_id,
        meeting=meeting.fact.fact_id,
        scrapped=scrapped.fact.fact_id,
        returns=returns.fact.fact_id,
        budget=budget.fact.fact_id,
        revised_at=revised_at,
    )


async def history_of(projections: ProjectionStore, fact_id: UUID) -> list[FactRevision]:
    """Every revision of one fact, through the store's batched read."""
    return (await projections.fact_histories([fact_id]))[fact_id]
