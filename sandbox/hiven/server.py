"""Run the Hiven sandbox in-process on a loopback port (tests, the CLI, demos).

Usage::

    async with HivenSandboxServer(time_scale=0) as server:
        client = HivenClient(session, server.api_key, "me", base_url=server.url)
        server.world.seed_user("me", vehicles=1)
        await server.advance(3600)  # one simulated hour later
"""

from __future__ import annotations

from sandbox.clock import SimClock
from sandbox.hiven.app import create_app
from sandbox.hiven.state import DEFAULT_API_KEY, HIVEN, HivenSandbox
from sandbox.hiven.world import World
from sandbox.serving import DEFAULT_HOST, LoopbackServer


class HivenSandboxServer(LoopbackServer):
    """A Hiven sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        time_scale: float = 1.0,
        seed: int = 0,
        provider_cadence: bool = False,
    ) -> None:
        """Create the server.

        ``provider_cadence``: cars are read on Hiven's cadence (``world.REFRESH_CADENCE``),
        not at every request (the CLI's default).
        """
        super().__init__(host, port)
        self.api_key = api_key
        self.clock = SimClock(scale=time_scale)
        self.world = World(self.clock, seed=seed, provider_cadence=provider_cadence)
        self.app = create_app(self.world, api_key=api_key)
        self.sandbox: HivenSandbox = self.app[HIVEN]

    async def advance(self, seconds: float) -> None:
        """Advance simulated time and bring the simulation up to it."""
        self.clock.advance(seconds)
        self.world.simulate()
