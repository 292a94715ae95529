"""The running sandbox's state (under :data:`HIVEN` in the app) and its error bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

from aiohttp import web

from sandbox.faults import FaultStore
from sandbox.hiven.world import World

DEFAULT_API_KEY = "sandbox-hiven-api-key"
DEFAULT_USER_ID = "sandbox-user"


@dataclass(slots=True)
class HivenSandbox:
    """World, credentials, injected faults and a log of the API requests served."""

    world: World
    api_key: str = DEFAULT_API_KEY
    faults: FaultStore = field(default_factory=FaultStore)
    requests: list[dict[str, str | None]] = field(default_factory=list)


HIVEN = web.AppKey("hiven_sandbox", HivenSandbox)


def error_response(
    status: int, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """Return an error body as the sandbox (and the client, assumption A5) expects it."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return web.json_response(
        {"statusCode": status, "message": message, "error": phrase},
        status=status,
        headers=headers,
    )
