"""The connectedVehicle subscription over graphql-transport-ws, against a scripted server.

The server listens on 127.0.0.1 only and plays one script per test; every wait is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.connected_ev.api.chargetrip import ChargetripClient
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidResponseError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.models import DeviceStatusChange, LinkStatus
from tests.api.chargetrip.conftest import APP_ID, CLIENT_ID, TOKEN, error

type Script = Callable[[web.WebSocketResponse, list[dict[str, Any]]], Awaitable[None]]

LIMIT = 10  # seconds any test may wait for the server


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets these tests open."""


class ScriptedServer:
    """A graphql-transport-ws endpoint at /subscription that runs the test's script."""

    def __init__(self) -> None:
        self.script: Script | None = None
        self.received: list[dict[str, Any]] = []
        self.protocols: tuple[str, ...] = ()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/subscription", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(protocols=("graphql-transport-ws",))
        await socket.prepare(request)
        self.protocols = (socket.ws_protocol or "",)
        assert self.script is not None
        await self.script(socket, self.received)
        return socket


async def receive(socket: web.WebSocketResponse, into: list[dict[str, Any]]) -> dict[str, Any]:
    """Read the client's next message (bounded)."""
    async with asyncio.timeout(LIMIT):
        message: dict[str, Any] = await socket.receive_json()
    into.append(message)
    return message


async def handshake(socket: web.WebSocketResponse, into: list[dict[str, Any]], count: int) -> None:
    """Run connection_init → a ping and an odd message first, the ack → ``count`` subscribes."""
    await receive(socket, into)
    await socket.send_json({"type": "ping"})
    await receive(socket, into)  # pong
    await socket.send_json({"type": "pong"})
    await socket.send_json({"type": "connection_ack"})
    for _ in range(count):
        await receive(socket, into)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    running = ScriptedServer()
    await running.start()
    yield running
    await running.stop()


async def _collect(
    session: aiohttp.ClientSession, server: ScriptedServer, ids: list[str]
) -> list[DeviceStatusChange]:
    client = ChargetripClient(session, CLIENT_ID, APP_ID, TOKEN, base_url=server.url)
    async with asyncio.timeout(LIMIT):
        return [change async for change in client.async_watch(ids)]


async def test_status_changes_until_every_watch_completes(
    session: aiohttp.ClientSession, server: ScriptedServer
) -> None:
    """Init with the three header values, one subscribe per vehicle, next/complete, ping."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await handshake(socket, got, 2)
        sub_a, sub_b = got[2]["id"], got[3]["id"]
        await socket.send_json({"type": "ping"})
        await receive(socket, got)
        await socket.send_json(
            {
                "type": "next",
                "id": sub_a,
                "payload": {"data": {"connectedVehicle": {"id": "a", "status": "pending_removal"}}},
            }
        )
        await socket.send_json({"type": "next", "id": "unknown", "payload": {}})
        await socket.send_json({"type": "something_new", "id": sub_a})
        await socket.send_json({"type": "next", "id": sub_b, "payload": {"data": None}})
        await socket.send_json({"type": "complete", "id": sub_a})
        await socket.send_json(
            {"type": "error", "id": sub_b, "payload": [error("CONNECTED_VEHICLE_NOT_FOUND")]}
        )
        await socket.receive()  # until the client closes

    server.script = script
    changes = await _collect(session, server, ["a", "b"])
    assert changes == [
        DeviceStatusChange("a", LinkStatus.REMOVING),
        DeviceStatusChange("b", LinkStatus.REMOVED),
    ]
    assert server.protocols == ("graphql-transport-ws",)
    init, pong = server.received[0], server.received[1]
    assert init == {
        "type": "connection_init",
        "payload": {"x-client-id": CLIENT_ID, "x-app-id": APP_ID, "authorization": TOKEN},
    }
    assert pong == {"type": "pong"}
    subscribe = server.received[2]
    assert subscribe["type"] == "subscribe"
    assert subscribe["payload"]["variables"] == {"id": "a"}
    assert "connectedVehicle(id: $id)" in subscribe["payload"]["query"]
    assert server.received[4] == {"type": "pong"}


async def test_other_subscription_errors_end_that_watch_only(
    session: aiohttp.ClientSession, server: ScriptedServer
) -> None:
    """An error that is neither auth nor not-found ends the watch without a change."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await handshake(socket, got, 1)
        await socket.send_json(
            {"type": "error", "id": got[2]["id"], "payload": [error("ENODE_PROXY_EXCEPTION")]}
        )
        await socket.receive()

    server.script = script
    assert await _collect(session, server, ["a"]) == []


@pytest.mark.parametrize("close_code", [4401, 4403])
async def test_refused_init_is_an_authentication_error(
    session: aiohttp.ClientSession, server: ScriptedServer, close_code: int
) -> None:
    """The server closes with 4401/4403: the credentials, not the network."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await receive(socket, got)
        await socket.close(code=close_code, message=b"Forbidden")

    server.script = script
    with pytest.raises(AuthenticationError):
        await _collect(session, server, ["a"])


async def test_expired_token_in_a_subscription_error(
    session: aiohttp.ClientSession, server: ScriptedServer
) -> None:
    """AUTH_TOKEN_EXPIRED on a subscription is an authentication error too."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await handshake(socket, got, 1)
        await socket.send_json(
            {"type": "error", "id": got[2]["id"], "payload": [error("auth_token_expired")]}
        )
        await socket.receive()

    server.script = script
    with pytest.raises(AuthenticationError):
        await _collect(session, server, ["a"])


async def test_a_dropped_connection_is_unavailable(
    session: aiohttp.ClientSession, server: ScriptedServer
) -> None:
    """A close with any other code: the caller reconnects later."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await handshake(socket, got, 1)
        await socket.close(code=1011)

    server.script = script
    with pytest.raises(ProviderUnavailableError):
        await _collect(session, server, ["a"])


@pytest.mark.parametrize("text", ["not json", "[1]"])
async def test_garbage_is_an_invalid_response(
    session: aiohttp.ClientSession, server: ScriptedServer, text: str
) -> None:
    """A message that is not a JSON object is refused."""

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await receive(socket, got)
        await socket.send_str(text)
        await socket.receive()

    server.script = script
    with pytest.raises(InvalidResponseError):
        await _collect(session, server, ["a"])


async def test_unreachable_server_is_unavailable(session: aiohttp.ClientSession) -> None:
    """Nothing listening: unavailable, never a raw aiohttp error."""
    client = ChargetripClient(session, CLIENT_ID, APP_ID, TOKEN, base_url="http://127.0.0.1:9")
    with pytest.raises(ProviderUnavailableError):
        await anext(aiter(client.async_watch(["a"])))


async def test_silence_is_pinged_then_given_up(
    session: aiohttp.ClientSession, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Silence: the client pings; silence again: the connection is dead (reconnect)."""
    monkeypatch.setattr("custom_components.connected_ev.api.chargetrip.client.WS_IDLE", 0.05)

    async def script(socket: web.WebSocketResponse, got: list[dict[str, Any]]) -> None:
        await receive(socket, got)
        await socket.send_json({"type": "connection_ack"})
        await receive(socket, got)  # subscribe
        await receive(socket, got)  # the client's ping after the silence
        await socket.receive()

    server.script = script
    with pytest.raises(ProviderUnavailableError):
        await _collect(session, server, ["a"])
    assert server.received[-1] == {"type": "ping"}
