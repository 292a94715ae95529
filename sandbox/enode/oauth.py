"""OAuth 2.0 client-credentials token endpoint and the bearer tokens it issues.

Tokens expire in simulated time, so advancing the sandbox clock by an hour is enough to make a
client exercise its token refresh path.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets

from aiohttp import web

from sandbox.clock import SimClock

TOKEN_TTL_SECONDS = 3599


class TokenStore:
    """Random bearer tokens with an expiry in simulated time."""

    def __init__(self, clock: SimClock, ttl: float = TOKEN_TTL_SECONDS) -> None:
        self._clock = clock
        self.ttl = ttl
        self._tokens: dict[str, float] = {}

    def issue(self) -> str:
        """Create a token valid for ``ttl`` simulated seconds."""
        now = self._clock.now()
        self._tokens = {token: expiry for token, expiry in self._tokens.items() if expiry > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = now + self.ttl
        return token

    def is_valid(self, token: str) -> bool:
        """Return True for a known, unexpired token."""
        expiry = self._tokens.get(token)
        return expiry is not None and expiry > self._clock.now()

    def export(self) -> dict[str, float]:
        """Return the unexpired tokens with their expiry, for the state file."""
        now = self._clock.now()
        return {token: expiry for token, expiry in self._tokens.items() if expiry > now}

    def load(self, tokens: dict[str, float]) -> None:
        """Accept again the tokens issued before a restart (from the state file)."""
        self._tokens = dict(tokens)

    def revoke(self, token: str) -> None:
        """Invalidate one token (used by the ``token_expiry`` fault)."""
        self._tokens.pop(token, None)


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    headers = {"Cache-Control": "no-store"}
    if status == web.HTTPUnauthorized.status_code:
        headers["WWW-Authenticate"] = 'Basic realm="enode-sandbox"'
    return web.Response(
        status=status,
        text=json.dumps({"error": error, "error_description": description}),
        content_type="application/json",
        headers=headers,
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    return (client_id, client_secret) if sep else None


async def token_endpoint(
    request: web.Request, store: TokenStore, client_id: str, client_secret: str
) -> web.Response:
    """Handle ``POST /oauth2/token`` (client_credentials only)."""
    form = await request.post()
    credentials = _basic_credentials(request.headers.get("Authorization", ""))
    if credentials is None and "client_id" in form:
        credentials = (str(form.get("client_id", "")), str(form.get("client_secret", "")))
    if credentials is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    valid_id = hmac.compare_digest(credentials[0].encode(), client_id.encode())
    valid_secret = hmac.compare_digest(credentials[1].encode(), client_secret.encode())
    if not (valid_id and valid_secret):
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    grant_type = form.get("grant_type")
    if grant_type is None:
        return _oauth_error(400, "invalid_request", "The grant_type parameter is missing.")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    return web.json_response(
        {
            "access_token": store.issue(),
            "expires_in": int(store.ttl),
            "scope": "",
            "token_type": "bearer",
        },
        headers={"Cache-Control": "no-store"},
    )
