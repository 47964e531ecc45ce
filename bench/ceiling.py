"""The ceiling for GraphQL over HTTP: the same timeline page as plain JSON from Starlette.

One POST route, ``/page``, answers what ``bench.graphql_http.PAGE_QUERY`` asks of
``/graphql`` (the first 50 facts as known now, with their figures and sources), in the same
shape and the same scalar forms, through the same ``TimelineQueries.timeline`` call on the
same bootstrap ``Services``, served by uvicorn exactly as ``timeline serve`` serves the API
(one worker). It reads the JSON body as the GraphQL view does (``variables.first``) and
writes its answer with orjson: no schema, no parsing of a document, no validation, no
resolvers. Whatever GraphQL costs beyond this is overhead.

``python -m bench.ceiling --port P`` serves it on the database of ``TIMELINE_DATABASE_URL``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from timeline.api.graphql.scalars import serialize_datetime, serialize_decimal
from timeline.api.graphql.types.facts import TimelineCursor
from timeline.application.queries import TimelinePage
from timeline.application.read_models import FactFilter, PageKey
from timeline.bootstrap import open_services
from timeline.collector import tune_collector
from timeline.domain.facts import Fact
from timeline.domain.figures import Figure
from timeline.domain.projections.revisions import FactRevision
from timeline.domain.sources import Source

ALL_FACTS = FactFilter()


def create_app() -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_services() as services:
            app.state.queries = services.queries
            yield

    async def page(request: Request) -> Response:
        body = orjson.loads(await request.body())
        first = int((body.get("variables") or {}).get("first", 50))
        result = await request.app.state.queries.timeline(None, None, ALL_FACTS, first=first)
        content = orjson.dumps({"data": {"timeline": page_json(result)}})
        return Response(content, media_type="application/json")

    return Starlette(routes=[Route("/page", page, methods=["POST"])], lifespan=lifespan)


def page_json(result: TimelinePage) -> dict[str, Any]:
    """The page as the GraphQL query's ``timeline`` field answers it."""
    pinned = result.as_of.recorded_before
    assert pinned is not None  # TimelineQueries.timeline always pins
    edges = [
        {
            "cursor": TimelineCursor(PageKey.of(revision), pinned).encode(),
            "node": fact_json(revision),
        }
        for revision in result.page.revisions
    ]
    return {
        "totalCount": result.page.total,
        "pageInfo": {
            "hasNextPage": result.page.has_more,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "edges": edges,
    }


def fact_json(revision: FactRevision) -> dict[str, Any]:
    fact: Fact = revision.fact
    content = fact.content
    occurred = content.occurred
    return {
        "id": str(fact.fact_id),
        "kind": content.kind,
        "title": content.title,
        "summary": content.summary,
        "occurred": str(occurred),
        "occurredEarliest": None if occurred.open_start else occurred.earliest.isoformat(),
        "occurredLatest": None if occurred.open_end else occurred.latest.isoformat(),
        "topics": list(content.topics),
        "actors": list(content.actors),
        "places": list(content.places),
        "status": fact.status.value,
        "revision": fact.revision,
        "firstReported": fact.known_from.isoformat(),
        "recordedAt": serialize_datetime(revision.recorded_from),
        "figure": None if content.figure is None else figure_json(content.figure),
        "sources": [source_json(source) for source in fact.sources],
    }


def figure_json(figure: Figure) -> dict[str, Any]:
    quantity = figure.quantity
    bounds = quantity.bounds
    return {
        "measure": figure.measure,
        "value": serialize_decimal(quantity.value),
        "unit": quantity.unit,
        "qualifier": quantity.qualifier.name,
        "basis": figure.basis.name,
        "period": str(figure.period),
        "lower": None if bounds.lower is None else serialize_decimal(bounds.lower),
        "upper": None if bounds.upper is None else serialize_decimal(bounds.upper),
        "lowerInclusive": bounds.lower_inclusive,
        "upperInclusive": bounds.upper_inclusive,
    }


def source_json(source: Source) -> dict[str, Any]:
    return {
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "document": source.document,
        "publishedOn": str(source.published),
        "quote": source.quote,
    }


def app_factory() -> Starlette:
    """For uvicorn's ``--factory``, as ``timeline.api.app.app_from_env`` (collector too)."""
    app = create_app()
    tune_collector()
    return app


def main(port: int) -> None:
    """Serve as ``timeline serve`` serves the API: one worker, the same uvicorn options."""
    uvicorn.run(
        "bench.ceiling:app_factory",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        proxy_headers=False,
    )


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--port") + 1]))
