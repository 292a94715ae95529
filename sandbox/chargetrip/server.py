"""Run the Chargetrip sandbox in-process on a loopback port (tests, the CLI, demos).

Usage::

    async with ChargetripSandboxServer(time_scale=0) as server:
        token = server.issue_token("me")
        server.world.seed_connected("me", 1)
        ...  # POST server.graphql_url, subscribe at server.ws_url
        await server.advance(600)  # ten simulated minutes later
"""

from __future__ import annotations

from sandbox.chargetrip.app import GRAPHQL_PATH, create_app
from sandbox.chargetrip.state import (
    CHARGETRIP,
    DEFAULT_APP_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_WINDOW,
    ChargetripSandbox,
)
from sandbox.chargetrip.world import DEFAULT_REMOVAL_DELAY, ChargetripWorld, Settings
from sandbox.chargetrip.ws import PATH as WS_PATH
from sandbox.clock import SimClock
from sandbox.serving import DEFAULT_HOST, LoopbackServer


class ChargetripSandboxServer(LoopbackServer):
    """A Chargetrip sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        app_id: str = DEFAULT_APP_ID,
        time_scale: float = 1.0,
        seed: int = 0,
        removal_delay: float = DEFAULT_REMOVAL_DELAY,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_window: float = DEFAULT_RATE_WINDOW,
    ) -> None:
        super().__init__(host, port)
        self.client_id = client_id
        self.app_id = app_id
        self.clock = SimClock(scale=time_scale)
        self.world = ChargetripWorld(
            self.clock, seed=seed, settings=Settings(removal_delay=removal_delay)
        )
        self.app = create_app(self.world, client_id=client_id, app_id=app_id)
        self.sandbox: ChargetripSandbox = self.app[CHARGETRIP]
        self.sandbox.rate.limit = rate_limit
        self.sandbox.rate.window = rate_window

    @property
    def graphql_url(self) -> str:
        """Where queries and mutations are POSTed."""
        return self.url + GRAPHQL_PATH

    @property
    def ws_url(self) -> str:
        """Where the ``graphql-transport-ws`` subscription connects."""
        return "ws" + self.url.removeprefix("http") + WS_PATH

    def issue_token(self, user_id: str, ttl: float | None = None) -> str:
        """Issue a user token (``ttl`` simulated seconds; None: it never expires)."""
        return self.world.issue_token(user_id, ttl).value

    async def advance(self, seconds: float) -> None:
        """Advance simulated time and apply what became due (pushed to subscribers)."""
        self.clock.advance(seconds)
        self.world.tick()
