"""Nobody gets in: every mutation, over HTTP and over WebSocket, is refused without a token,
with a reader's, a malformed, a forged or a revoked one, and writes nothing; tokens are
kept as hashes and compared in constant time; each event names the token that wrote it.

What ``tests/api`` already proves is not repeated here: recordFact refused without a token
and with a reader's (``test_auth.py::test_writes_need_a_writer_token``), the stored hash
(``test_the_store_keeps_only_the_hash``), revocation, the read-token setting, GET refused
for mutations (``test_http.py``) and recordFact's actor (``test_mutations.py``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.api.conftest import Api, make_token
from tests.api.queries import CORROBORATE, EVENTS, RECORD, RETRACT, REVISE, fact_input, source
from tests.api.servers import serving
from timeline.application.tokens import Role, hash_token
from timeline.store.sql.tokens import open_token_store

# One of each mutation, on a fact the writer recorded first (variables filled in by ``calls``).
MUTATIONS = ["recordFact", "corroborateFact", "reviseFact", "retractFact"]


def calls(fact_id: str) -> dict[str, tuple[str, dict[str, object]]]:
    return {
        "recordFact": (RECORD, {"input": fact_input(9, title="Another fact")}),
        "corroborateFact": (CORROBORATE, {"id": fact_id, "source": source(5)}),
        "reviseFact": (
            REVISE,
            {"id": fact_id, "rev": 1, "changes": {"title": "Changed"}, "reason": "why"},
        ),
        "retractFact": (RETRACT, {"id": fact_id, "rev": 1, "reason": "why"}),
    }


async def record_one(api: Api, token: str) -> str:
    data = await api.data(RECORD, {"input": fact_input()}, token=token)
    fact_id: str = data["recordFact"]["fact"]["id"]
    return fact_id


async def log_size(api: Api) -> int:
    count: int = (await api.data(EVENTS, {"first": 0}))["events"]["totalCount"]
    return count


@pytest.fixture
async def revoked(database_url: str) -> str:
    token = await make_token(database_url, "gone", Role.WRITER)
    store = open_token_store(database_url)
    try:
        assert await store.revoke("gone", dt.datetime.now(dt.UTC))
    finally:
        await store.close()
    return token


async def test_every_mutation_is_refused_to_anyone_but_a_writer(
    api: Api, writer: str, reader: str, revoked: str
) -> None:
    # A forged token: the right shape, an id that exists, another secret.
    forged = writer[: len("tl_") + 13] + "A" * 43
    refusals = {
        None: "UNAUTHENTICATED",
        reader: "FORBIDDEN",
        revoked: "UNAUTHENTICATED",
        forged: "UNAUTHENTICATED",
        "tl_not_a_token": "UNAUTHENTICATED",
        "": "UNAUTHENTICATED",
    }
    for mutation in MUTATIONS:
        query, variables = calls(await record_one(api, writer))[mutation]
        before = await log_size(api)
        for token, code in refusals.items():
            body = (await api.post(query, variables, token=token)).json()
            assert body["data"] is None or body["data"].get(mutation) is None, body
            assert [e["extensions"]["code"] for e in body["errors"]] == [code], (token, body)
        assert await log_size(api) == before, f"a refused {mutation} wrote"

        assert "errors" not in (await api.post(query, variables, token=writer)).json()
        assert await log_size(api) == before + 1


async def test_every_event_names_the_token_that_wrote_it(api: Api, writer: str, admin: str) -> None:
    fact_id = await record_one(api, writer)
    for mutation, token in zip(MUTATIONS[1:], [admin, writer, admin], strict=True):
        query, variables = calls(fact_id)[mutation]
        if mutation != "corroborateFact":
            variables = {**variables, "rev": 2 if mutation == "reviseFact" else 3}
        await api.data(query, variables, token=token)

    edges = (await api.data(EVENTS, {"first": 10}))["events"]["edges"]
    assert [(e["node"]["type"], e["node"]["actor"]) for e in edges] == [
        ("MeasureRegistered", "test-writer"),
        ("FactRecorded", "test-writer"),
        ("FactCorroborated", "test-admin"),
        ("FactRevised", "test-writer"),
        ("FactRetracted", "test-admin"),
    ]


async def test_tokens_are_compared_in_constant_time_and_looked_up_by_their_public_id(
    api: Api, writer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[str, str]] = []
    looked_up: list[str] = []

    original = hmac.compare_digest

    def compare_digest(a: str, b: str) -> bool:
        compared.append((a, b))
        return original(a, b)

    # The module's hmac is the hmac module: patched there, restored after the test.
    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    store = api.app.state.api.tokens
    find = store.find

    async def spy(token_id: str) -> Any:
        looked_up.append(token_id)
        return await find(token_id)

    monkeypatch.setattr(store, "find", spy)

    assert (await api.post(RECORD, {"input": fact_input()}, token=writer)).status_code == 200
    forged = writer[:-1] + ("A" if writer[-1] != "A" else "B")
    await api.post(RECORD, {"input": fact_input(2)}, token=forged)

    # The secret never leaves the process as a lookup key; only hashes are compared, and
    # only by hmac.compare_digest, whose time does not depend on where they differ.
    public_id = writer.split("_")[1]
    assert looked_up == [public_id, public_id]
    assert compared == [
        (hash_token(writer), hash_token(writer)),
        (hash_token(writer), hash_token(forged)),
    ]


@pytest.mark.parametrize("backend", ["sqlite"])  # the transport, not the store, is under test
async def test_mutations_over_websocket_need_a_writer_token(database_url: str) -> None:
    writer = await make_token(database_url, "ws-writer", Role.WRITER)
    reader = await make_token(database_url, "ws-reader", Role.READER)
    mutation = {
        "query": "mutation ($i: RecordFactInput!) { recordFact(input: $i) { position } }",
        "variables": {"i": fact_input()},
    }
    answers: dict[str | None, Any] = {}
    with serving(database_url) as server:
        for token in (None, reader, writer):
            async with connect(
                server.websocket, subprotocols=[Subprotocol("graphql-transport-ws")]
            ) as ws:
                payload = {} if token is None else {"Authorization": f"Bearer {token}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": mutation}))
                answers[token] = json.loads(await ws.recv())["payload"]

    assert answers[None]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert answers[reader]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert answers[writer]["data"]["recordFact"]["position"] == 2  # after the measure's
