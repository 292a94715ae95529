"""The running sandbox's state (under :data:`CONNECTORS` in the app) and its problem bodies."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web

from sandbox.clock import SimClock
from sandbox.connectors.world import World
from sandbox.faults import FaultStore

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
DEFAULT_CLIENT_ID: Final = "sandbox-client"
DEFAULT_CLIENT_SECRET: Final = "sandbox-secret"  # noqa: S105 - a local test credential
DEFAULT_API_KEY: Final = "sandbox-connectors-api-key"
TOKEN_LIFETIME: Final = 3600


class Problem(Exception):
    """An error answered as RFC 9457 Problem Details (``type`` is ``about:blank``)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """Return the problem+json response."""
        return problem_response(self.status, self.detail, field=self.field, headers=self.headers)


def problem_response(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Build ``{"type": "about:blank", "title", "status", "detail"}`` (+ ``invalid-params``)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field is not None:
        body["invalid-params"] = [{"name": field, "reason": detail}]
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


@dataclass(slots=True)
class ConnectorsSandbox:
    """World, clock, credentials, issued tokens, injected faults and the request log."""

    world: World
    clock: SimClock
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    api_key: str = DEFAULT_API_KEY
    token_lifetime: int = TOKEN_LIFETIME
    tokens: dict[str, float] = field(default_factory=dict)
    """Issued access tokens and when (simulated time) each expires."""
    faults: FaultStore = field(default_factory=FaultStore)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def issue_token(self) -> str:
        """Issue an access token valid for ``token_lifetime`` simulated seconds."""
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.clock.now() + self.token_lifetime
        return token

    def token_valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired or been revoked."""
        expires = self.tokens.get(token)
        return expires is not None and self.clock.now() < expires

    def revoke_token(self, token: str) -> None:
        """Make ``token`` stop working (the ``token_expiry`` fault)."""
        self.tokens.pop(token, None)


CONNECTORS = web.AppKey("connectors_sandbox", ConnectorsSandbox)
