"""Run the Connected Cars sandbox in-process on a loopback port (tests, the CLI, demos).

Usage::

    async with ConnectedCarsSandboxServer(time_scale=0) as server:
        # server.url is the Danish origin (auth, GraphQL and the workshop page);
        # globalOrganizations lists Australia under server.url + "/au1".
        await server.advance(3600)  # one simulated hour later
"""

from __future__ import annotations

from sandbox.clock import SimClock
from sandbox.connectedcars.app import create_app
from sandbox.connectedcars.state import CONNECTED_CARS, ConnectedCarsSandbox
from sandbox.connectedcars.world import World
from sandbox.serving import DEFAULT_HOST, LoopbackServer


class ConnectedCarsSandboxServer(LoopbackServer):
    """A Connected Cars sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        time_scale: float = 1.0,
        seed: int = 0,
        fleet: bool = True,
    ) -> None:
        super().__init__(host, port)
        self.clock = SimClock(scale=time_scale)
        self.world = World(self.clock, seed=seed)
        if fleet:
            self.world.seed_default()
        self.app = create_app(self.world)
        self.sandbox: ConnectedCarsSandbox = self.app[CONNECTED_CARS]

    async def advance(self, seconds: float) -> None:
        """Advance simulated time and bring the fleet up to it."""
        self.clock.advance(seconds)
        self.world.simulate()
