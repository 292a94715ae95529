"""The client-credentials access token: fetched once, shared, refreshed before it expires.

Enode has no refresh token; a new token is simply requested with the client id and secret.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from yarl import URL

from ..errors import AuthenticationError, InvalidResponseError, ProviderUnavailableError
from ..http import async_send, decode_json, loads_json, parse_retry_after
from .const import PROVIDER_NAME
from .http import error_for_status

_LOGGER = logging.getLogger(__name__)

REFRESH_MARGIN = 60.0
"""Seconds before expiry at which a token is no longer handed out."""

DEFAULT_EXPIRES_IN = 3600.0
"""Lifetime assumed when the token response does not say (Enode's tokens last an hour)."""

MIN_EXPIRES_IN = 60.0
"""Shortest lifetime believed: a token said to last 0 s (or less) is still used for 30 s.

Without a floor such a token is requested again for every API call; if it really is
expired, the API's 401 gets one new token and one retry.
"""

MAX_EXPIRES_IN = 86400.0
"""Longest lifetime believed (a day): a token is never kept for ever on the server's word."""

_OPERATION = "token request"


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float


class TokenManager:
    """Hands out a valid access token; concurrent callers share one token request."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        client_timeout: aiohttp.ClientTimeout,
        clock: Callable[[], float],
    ) -> None:
        self._session = session
        self._token_url = URL(token_url)
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = client_timeout
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    async def async_get_token(self, *, force_refresh: bool = False) -> str:
        """Return a token that stays valid for at least the refresh margin."""
        async with self._lock:
            token = self._token
            if force_refresh or token is None or self._clock() >= token.refresh_at:
                token = self._token = await self._async_request_token()
            return token.value

    def invalidate(self, value: str) -> None:
        """Forget ``value`` after the API rejected it (a newer token is kept)."""
        if self._token is not None and self._token.value == value:
            self._token = None

    async def _async_request_token(self) -> _Token:
        if not self._client_id or ":" in self._client_id or not self._client_secret:
            # Basic authentication cannot carry such a client id: no request can succeed.
            raise AuthenticationError("The Enode client id or client secret is malformed")
        credentials = f"{self._client_id}:{self._client_secret}".encode()
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
            "Accept": "application/json",
        }
        _LOGGER.debug("Requesting an Enode access token")
        response = await async_send(
            self._session,
            "POST",
            self._token_url,
            provider=PROVIDER_NAME,
            operation=_OPERATION,
            client_timeout=self._timeout,
            headers=headers,
            form={"grant_type": "client_credentials"},
        )
        if response.status in (400, 401, 403):
            # OAuth errors (invalid_client, unauthorized_client, ...): a definite rejection.
            error_code, description = _oauth_error(response.body)
            raise AuthenticationError(
                f"Enode rejected the client credentials (HTTP {response.status})",
                status=response.status,
                problem_type=error_code,
                detail=description,
            )
        if response.status == 429:
            raise error_for_status(response, _OPERATION)
        if not 200 <= response.status < 300:
            # Anything else from the token endpoint says nothing about the credentials.
            raise ProviderUnavailableError(
                f"Enode {_OPERATION} failed with HTTP {response.status}",
                status=response.status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        document = decode_json(response, PROVIDER_NAME, _OPERATION)
        value = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidResponseError("The Enode token response has no access_token")
        lifetime = _lifetime(document.get("expires_in"))
        margin = min(REFRESH_MARGIN, lifetime / 2)
        return _Token(value, self._clock() + lifetime - margin)


def _lifetime(expires_in: object) -> float:
    """Seconds a token lasts: ``expires_in`` clamped to a sane range, else an hour."""
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
        return DEFAULT_EXPIRES_IN
    if not math.isfinite(expires_in):  # JSON's NaN and Infinity
        return DEFAULT_EXPIRES_IN
    return min(max(float(expires_in), MIN_EXPIRES_IN), MAX_EXPIRES_IN)


def _oauth_error(body: bytes) -> tuple[str | None, str | None]:
    """Read the error code and description of an OAuth (or problem+json) error body."""
    try:
        document = loads_json(body)
    except ValueError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    code = document.get("error", document.get("type"))
    description = document.get("error_description", document.get("detail"))
    return (
        code if isinstance(code, str) else None,
        description if isinstance(description, str) else None,
    )
