"""Run the Hiven sandbox in-process on a loopback port (tests, the CLI, demos).

Usage::

    async with HivenSandboxServer(time_scale=0) as server:
        client = HivenClient(session, server.api_key, "me", base_url=server.url)
        server.world.seed_user("me", vehicles=1)
        await server.advance(3600)  # one simulated hour later
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web

from sandbox.clock import SimClock
from sandbox.hiven.app import create_app
from sandbox.hiven.state import DEFAULT_API_KEY, HIVEN, HivenSandbox
from sandbox.hiven.world import World
from sandbox.server import DEFAULT_HOST, is_loopback_host


class HivenSandboxServer:
    """A Hiven sandbox listening on a loopback port until stopped."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        time_scale: float = 1.0,
        seed: int = 0,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
        self.host = host
        self.port = port
        self.api_key = api_key
        self.clock = SimClock(scale=time_scale)
        self.world = World(self.clock, seed=seed)
        self.app = create_app(self.world, api_key=api_key)
        self.sandbox: HivenSandbox = self.app[HIVEN]
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL of the API, the authorize page and the admin API."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start listening; with ``port=0`` an ephemeral port is chosen."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def advance(self, seconds: float) -> None:
        """Advance simulated time and bring the simulation up to it."""
        self.clock.advance(seconds)
        self.world.simulate()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
