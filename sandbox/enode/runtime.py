"""The running sandbox: world plus tokens, faults, counters, events and webhook delivery.

One :class:`Sandbox` lives in the aiohttp application (under :data:`SANDBOX`); handlers reach
everything through it. :meth:`Sandbox.tick` is the single place where time-driven work happens
(simulation, change detection, heartbeats, webhook flushing); a background task calls it
periodically and the admin clock endpoint calls it right after advancing the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from sandbox.enode.counters import RequestCounters
from sandbox.enode.events import EventHub
from sandbox.enode.oauth import TOKEN_TTL_SECONDS, TokenStore
from sandbox.enode.state import StateFile
from sandbox.enode.webhooks import DEFAULT_RETRY_DELAYS, DELIVERY_TIMEOUT_SECONDS, WebhookDispatcher
from sandbox.enode.world import World
from sandbox.faults import FaultStore

DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - public sandbox default
DEFAULT_TICK_INTERVAL = 0.5
DEFAULT_HEARTBEAT_INTERVAL = 300.0


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Settings of a sandbox instance that are not part of the simulated world."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    token_ttl: float = TOKEN_TTL_SECONDS
    tick_interval: float = DEFAULT_TICK_INTERVAL
    heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL
    """Simulated seconds between ``system:heartbeat`` events; 0 disables them."""
    webhook_retry_delays: tuple[float, ...] = field(default=DEFAULT_RETRY_DELAYS)
    webhook_timeout: float = DELIVERY_TIMEOUT_SECONDS
    connections_limit: int | None = None
    """Linked devices the client may have before ``POST /users/{userId}/link`` answers 403."""


class Sandbox:
    """Everything a request handler needs, wired together."""

    def __init__(self, world: World, config: SandboxConfig | None = None) -> None:
        self.world = world
        self.clock = world.clock
        self.config = config or SandboxConfig()
        self.tokens = TokenStore(self.clock, self.config.token_ttl)
        self.faults = FaultStore()
        self.counters = RequestCounters()
        self.dispatcher = WebhookDispatcher(
            world,
            retry_delays=self.config.webhook_retry_delays,
            timeout=self.config.webhook_timeout,
        )
        self.events = EventHub(world, self.dispatcher.enqueue, enabled=lambda: bool(world.webhooks))
        self._last_heartbeat = world.sim_time
        self.state_file: StateFile | None = None
        """Where the state is kept across restarts (None: in memory only)."""

    async def autosave(self) -> None:
        """Save the state if it is kept in a file and the last save is long enough ago."""
        if self.state_file is not None and self.state_file.due():
            await self.state_file.save()

    def tick(self) -> None:
        """Advance the world, report changes, send heartbeats and start due deliveries."""
        now = self.world.now()
        self.events.collect()
        interval = self.config.heartbeat_interval
        if interval > 0 and now - self._last_heartbeat >= interval:
            self._last_heartbeat = now
            self.dispatcher.heartbeat()
        self.dispatcher.flush()

    async def settle(self) -> None:
        """Tick, then wait for the deliveries that started (for tests and benchmarks)."""
        self.tick()
        await self.dispatcher.drain()


SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
