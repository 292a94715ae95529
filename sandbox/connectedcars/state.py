"""The running sandbox's state (under :data:`CONNECTED_CARS` in the app) and its error bodies."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from sandbox.connectedcars.world import World
from sandbox.faults import FaultStore


@dataclass(slots=True)
class ConnectedCarsSandbox:
    """World, injected faults and a log of the API requests served (never tokens)."""

    world: World
    faults: FaultStore = field(default_factory=FaultStore)
    requests: list[dict[str, str | None]] = field(default_factory=list)


CONNECTED_CARS = web.AppKey("connectedcars_sandbox", ConnectedCarsSandbox)


def error_response(
    status: int, message: str, kind: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """Return an Auth API style error: ``{"message", "type"}`` (the documented shape)."""
    return web.json_response({"message": message, "type": kind}, status=status, headers=headers)
