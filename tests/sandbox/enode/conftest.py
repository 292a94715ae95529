"""Fixtures for the sandbox tests: a running sandbox, an API client and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api, Receiver


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets the sandbox tests open."""


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run a sandbox whose clock only moves when a test advances it."""
    async with SandboxServer(
        time_scale=0, action_delay=5, background=False, heartbeat_interval=0
    ) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def api(session: aiohttp.ClientSession, server: SandboxServer) -> Api:
    return Api(session, server)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """Start a webhook receiver; set ``statuses`` to script its answers (default 200)."""
    state = Receiver()

    async def handle(request: web.Request) -> web.Response:
        state.deliveries.append((request.headers, await request.read()))
        status = state.statuses.pop(0) if state.statuses else 200
        return web.json_response({"ok": status == 200}, status=status)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield state
    finally:
        await runner.cleanup()
