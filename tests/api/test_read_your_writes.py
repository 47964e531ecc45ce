"""Read your writes without an inline catch-up: a mutation returns the log position it
reached, and a read that asks for that position (``Timeline-Min-Position`` or
``minPosition``) waits for the read models to reach it, up to a bound, then answers
UNAVAILABLE with the position asked for and the one reached.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Api, app_on, make_token, running
from tests.api.queries import RECORD, fact_input, source
from tests.api.servers import serving
from timeline.api.settings import ApiSettings
from timeline.application.tokens import Role
from timeline.bootstrap import open_services
from timeline.config import Settings

READ_BACK = """
query ReadBack($id: ID!, $position: Int) {
  fact(id: $id, minPosition: $position) { id title }
  timeline(first: 100, minPosition: $position) { totalCount }
}
"""
TIMELINE_COUNT = "{ timeline(first: 1) { totalCount } }"
RECORD_POSITION = """
mutation Record($input: RecordFactInput!) { recordFact(input: $input) { position fact { id } } }
"""

pytestmark = pytest.mark.slow


async def graphql(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"query": query, "variables": variables or {}}
    return await client.post(url, json=body, headers=headers or {})


async def test_a_write_is_read_back_at_its_position_from_a_server_without_a_projector(
    database_url: str,
) -> None:
    # The server process projects nothing; the projector runs here, in another process.
    token = await make_token(database_url, "ryw", Role.WRITER)
    environ = {"TIMELINE_SERVE_PROJECTOR": "0", "TIMELINE_PROJECTOR_POLL_SECONDS": "0.05"}
    settings = Settings(database_url=database_url, projector_poll_seconds=0.05)
    async with open_services(settings) as services, services.projector.running():
        with serving(database_url, environ=environ) as server:
            async with httpx.AsyncClient(timeout=10) as client:
                auth = {"authorization": f"Bearer {token}"}
                for n in range(1, 11):
                    variables = {"input": fact_input(n, source=source(n))}
                    written = await graphql(client, server.graphql, RECORD, variables, auth)
                    payload = written.json()["data"]["recordFact"]
                    position = payload["position"]
                    fact_id = payload["fact"]["id"]

                    by_argument = await graphql(
                        client, server.graphql, READ_BACK, {"id": fact_id, "position": position}
                    )
                    by_header = await graphql(
                        client,
                        server.graphql,
                        TIMELINE_COUNT,
                        headers={"Timeline-Min-Position": str(position)},
                    )
                    body = by_argument.json()
                    assert body["data"]["fact"] == {"id": fact_id, "title": f"Fact number {n}"}
                    assert body["data"]["timeline"]["totalCount"] == n
                    assert body["extensions"]["position"] >= position
                    assert by_header.json()["data"]["timeline"]["totalCount"] == n
                    assert by_header.json()["extensions"]["position"] >= position


async def test_a_read_past_the_bound_is_unavailable_with_the_positions(
    database_url: str, writer: str
) -> None:
    # No projector anywhere: the read models stay at 0 whatever is written.
    app = app_on(database_url, ApiSettings(projector=False), wait_seconds=0.2)
    async for api in running(app):
        written = await api.data(RECORD_POSITION, {"input": fact_input(1)}, token=writer)
        position = written["recordFact"]["position"]
        api.min_position = 0

        response = await api.post(TIMELINE_COUNT.replace("first: 1", f"minPosition: {position}"))
        body = response.json()
        assert response.status_code == 503
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "UNAVAILABLE", "position": position, "projected": 0}
        assert body["extensions"] == {"position": 0}

        api.min_position = position  # the header, for the whole request
        response = await api.post("{ measures { key } }")
        body = response.json()
        assert response.status_code == 503
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"] == {"code": "UNAVAILABLE", "position": position, "projected": 0}

        # A projector starts: the same request, waiting again, is answered.
        settings = Settings(database_url=database_url, projector_poll_seconds=0.05)
        async with open_services(settings) as services, services.projector.running():
            await api.data(TIMELINE_COUNT.replace("first: 1", f"minPosition: {position}"))
            body = (await api.post(TIMELINE_COUNT)).json()
            assert body["data"]["timeline"]["totalCount"] == 1
            assert body["extensions"]["position"] >= position


async def test_a_malformed_min_position_header_is_bad_user_input(api: Api) -> None:
    for value in ("-1", "abc", "1.5", "9" * 30):
        response = await api.client.post(
            "/graphql",
            json={"query": TIMELINE_COUNT},
            headers={"Timeline-Min-Position": value, "accept": "application/json"},
        )
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "Timeline-Min-Position"}
