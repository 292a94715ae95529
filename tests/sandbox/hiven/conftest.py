"""Fixtures for the Hiven sandbox tests: a running sandbox on loopback and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.connected_ev.api.hiven import HivenClient
from sandbox.hiven.server import HivenSandboxServer

USER = "user-a"
OTHER_USER = "user-b"
REDIRECT = "http://127.0.0.1:9/auth/hiven/callback"


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets these tests open."""


@pytest.fixture
async def server() -> AsyncIterator[HivenSandboxServer]:
    """Run a sandbox whose clock only moves when a test advances it."""
    async with HivenSandboxServer(time_scale=0) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def client(session: aiohttp.ClientSession, server: HivenSandboxServer) -> HivenClient:
    return HivenClient(session, server.api_key, USER, base_url=server.url)


@pytest.fixture
def other_client(session: aiohttp.ClientSession, server: HivenSandboxServer) -> HivenClient:
    return HivenClient(session, server.api_key, OTHER_USER, base_url=server.url)
