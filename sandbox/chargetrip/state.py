"""The running sandbox's state (under :data:`CHARGETRIP` in the app).

World, credentials, injected GraphQL errors, transport faults, the rate limiter, the open
subscription sockets and the request log.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.chargetrip.errors import ChargetripError
from sandbox.chargetrip.world import ChargetripWorld
from sandbox.faults import FaultStore

DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_APP_ID = "sandbox-app-id"
DEFAULT_USER_ID = "sandbox-user"
DEFAULT_RATE_LIMIT = 600
DEFAULT_RATE_WINDOW = 60.0
MAX_LOG = 10_000


@dataclass(slots=True)
class InjectedError:
    """The next ``remaining`` resolutions of ``field`` (for vehicle ``id``, if set) fail."""

    field: str
    code: str
    remaining: int = 1
    id: str | None = None
    message: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Describe the injected error for the admin API."""
        return {
            "field": self.field,
            "code": self.code,
            "count": self.remaining,
            "id": self.id,
            "message": self.message,
        }


@dataclass(slots=True)
class ErrorStore:
    """Injected GraphQL errors, consulted in creation order."""

    items: list[InjectedError] = field(default_factory=list)

    def check(self, field_name: str, vehicle_id: str | None = None) -> None:
        """Raise the first injected error that applies to this root field resolution."""
        for item in self.items:
            if item.field not in ("*", field_name):
                continue
            if item.id is not None and item.id != vehicle_id:
                continue
            item.remaining -= 1
            self.items = [other for other in self.items if other.remaining > 0]
            raise ChargetripError(item.code, item.message)


@dataclass(slots=True)
class RateLimiter:
    """At most ``limit`` requests per ``window`` simulated seconds per caller."""

    limit: int = DEFAULT_RATE_LIMIT
    window: float = DEFAULT_RATE_WINDOW
    hits: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, caller: str, now: float) -> bool:
        """Count one request; False when the caller is over the limit."""
        recent = self.hits.setdefault(caller, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        return True


@dataclass(slots=True)
class ChargetripSandbox:
    """Everything one running Chargetrip sandbox holds."""

    world: ChargetripWorld
    client_id: str = DEFAULT_CLIENT_ID
    app_id: str = DEFAULT_APP_ID
    errors: ErrorStore = field(default_factory=ErrorStore)
    faults: FaultStore = field(default_factory=FaultStore)
    rate: RateLimiter = field(default_factory=RateLimiter)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_LOG))
    sockets: dict[web.WebSocketResponse, str | None] = field(default_factory=dict)
    """Open subscription sockets and the token each was initialised with."""
    closing: set[asyncio.Task[bool]] = field(default_factory=set)
    """Socket closes running in the background (a token expired)."""

    def credentials_ok(self, client_id: str | None, app_id: str | None) -> bool:
        """Return True when the project's client id and app id match."""
        return client_id == self.client_id and app_id == self.app_id


CHARGETRIP = web.AppKey("chargetrip_sandbox", ChargetripSandbox)
