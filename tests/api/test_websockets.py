"""The WebSocket transport, on a real server: graphql-transport-ws only, and the token in
connection_init when reads need one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.api.conftest import make_token
from tests.api.servers import serving
from timeline.application.tokens import Role

TRANSPORT_WS = [Subprotocol("graphql-transport-ws")]
SUBSCRIBE = {
    "id": "1",
    "type": "subscribe",
    "payload": {"query": "subscription { factChanged { type } }"},
}


async def test_only_graphql_transport_ws_is_spoken(sqlite_database_url: str) -> None:
    with serving(sqlite_database_url) as server:
        async with connect(server.websocket, subprotocols=[Subprotocol("graphql-ws")]) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406


async def test_a_subscription_needs_a_token_when_reads_do(sqlite_database_url: str) -> None:
    token = await make_token(sqlite_database_url, "ws-reader", Role.READER)
    with serving(sqlite_database_url, environ={"TIMELINE_REQUIRE_READ_TOKEN": "1"}) as server:
        async with connect(server.websocket, subprotocols=TRANSPORT_WS) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps(SUBSCRIBE))
            refused: dict[str, Any] = json.loads(await ws.recv())
            payload = refused["payload"]
            errors = payload if refused["type"] == "error" else payload["errors"]
            assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"

        async with connect(server.websocket, subprotocols=TRANSPORT_WS) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps(SUBSCRIBE))
            await ws.send(json.dumps({"type": "ping"}))
            # Refused, the subscription would have answered before the pong.
            assert json.loads(await ws.recv()) == {"type": "pong"}


async def test_messages_are_text_frames(sqlite_database_url: str) -> None:
    # graphql-transport-ws messages are JSON in text frames; a browser reads a binary frame
    # as a Blob, which JSON.parse refuses.
    with serving(sqlite_database_url) as server:
        async with connect(server.websocket, subprotocols=TRANSPORT_WS) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = await ws.recv()
            await ws.send(json.dumps({"type": "ping"}))
            pong = await ws.recv()
    assert isinstance(ack, str), ack
    assert isinstance(pong, str), pong
    assert json.loads(pong) == {"type": "pong"}
