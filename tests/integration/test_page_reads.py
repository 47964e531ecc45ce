"""A page read is one statement: its rows, its total and the position it reports agree, even
while the log grows, the projector catches up and a rebuild swaps the tables in.

Each page is compared, after the fact, with the pure fold of the log up to the position the
page reported: a read whose parts came from different snapshots (rows before a batch, its
checkpoint after; old tables beside new ones) would differ from the fold at every position.
"""

from __future__ import annotations

import asyncio

from tests.integration.projection_snapshots import logged_events
from tests.integration.synthetic import append_synthetic_log
from tests.integration.test_projection_runner import EVERYTHING, Stores, opened
from timeline.application.ports import ProjectionStore
from timeline.application.read_models import TIMELINE, FactFilter, FactPage
from timeline.domain.projections.revisions import facts_at, fold
from timeline.domain.projections.visibility import AsOf

FIRST = 400
"""Larger than any log here has facts: every page holds all of them."""


async def test_a_page_read_under_writes_and_swaps_is_the_fold_at_its_position(
    database_url: str,
) -> None:
    async with opened(database_url) as stores:
        await _read_under_writes_and_swaps(stores, database_url)


async def _read_under_writes_and_swaps(stores: Stores, database_url: str) -> None:
    await append_synthetic_log(stores.events, stores.clock, facts=40, seed=21)
    runner = stores.runner(batch_size=25)
    await runner.catch_up()
    done = asyncio.Event()
    pages: list[tuple[FactPage, FactPage]] = []

    async def read(reader: ProjectionStore) -> None:
        step = 0
        while not done.is_set():
            step += 1
            # A page size of its own each time, so no page is answered from those kept.
            every = await reader.fact_page(AsOf(), EVERYTHING, first=FIRST - step % 50)
            active = await reader.fact_page(AsOf(), FactFilter(), first=step % 7)
            pages.append((every, active))
            await asyncio.sleep(0)

    async def write_and_rebuild() -> None:
        try:
            for seed in range(22, 26):
                await append_synthetic_log(stores.events, stores.clock, facts=6, seed=seed)
                await asyncio.gather(runner.rebuild(TIMELINE), runner.catch_up())
                await runner.catch_up()
        finally:
            done.set()

    async with opened(database_url) as first, opened(database_url) as second:
        await asyncio.gather(write_and_rebuild(), read(first.projections), read(second.projections))

    events = await logged_events(stores.events)
    positions = {every.position for every, _ in pages}
    assert len(positions) > 1, "the reads saw only one position"
    for every, active in pages:
        model = fold(e for e in events if e.position <= every.position)
        expected = facts_at(model, AsOf())
        assert {r.fact_id: r for r in every.revisions} == expected
        assert every.total == len(expected)
        assert not every.has_more
        if active.position == every.position:
            assert active.total == sum(not r.fact.is_retracted for r in expected.values())
