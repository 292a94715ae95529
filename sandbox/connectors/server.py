"""Run the connectors sandbox in-process on a loopback port (tests, the CLI, demos).

Usage::

    async with ConnectorsSandboxServer(connectors=3255, time_scale=0) as server:
        client = ConnectorsClient(session, server.url, ApiKeyAuth(server.sandbox.api_key))
"""

from __future__ import annotations

from sandbox.connectors.app import create_app, new_sandbox
from sandbox.connectors.state import CONNECTORS, ConnectorsSandbox
from sandbox.connectors.world import (
    DEFAULT_CUSTOMER_CONNECTORS,
    DEFAULT_CUSTOMER_ID,
    World,
)
from sandbox.serving import DEFAULT_HOST, LoopbackServer


class ConnectorsSandboxServer(LoopbackServer):
    """A connectors sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        connectors: int = 0,
        customer_id: str = DEFAULT_CUSTOMER_ID,
        customer_connectors: int = DEFAULT_CUSTOMER_CONNECTORS,
        time_scale: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.customer_id = customer_id
        self.app = create_app(new_sandbox(seed=seed, time_scale=time_scale))
        self.sandbox: ConnectorsSandbox = self.app[CONNECTORS]
        if connectors:
            self.world.populate(
                connectors, customer_id=customer_id, customer_connectors=customer_connectors
            )

    @property
    def world(self) -> World:
        """The simulated connectors."""
        return self.sandbox.world

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self.url + "/oauth2/token"
