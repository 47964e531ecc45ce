"""Bearer tokens: reads are open by default, writes need the writer role, and the store
keeps only each token's hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import sqlalchemy as sa

from tests.api.conftest import Api, app_on, make_token, running
from tests.api.queries import EVENTS, RECORD, fact_input
from timeline.api.settings import ApiSettings
from timeline.application.tokens import Role
from timeline.domain.errors import InvalidText
from timeline.store.factory import create_engine
from timeline.store.sql.tokens import open_token_store

WRITE = RECORD
READ = "{ events { totalCount } }"


async def code(api: Api, query: str, token: str | None, **variables: object) -> str | None:
    body = (await api.post(query, variables or None, token=token)).json()
    if "errors" not in body:
        return None
    value: str = body["errors"][0]["extensions"]["code"]
    return value


async def test_writes_need_a_writer_token(api: Api, reader: str, writer: str, admin: str) -> None:
    variables = {"input": fact_input()}
    assert await code(api, WRITE, None, **variables) == "UNAUTHENTICATED"
    assert await code(api, WRITE, reader, **variables) == "FORBIDDEN"
    assert await code(api, WRITE, writer, **variables) is None
    variables = {"input": fact_input(2)}
    assert await code(api, WRITE, admin, **variables) is None
    assert (await api.data(EVENTS))["events"]["totalCount"] == 3


async def test_reads_are_open_but_a_bad_token_is_refused(api: Api, reader: str) -> None:
    assert await code(api, READ, None) is None
    assert await code(api, READ, reader) is None
    assert await code(api, READ, "tl_000000000000_" + "x" * 43) == "UNAUTHENTICATED"
    assert await code(api, READ, "not even the format") == "UNAUTHENTICATED"
    response = await api.client.post(
        "/graphql", json={"query": READ}, headers={"authorization": "Basic dXNlcjpwdw=="}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_token_is_refused(api: Api, database_url: str, writer: str) -> None:
    store = open_token_store(database_url)
    try:
        assert await store.revoke("test-writer", dt.datetime.now(dt.UTC))
    finally:
        await store.close()
    assert await code(api, WRITE, writer, input=fact_input()) == "UNAUTHENTICATED"


@pytest_asyncio.fixture
async def closed_api(database_url: str) -> AsyncIterator[Api]:
    settings = ApiSettings(require_read_token=True, subscription_poll_seconds=0.05)
    async for api in running(app_on(database_url, settings)):
        yield api


async def test_a_setting_makes_reads_need_a_token(closed_api: Api, reader: str) -> None:
    assert await code(closed_api, READ, None) == "UNAUTHENTICATED"
    assert await code(closed_api, READ, reader) is None


async def test_the_store_keeps_only_the_hash(database_url: str) -> None:
    token = await make_token(database_url, "hashed", Role.WRITER)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT * FROM api_tokens"))).all()
    finally:
        await engine.dispose()
    [row] = rows
    assert token not in repr(tuple(row))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.role == "writer"


@pytest.mark.parametrize("name", ["", "two words", "x" * 201])
async def test_a_token_name_must_be_a_label(database_url: str, name: str) -> None:
    with pytest.raises(InvalidText, match="name"):
        await make_token(database_url, name, Role.WRITER)
