"""Fixtures for the Chargetrip sandbox tests: a running sandbox, a session and a user token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import USER


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets these tests open."""


@pytest.fixture
async def server() -> AsyncIterator[ChargetripSandboxServer]:
    """Run a sandbox whose clock only moves when a test advances it."""
    async with ChargetripSandboxServer(time_scale=0) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def token(server: ChargetripSandboxServer) -> str:
    """Return a valid token of :data:`USER`."""
    return server.issue_token(USER)
