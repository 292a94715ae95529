"""Fixtures for the connectors sandbox tests: a running sandbox on loopback and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.connected_ev.api.connectors import (
    ApiKeyAuth,
    ClientCredentials,
    ConnectorsClient,
)
from sandbox.connectors.server import ConnectorsSandboxServer

CUSTOMER = "160c0c4b-9966-4dc1-a916-8407eb10d74e"


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets these tests open."""


@pytest.fixture
async def server() -> AsyncIterator[ConnectorsSandboxServer]:
    """Run a sandbox with the document's 3,255 connectors; its clock moves only when told."""
    async with ConnectorsSandboxServer(connectors=3255, time_scale=0) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def client(session: aiohttp.ClientSession, server: ConnectorsSandboxServer) -> ConnectorsClient:
    """Return a client authenticated with OAuth2 client credentials."""
    auth = ClientCredentials(
        session,
        server.token_url,
        server.sandbox.client_id,
        server.sandbox.client_secret,
        timeout=aiohttp.ClientTimeout(total=10),
    )
    return ConnectorsClient(session, server.url, auth, request_timeout=10)


@pytest.fixture
def key_client(session: aiohttp.ClientSession, server: ConnectorsSandboxServer) -> ConnectorsClient:
    """Return a client authenticated with the API key."""
    return ConnectorsClient(session, server.url, ApiKeyAuth(server.sandbox.api_key))
