"""The Starlette application: GraphQL at /graphql, /healthz, /readyz and /metrics, the
timeline page at / (``timeline.api.web``), a JSON log line per request, CORS and the body
limit. ``create_app`` takes how to open the
bootstrap ``Services``; the lifespan opens them when the server starts and closes them when it
stops."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute

from timeline.api.bodies import BodyLimit
from timeline.api.graphql.context import MIN_POSITION_HEADER, ApiServices
from timeline.api.graphql.schema import build_schema
from timeline.api.graphql.view import TimelineGraphQL
from timeline.api.health import healthz, readyz
from timeline.api.metrics import OperationalState, metrics_endpoint
from timeline.api.operations import Operations
from timeline.api.request_log import RequestLog, configure_json_logging
from timeline.api.settings import ApiSettings
from timeline.api.web import web_routes
from timeline.application.feed import LogFeed
from timeline.bootstrap import Services, open_services
from timeline.collector import tune_collector

ServicesOpener = Callable[[], AbstractAsyncContextManager[Services]]


def create_app(
    opener: ServicesOpener = open_services, settings: ApiSettings | None = None
) -> Starlette:
    settings = settings or ApiSettings.from_env()
    graphql = TimelineGraphQL(build_schema(settings), settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with opener() as services:
            feed = LogFeed(services.store, services.signal, settings.subscription_poll_seconds)
            api = ApiServices(
                service=services.service,
                queries=services.queries,
                tokens=services.tokens,
                feed=feed,
                positions=services.positions,
                min_position_wait_seconds=services.settings.min_position_wait_seconds,
                settings=settings,
            )
            await feed.start()
            await services.positions.start()
            app.state.api = api
            app.state.operations = Operations(services)
            graphql.services = api
            try:
                async with contextlib.AsyncExitStack() as stack:
                    if settings.projector:
                        # A candidate in the election: the read models are advanced by
                        # whichever process leads, never in a request.
                        await stack.enter_async_context(services.projector.running())
                    yield
            finally:
                await feed.stop()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint(_operational_state), methods=["GET"]),
            *web_routes(),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "Accept", MIN_POSITION_HEADER],
                max_age=600,
            ),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )


async def _operational_state(request: Request) -> OperationalState:
    operations: Operations = request.app.state.operations
    return await operations.state()


def app_from_env() -> Starlette:
    """The factory ``timeline serve`` hands uvicorn (``--factory``), once per worker."""
    configure_json_logging(os.environ.get("TIMELINE_LOG_LEVEL", "info"))
    app = create_app()
    tune_collector()  # the worker's process, not a test's: it freezes what it holds
    return app
