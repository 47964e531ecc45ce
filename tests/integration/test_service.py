"""The application service on a real store, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from uuid import uuid4

import pytest
import pytest_asyncio

from timeline.application.errors import ConcurrencyError, NotFound
from timeline.application.ports import EventStore
from timeline.application.service import Actor, TimelineService
from timeline.domain import decisions
from timeline.domain.dates import FuzzyDate
from timeline.domain.errors import FactRetractedError, StaleRevision, UnitMismatch
from timeline.domain.facts import FactContent, FactPatch, FactStatus
from timeline.domain.figures import Figure
from timeline.domain.quantities import Basis, Qualifier, Quantity
from timeline.domain.sources import Source
from timeline.store import codec

WRITER = Actor(name="test-writer")


def source(url: str = "https://example.org/a", published: str = "2025-10-20") -> Source:
    return Source(
        publisher="Example News",
        title="An article",
        url=url,
        published=FuzzyDate.parse(published),
        quote="More than £650million since 2018.",
    )


def payments(value: str = "650000000", unit: str = "GBP") -> Figure:
    return Figure(
        measure="uk-payments-to-france",
        quantity=Quantity(value=Decimal(value), unit=unit, qualifier=Qualifier.MORE_THAN),
        basis=Basis.CUMULATIVE,
        period=FuzzyDate.parse("2018/2025-10"),
    )


def content(figure: Figure | None = None) -> FactContent:
    return FactContent(
        kind="FUNDING_COMMITTED",
        title="UK has given France more than £650m since 2018",
        summary="Payments to France to stop small boats.",
        occurred=FuzzyDate.parse("2018/2025-10"),
        topics=("france",),
        figure=figure,
    )


@pytest_asyncio.fixture
async def service(event_store: EventStore) -> AsyncIterator[TimelineService]:
    yield TimelineService(event_store, codec)


async def test_a_recorded_fact_reads_back_from_its_stream(service: TimelineService) -> None:
    written = await service.record_fact(content(payments()), source(), actor=WRITER)

    fact = await service.get_fact(written.fact.fact_id)
    assert fact == written.fact
    assert fact.revision == 1
    assert fact.content.figure == payments()
    measure = await service.find_measure("uk-payments-to-france")
    assert measure is not None
    assert measure.unit == "GBP"


async def test_an_idempotent_retry_returns_the_original_fact(
    service: TimelineService, event_store: EventStore
) -> None:
    first = await service.record_fact(content(), source(), idempotency_key="k-1")
    again = await service.record_fact(content(), source(), idempotency_key="k-1")

    assert again.replayed
    assert again.fact.fact_id == first.fact.fact_id
    assert again.position == first.position
    assert await event_store.head_position() == first.position


async def test_revise_corroborate_and_retract_move_the_revision(service: TimelineService) -> None:
    fact_id = (await service.record_fact(content(payments()), source())).fact.fact_id
    corroborated = await service.corroborate_fact(
        fact_id, source("https://example.org/b"), payments("700000000")
    )
    revised = await service.revise_fact(
        fact_id, corroborated.fact.revision, FactPatch(title="Revised title"), "typo"
    )
    retracted = await service.retract_fact(fact_id, revised.fact.revision, "wrong")

    assert [corroborated.fact.revision, revised.fact.revision] == [2, 3]
    assert len(corroborated.fact.readings) == 2
    assert revised.fact.content.title == "Revised title"
    assert retracted.fact.status is FactStatus.RETRACTED
    assert await service.get_fact(fact_id) == retracted.fact


async def test_a_stale_revision_is_refused_and_writes_nothing(
    service: TimelineService, event_store: EventStore
) -> None:
    fact_id = (await service.record_fact(content(), source())).fact.fact_id
    head = await event_store.head_position()

    with pytest.raises(StaleRevision):
        await service.revise_fact(fact_id, 0, FactPatch(title="Other"), "stale")
    assert await event_store.head_position() == head


async def test_a_figure_in_another_unit_than_its_measure_is_refused(
    service: TimelineService, event_store: EventStore
) -> None:
    await service.record_fact(content(payments()), source())
    head = await event_store.head_position()

    with pytest.raises(UnitMismatch):
        await service.record_fact(content(payments(unit="EUR")), source("https://e.org/c"))
    assert await event_store.head_position() == head


async def test_commands_on_a_retracted_or_unknown_fact_are_refused(
    service: TimelineService,
) -> None:
    fact_id = (await service.record_fact(content(), source())).fact.fact_id
    await service.retract_fact(fact_id, 1, "wrong")

    with pytest.raises(FactRetractedError):
        await service.corroborate_fact(fact_id, source("https://example.org/z"))
    with pytest.raises(NotFound):
        await service.get_fact(uuid4())


async def test_two_writers_deciding_on_one_revision_cannot_both_win(
    service: TimelineService, event_store: EventStore
) -> None:
    fact_id = (await service.record_fact(content(), source())).fact.fact_id
    fact = await service.get_fact(fact_id)
    await service.revise_fact(fact_id, 1, FactPatch(title="First"), "one")
    # A second writer that read revision 1 appends at version 1 after the first moved on.
    event = decisions.revise_fact(fact, 1, FactPatch(title="Second"), "two")
    with pytest.raises(ConcurrencyError):
        await event_store.append(f"fact-{fact_id}", [codec.encode(event)], expected_version=1)
