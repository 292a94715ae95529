"""Run the sandbox in-process on a loopback port, for tests, benchmarks and the CLI.

Usage::

    async with SandboxServer(port=0, action_delay=0.5) as server:
        client_id, client_secret = server.client_id, server.client_secret
        ...  # talk to server.url
        await server.advance(60)  # one simulated minute later, webhooks delivered
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from sandbox.clock import SimClock
from sandbox.enode.app import create_app
from sandbox.enode.runtime import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_TICK_INTERVAL,
    SANDBOX,
    Sandbox,
    SandboxConfig,
)
from sandbox.enode.state import StateFile
from sandbox.enode.webhooks import DEFAULT_RETRY_DELAYS
from sandbox.enode.world import DEFAULT_HOME, World
from sandbox.serving import DEFAULT_HOST, LoopbackServer


class SandboxServer(LoopbackServer):
    """An Enode sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        action_delay: float = 5.0,
        time_scale: float = 1.0,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        tick_interval: float = DEFAULT_TICK_INTERVAL,
        webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        seed: int = 0,
        start: float | None = None,
        home: tuple[float, float] = DEFAULT_HOME,
        session: aiohttp.ClientSession | None = None,
        background: bool = True,
        connections_limit: int | None = None,
        state_path: Path | None = None,
        provider_cadence: bool = False,
    ) -> None:
        """Create the server; with ``state_path`` the saved state is restored now.

        ``restored`` tells whether it was, so the caller seeds devices only into a new world.
        ``start`` is the simulated time at start-up (POSIX seconds; default: now).
        ``provider_cadence``: devices are read on Enode's cadence (``world.REFRESH_CADENCE``),
        not at every request; the CLI's default, off for tests that set values directly.
        """
        super().__init__(host, port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = SimClock(scale=time_scale, start=start)
        self.world = World(
            self.clock,
            action_delay=action_delay,
            seed=seed,
            home=home,
            provider_cadence=provider_cadence,
        )
        self.app = create_app(
            self.world,
            config=SandboxConfig(
                client_id=client_id,
                client_secret=client_secret,
                tick_interval=tick_interval,
                heartbeat_interval=heartbeat_interval,
                webhook_retry_delays=webhook_retry_delays,
                connections_limit=connections_limit,
            ),
            session=session,
            background=background,
        )
        self.sandbox: Sandbox = self.app[SANDBOX]
        self.restored = False
        if state_path is not None:
            state = StateFile(state_path, self.world, self.sandbox.tokens)
            self.restored = state.load()
            self.sandbox.state_file = state

    @property
    def token_url(self) -> str:
        """URL of the OAuth token endpoint."""
        return f"{self.url}/oauth2/token"

    async def advance(self, seconds: float) -> None:
        """Advance simulated time, run the simulation and wait for webhook deliveries."""
        self.clock.advance(seconds)
        await self.sandbox.settle()

    async def settle(self) -> None:
        """Run one tick now and wait for the webhook deliveries it started."""
        await self.sandbox.settle()
