"""The ``connectedVehicle`` subscription over ``graphql-transport-ws``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import aiohttp
import pytest
from graphql import ExecutionResult
from graphql.execution.map_async_iterator import MapAsyncIterator

from sandbox.chargetrip import ws
from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import (
    AUTHORIZE,
    REMOVE,
    SUBSCRIBE,
    USER,
    codes,
    create,
    finish_link,
    first_model,
    post,
    query_of,
)

PROTOCOLS = ("graphql-transport-ws",)
WAIT = 5.0  # upper bound on a single receive so a broken server cannot hang the suite


def init(server: ChargetripSandboxServer, token: str) -> dict[str, Any]:
    payload = {"x-client-id": server.client_id, "x-app-id": server.app_id, "authorization": token}
    return {"type": "connection_init", "payload": payload}


@pytest.fixture
async def socket(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as opened:
        yield opened


async def acked(
    socket: aiohttp.ClientWebSocketResponse, server: ChargetripSandboxServer, token: str
) -> None:
    await socket.send_json(init(server, token))
    assert await socket.receive_json(timeout=WAIT) == {"type": "connection_ack"}


async def closed_with(socket: aiohttp.ClientWebSocketResponse) -> int | None:
    message = await socket.receive(timeout=WAIT)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    return socket.close_code


async def subscribe(socket: aiohttp.ClientWebSocketResponse, op_id: str, vehicle: str) -> None:
    payload = {"query": SUBSCRIBE, "variables": {"id": vehicle}, "operationName": "Watch"}
    await socket.send_json({"id": op_id, "type": "subscribe", "payload": payload})


async def synced(socket: aiohttp.ClientWebSocketResponse) -> None:
    """Wait until the server handled everything sent before (messages run in order)."""
    await socket.send_json({"type": "ping"})
    assert await socket.receive_json(timeout=WAIT) == {"type": "pong"}


async def test_status_changes_are_pushed_until_removed(
    socket: aiohttp.ClientWebSocketResponse, server: ChargetripSandboxServer, token: str
) -> None:
    await socket.send_json({"type": "ping", "payload": {"n": 1}})
    assert await socket.receive_json(timeout=WAIT) == {"type": "pong", "payload": {"n": 1}}
    await acked(socket, server, token)
    (vehicle,) = server.world.seed_connected(USER, 1)
    await subscribe(socket, "1", vehicle.id)
    await synced(socket)

    server.world.rename(USER, vehicle.id, "Renamed")
    renamed = await socket.receive_json(timeout=WAIT)
    assert renamed["type"] == "next"
    assert renamed["id"] == "1"
    assert renamed["payload"]["data"]["connectedVehicle"]["label"] == "Renamed"

    server.world.set_status(vehicle, "pending_removal")
    pending = await socket.receive_json(timeout=WAIT)
    assert pending["payload"]["data"]["connectedVehicle"]["status"] == "pending_removal"
    await server.advance(5)
    removed = await socket.receive_json(timeout=WAIT)
    assert removed["payload"]["data"]["connectedVehicle"]["status"] == "removed"
    assert await socket.receive_json(timeout=WAIT) == {"id": "1", "type": "complete"}
    assert server.world.subscriptions[vehicle.id] == 0


async def test_authorization_is_pushed(
    session: aiohttp.ClientSession,
    socket: aiohttp.ClientWebSocketResponse,
    server: ChargetripSandboxServer,
    token: str,
) -> None:
    await acked(socket, server, token)
    body = await create(session, server, token, await first_model(session, server))
    vehicle = body["data"]["createConnectedVehicle"]
    await subscribe(socket, "watch", vehicle["id"])
    await synced(socket)
    code = query_of(await finish_link(session, vehicle["authorization_url"]))["code"][0]
    variables = {"input": {"id": vehicle["id"], "options": {"code": code}}}
    await post(session, server, AUTHORIZE, variables, token=token)
    pushed = await socket.receive_json(timeout=WAIT)
    assert pushed["payload"]["data"]["connectedVehicle"]["status"] == "authorized"


async def test_removal_refused_while_subscribed(
    session: aiohttp.ClientSession,
    socket: aiohttp.ClientWebSocketResponse,
    server: ChargetripSandboxServer,
    token: str,
) -> None:
    await acked(socket, server, token)
    (vehicle,) = server.world.seed_connected(USER, 1)
    await subscribe(socket, "1", vehicle.id)
    await synced(socket)
    refused = await post(session, server, REMOVE, {"input": {"id": vehicle.id}}, token=token)
    assert codes(refused) == ["CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED"]
    assert "open subscription" in refused["errors"][0]["message"]

    await socket.send_json({"id": "1", "type": "complete"})
    await synced(socket)
    allowed = await post(session, server, REMOVE, {"input": {"id": vehicle.id}}, token=token)
    assert allowed["data"]["removeConnectedVehicle"]["status"] == "pending_removal"


async def test_operation_errors(
    session: aiohttp.ClientSession,
    socket: aiohttp.ClientWebSocketResponse,
    server: ChargetripSandboxServer,
    token: str,
) -> None:
    await acked(socket, server, token)
    await subscribe(socket, "missing", "nope")
    error = await socket.receive_json(timeout=WAIT)
    assert error["type"] == "error"
    assert error["payload"][0]["extensions"]["exception"]["code"] == "CONNECTED_VEHICLE_NOT_FOUND"

    await socket.send_json({"id": "bad", "type": "subscribe", "payload": {"query": "{"}})
    assert (await socket.receive_json(timeout=WAIT))["type"] == "error"
    invalid = {"query": "subscription { connectedVehicle(id: 1) { nope } }"}
    await socket.send_json({"id": "bad2", "type": "subscribe", "payload": invalid})
    assert (await socket.receive_json(timeout=WAIT))["type"] == "error"

    (vehicle,) = server.world.seed_connected(USER, 1)
    injected = {"field": "subscription", "code": "RATE_LIMIT_EXCEEDED"}
    async with session.post(f"{server.url}/_sandbox/errors", json=injected) as response:
        assert response.status == 201
    await subscribe(socket, "limited", vehicle.id)
    limited = await socket.receive_json(timeout=WAIT)
    assert limited["payload"][0]["extensions"]["exception"]["code"] == "RATE_LIMIT_EXCEEDED"
    await socket.send_json({"id": "never-started", "type": "complete"})
    await socket.send_json({"type": "pong"})
    await synced(socket)


async def test_several_subscriptions_share_a_socket(
    socket: aiohttp.ClientWebSocketResponse, server: ChargetripSandboxServer, token: str
) -> None:
    await acked(socket, server, token)
    first, second = server.world.seed_connected(USER, 2)
    await subscribe(socket, "a", first.id)
    await subscribe(socket, "b", second.id)
    await synced(socket)
    server.world.rename(USER, second.id, "Second")
    pushed = await socket.receive_json(timeout=WAIT)
    assert pushed["id"] == "b"
    await subscribe(socket, "a", second.id)
    assert await closed_with(socket) == 4409


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([{"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}], 4401),
        (["not json"], 4400),
        ([[1, 2]], 4400),
        ([{"type": "connection_init", "payload": {"x-client-id": "x"}}], 4403),
        ([{"type": "connection_init", "payload": "nothing"}], 4403),
    ],
)
async def test_protocol_violations_close_the_socket(
    socket: aiohttp.ClientWebSocketResponse, messages: list[Any], code: int
) -> None:
    for message in messages:
        if isinstance(message, str):
            await socket.send_str(message)
        else:
            await socket.send_json(message)
    assert await closed_with(socket) == code


async def test_bad_token_duplicate_init_and_unknown_type(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as bad_token:
        await bad_token.send_json(init(server, "wrong"))
        assert await closed_with(bad_token) == 4403
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as twice:
        await acked(twice, server, token)
        await twice.send_json(init(server, token))
        assert await closed_with(twice) == 4429
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as unknown:
        await acked(unknown, server, token)
        await unknown.send_json({"type": "whatever"})
        assert await closed_with(unknown) == 4400
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as bad_payload:
        await acked(bad_payload, server, token)
        await bad_payload.send_json({"id": "1", "type": "subscribe", "payload": "query"})
        assert await closed_with(bad_payload) == 4400
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as binary:
        await binary.send_bytes(b"\x00")
        assert await closed_with(binary) == 4400
    async with session.ws_connect(server.ws_url) as no_protocol:
        assert await closed_with(no_protocol) == 4406


async def test_init_timeout(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws, "INIT_TIMEOUT", 0.01)
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as idle:
        assert await closed_with(idle) == 4408


async def test_shutdown_closes_open_sockets(session: aiohttp.ClientSession) -> None:
    server = ChargetripSandboxServer(time_scale=0)
    await server.start()
    token = server.issue_token(USER)
    (vehicle,) = server.world.seed_connected(USER, 1)
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as opened:
        await acked(opened, server, token)
        await subscribe(opened, "1", vehicle.id)
        await synced(opened)
        stopping = asyncio.create_task(server.stop())
        assert await closed_with(opened) == 1001
        await stopping
    assert server.world.subscriptions[vehicle.id] == 0


async def test_events_to_a_socket_already_gone_end_quietly(
    server: ChargetripSandboxServer,
) -> None:
    socket = MagicMock()
    socket.send_json = AsyncMock(side_effect=ConnectionResetError)
    connection = ws.Connection(server.sandbox, socket, server.url)

    async def events() -> AsyncIterator[dict[str, Any]]:
        yield {"connectedVehicle": None}

    stream = MapAsyncIterator(events(), lambda data: ExecutionResult(data, None))
    await connection._pump("1", stream)
    assert stream.is_closed
    socket.send_json.assert_awaited_once()


async def test_token_expiry_closes_its_sockets(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    other = server.issue_token("someone-else")
    async with (
        session.ws_connect(server.ws_url, protocols=PROTOCOLS) as mine,
        session.ws_connect(server.ws_url, protocols=PROTOCOLS) as theirs,
    ):
        await acked(mine, server, f"Bearer {token}")
        await acked(theirs, server, other)
        async with session.post(
            f"{server.url}/_sandbox/tokens/expire", json={"token": token}
        ) as response:
            assert response.status == 204
        assert await closed_with(mine) == 4403
        await synced(theirs)  # another user's socket stays open

        fault = {"kind": "token_expiry"}
        async with session.post(f"{server.url}/_sandbox/faults", json=fault) as response:
            assert response.status == 201
        async with session.post(
            server.graphql_url,
            json={"query": "{ connectedVehicleList { id } }"},
            headers={
                "x-client-id": server.client_id,
                "x-app-id": server.app_id,
                "authorization": other,
            },
        ) as response:
            body = await response.json()
        assert body["errors"][0]["extensions"]["exception"]["code"] == "AUTH_TOKEN_EXPIRED"
        assert await closed_with(theirs) == 4403


async def test_shutdown_does_not_wait_for_a_silent_client(session: aiohttp.ClientSession) -> None:
    server = ChargetripSandboxServer(time_scale=0)
    await server.start()
    token = server.issue_token(USER)
    async with session.ws_connect(server.ws_url, protocols=PROTOCOLS) as silent:
        await acked(silent, server, token)
        async with session.post(
            f"{server.url}/_sandbox/tokens/expire", json={"token": token}
        ) as response:
            assert response.status == 204
        assert server.sandbox.closing  # waiting for a close reply that never comes
        async with asyncio.timeout(5):
            await server.stop()
        assert not server.sandbox.closing
