"""The two ways to authenticate (``const`` says which conventions were chosen).

``ApiKeyAuth`` sends a fixed header; ``ClientCredentials`` fetches an OAuth2 access token with
the client id and secret, shares it between concurrent requests and fetches a new one shortly
before it expires, or once after the API rejected it.
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from yarl import URL

from ..clock import monotonic
from ..errors import (
    AuthenticationError,
    InvalidResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..http import async_send, decode_json, parse_retry_after
from .const import API_KEY_HEADER, PROVIDER_NAME

DEFAULT_EXPIRES_IN = 3600.0
"""Lifetime assumed when the token response does not say."""
MIN_EXPIRES_IN = 30.0
MAX_EXPIRES_IN = 86400.0
REFRESH_MARGIN = 60.0
"""Seconds before expiry at which a token is no longer used."""
_OPERATION = "token request"


class Auth(ABC):
    """Adds credentials to a request."""

    @property
    def can_retry(self) -> bool:
        """Whether a rejected request is worth one retry with fresh credentials."""
        return False

    @abstractmethod
    async def async_headers(self) -> dict[str, str]:
        """Return the headers that authenticate one request."""

    def invalidate(self) -> None:  # noqa: B027 - a fixed key has nothing to forget
        """Forget credentials the API just rejected."""


class ApiKeyAuth(Auth):
    """An API key in the ``X-Api-Key`` header."""

    def __init__(self, api_key: str) -> None:
        if not api_key or not api_key.isprintable() or api_key != api_key.strip():
            raise AuthenticationError("The API key is empty or malformed")
        self._api_key = api_key

    def __repr__(self) -> str:
        """Never show the key."""
        return "ApiKeyAuth()"

    async def async_headers(self) -> dict[str, str]:
        """Return the API-key header."""
        return {API_KEY_HEADER: self._api_key}


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float


class ClientCredentials(Auth):
    """OAuth2 client-credentials grant; the token is shared by concurrent requests."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: aiohttp.ClientTimeout,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._session = session
        self._token_url = URL(token_url)
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        """Never show the secret or the token."""
        return "ClientCredentials()"

    @property
    def can_retry(self) -> bool:
        """A rejected token may simply have expired early: one new token is worth a try."""
        return True

    async def async_headers(self) -> dict[str, str]:
        """Return a bearer header with a token valid for at least the refresh margin."""
        async with self._lock:
            token = self._token
            if token is None or self._clock() >= token.refresh_at:
                token = self._token = await self._async_request_token()
        return {"Authorization": f"Bearer {token.value}"}

    def invalidate(self) -> None:
        """Fetch a new token for the next request."""
        self._token = None

    async def _async_request_token(self) -> _Token:
        if not self._client_id or not self._client_secret:
            raise AuthenticationError("The client id or client secret is empty")
        response = await async_send(
            self._session,
            "POST",
            self._token_url,
            provider=PROVIDER_NAME,
            operation=_OPERATION,
            client_timeout=self._timeout,
            headers={"Accept": "application/json"},
            form={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        status = response.status
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in (400, 401, 403):
            raise AuthenticationError(
                f"{PROVIDER_NAME} rejected the client credentials (HTTP {status})", status=status
            )
        if status == 429:
            raise RateLimitedError(
                f"{PROVIDER_NAME} {_OPERATION} was rate limited",
                status=status,
                retry_after=retry_after,
            )
        if not 200 <= status < 300:
            raise ProviderUnavailableError(
                f"{PROVIDER_NAME} {_OPERATION} failed with HTTP {status}",
                status=status,
                retry_after=retry_after,
            )
        document = decode_json(response, PROVIDER_NAME, _OPERATION)
        value = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidResponseError(f"The {PROVIDER_NAME} token response has no access_token")
        lifetime = _lifetime(document.get("expires_in"))
        return _Token(value, self._clock() + lifetime - min(REFRESH_MARGIN, lifetime / 2))


def _lifetime(expires_in: object) -> float:
    """Seconds a token lasts: ``expires_in`` clamped to a sane range, else an hour."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        return DEFAULT_EXPIRES_IN
    if not math.isfinite(expires_in):
        return DEFAULT_EXPIRES_IN
    return min(max(float(expires_in), MIN_EXPIRES_IN), MAX_EXPIRES_IN)
