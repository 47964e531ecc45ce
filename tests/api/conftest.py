"""The API on a real database, driven through HTTP (httpx on the ASGI app, lifespan run).

``api`` is an ``httpx.AsyncClient`` on a fresh migrated database of each backend; ``writer``,
``reader`` and ``admin`` are bearer tokens made through the token store, as
``timeline tokens create`` makes them.

The app runs its projector, as ``timeline serve`` does, so the read models follow the log a
moment after each write. ``Api`` reads its own writes as a client should: after a mutation
every request carries ``Timeline-Min-Position`` with the log's head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.applications import Starlette

from timeline.api.app import create_app
from timeline.api.graphql.context import MIN_POSITION_HEADER
from timeline.api.settings import ApiSettings
from timeline.application.queries import TimelineQueries
from timeline.application.tokens import Role, issue_token
from timeline.bootstrap import open_services
from timeline.config import Settings
from timeline.store.sql.tokens import open_token_store

GRAPHQL = "/graphql"


@dataclass
class Api:
    """A client on the app with helpers for GraphQL requests."""

    client: httpx.AsyncClient
    app: Starlette
    min_position: int = 0
    """Sent as ``Timeline-Min-Position`` once a mutation ran: the log's head after it."""

    async def post(
        self,
        query: str,
        variables: Mapping[str, object] | None = None,
        *,
        token: str | None = None,
        accept: str = "application/graphql-response+json",
    ) -> httpx.Response:
        headers = {"accept": accept}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if self.min_position:
            headers[MIN_POSITION_HEADER] = str(self.min_position)
        body: dict[str, object] = {"query": query}
        if variables is not None:
            body["variables"] = dict(variables)
        response = await self.client.post(GRAPHQL, json=body, headers=headers)
        if is_mutation(query):
            await self.wrote()
        return response

    async def wrote(self) -> None:
        """Read this client's writes from now on (whoever made them): wait for the log's
        head as it is now."""
        queries: TimelineQueries = self.app.state.api.queries
        head = (await queries.events(after_position=0, first=0)).head
        self.min_position = max(self.min_position, head)

    async def data(
        self, query: str, variables: Mapping[str, object] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a request that must succeed without errors."""
        response = await self.post(query, variables, token=token)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def errors(
        self, query: str, variables: Mapping[str, object] | None = None, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """The ``errors`` of a request that must fail."""
        body = (await self.post(query, variables, token=token)).json()
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors


async def running(app: Starlette) -> AsyncIterator[Api]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield Api(client=client, app=app)


def is_mutation(document: str) -> bool:
    try:
        definitions = parse(document).definitions
    except GraphQLError:
        return False
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in definitions
    )


def app_on(
    database_url: str,
    settings: ApiSettings | None = None,
    *,
    poll_seconds: float = 0.1,
    wait_seconds: float | None = None,
) -> Starlette:
    services = Settings(
        database_url=database_url,
        projector_poll_seconds=poll_seconds,
        min_position_wait_seconds=wait_seconds or Settings().min_position_wait_seconds,
    )
    return create_app(
        lambda: open_services(services),
        settings or ApiSettings(subscription_poll_seconds=0.05),
    )


@pytest.fixture
def api_settings() -> ApiSettings:
    """Override in a module to run the app with other settings."""
    return ApiSettings(subscription_poll_seconds=0.05)


@pytest_asyncio.fixture
async def api(database_url: str, api_settings: ApiSettings) -> AsyncIterator[Api]:
    async for running_api in running(app_on(database_url, api_settings)):
        yield running_api


@pytest_asyncio.fixture
async def quiet_api(database_url: str) -> AsyncIterator[Api]:
    """The API with its background readers (log feed, projector, position watcher)
    polling only once a minute, so that what a request costs can be counted alone."""
    async for running_api in running(
        app_on(database_url, ApiSettings(subscription_poll_seconds=60), poll_seconds=60)
    ):
        yield running_api


async def make_token(database_url: str, name: str, role: Role) -> str:
    store = open_token_store(database_url)
    try:
        issued = await issue_token(store, name, role, dt.datetime.now(dt.UTC))
    finally:
        await store.close()
    return issued.token


@pytest_asyncio.fixture
async def writer(database_url: str) -> str:
    return await make_token(database_url, "test-writer", Role.WRITER)


@pytest_asyncio.fixture
async def reader(database_url: str) -> str:
    return await make_token(database_url, "test-reader", Role.READER)


@pytest_asyncio.fixture
async def admin(database_url: str) -> str:
    return await make_token(database_url, "test-admin", Role.ADMIN)
