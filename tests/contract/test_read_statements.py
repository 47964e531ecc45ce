"""A read compiled once and run on the driver's rows reads what SQLAlchemy's own
execution of the same statement reads, on SQLite and on PostgreSQL, for pages of every
shape: each filter criterion, lists of one to three values, as known and recorded at
different times, cursors and counts; and the measures as registered at several times
(``timeline.store.read_models.statements``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contract.projection_corpus import T0, Corpus, write_corpus
from tests.factories import ManualClock
from timeline.application.ports import EventStore
from timeline.application.projection_runner import ProjectionRunner
from timeline.application.read_models import FactFilter, PageKey
from timeline.application.service import TimelineService
from timeline.domain.projections.visibility import AsOf
from timeline.store import codec
from timeline.store.factory import open_projection_store
from timeline.store.read_models import queries
from timeline.store.read_models.statements import compiled_read
from timeline.store.read_models.store import SqlProjectionStore

KINDS = ("FUNDING_COMMITTED", "MEETING_HELD", "POLICY_SCRAPPED", "POLICY_MILESTONE", "NONE")
TOPICS = ("rwanda", "asylum", "france", "returns", "none")
ACTORS = ("Home Office", "French government", "nobody")
PLACES = ("Kigali", "Sarajevo", "nowhere")
TEXTS = ("rwanda", "PARTNERSHIP", "100%_", "a\\b", "budget")
DAYS = (dt.date(2022, 4, 14), dt.date(2024, 7, 1), dt.date(2025, 10, 20), dt.date(2026, 1, 3))


@pytest_asyncio.fixture
async def written(
    database_url: str, event_store: EventStore, clock: ManualClock
) -> AsyncIterator[tuple[SqlProjectionStore, Corpus]]:
    store = await open_projection_store(database_url, clock)
    assert isinstance(store, SqlProjectionStore)
    corpus = await write_corpus(TimelineService(event_store, codec), clock)
    await ProjectionRunner(event_store, codec, store).catch_up()
    yield store, corpus
    await store.close()


def _some(rng: random.Random, choices: tuple[str, ...]) -> frozenset[str]:
    return frozenset(rng.sample(choices, rng.choice((0, 0, 1, 2, 3))))


def _question(
    rng: random.Random, corpus: Corpus
) -> tuple[AsOf, FactFilter, int, PageKey | None, bool]:
    criteria = FactFilter(
        kinds=_some(rng, KINDS),
        topics=_some(rng, TOPICS),
        actors=_some(rng, ACTORS),
        places=_some(rng, PLACES),
        text=rng.choice((None, None, *TEXTS)),
        occurred_from=rng.choice((None, None, *DAYS)),
        occurred_to=rng.choice((None, None, *DAYS)),
        include_retracted=rng.random() < 0.3,
    )
    if rng.random() < 0.2:
        criteria = FactFilter(include_retracted=criteria.include_retracted)
    recorded = (None, T0, corpus.revised_at, corpus.revised_at + dt.timedelta(days=400))
    as_of = AsOf(rng.choice((None, *DAYS)), rng.choice(recorded))
    after = rng.choice(
        (None, PageKey(dt.date(2024, 1, 1), 0, corpus.budget), PageKey(DAYS[1], 2, corpus.returns))
    )
    return as_of, criteria, rng.choice((0, 1, 2, 50)), after, rng.random() < 0.6


async def _reference(
    engine: AsyncEngine, shape: queries.PageShape, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The same statement executed by SQLAlchemy, its values bound by ``params``."""
    async with engine.connect() as conn:
        result = await conn.execute(queries.page_read(shape).params(values))
        return [dict(row._mapping) for row in result]


async def test_a_compiled_page_reads_the_rows_sqlalchemy_reads(
    written: tuple[SqlProjectionStore, Corpus],
) -> None:
    store, corpus = written
    engine = store._engine
    rng = random.Random(16)
    shapes = set()
    for _ in range(120):
        as_of, criteria, first, after, count = _question(rng, corpus)
        shape = queries.PageShape.of(as_of, criteria, after, count=count)
        values = queries.page_values(as_of, criteria, first, after)
        shapes.add(shape)
        async with engine.connect() as conn:
            read = compiled_read(conn.dialect, queries.page_read(shape))
            rows = read.mapped(await store._driver_rows(conn, read, values))

        assert rows == await _reference(engine, shape, values), (as_of, criteria, after)
    assert len(shapes) > 60


async def test_the_compiled_measures_read_reads_the_rows_sqlalchemy_reads(
    written: tuple[SqlProjectionStore, Corpus],
) -> None:
    store, corpus = written
    engine = store._engine
    for recorded_before in (None, T0, corpus.revised_at, corpus.revised_at + dt.timedelta(1)):
        as_of = AsOf(None, recorded_before)
        statement = queries.registered(pinned=recorded_before is not None)
        values = queries.as_of_values(as_of)
        async with engine.connect() as conn:
            read = compiled_read(conn.dialect, statement)
            rows = read.mapped(await store._driver_rows(conn, read, values))
            reference = await conn.execute(statement.params(values))

        assert rows == [dict(row._mapping) for row in reference]
        assert [m.measure.key for m in await store.measures(as_of)] == [r["key"] for r in rows]
    assert rows, "the corpus registers a measure"
