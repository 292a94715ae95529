"""HTTP plumbing shared by the token endpoint and the API: send, decode, map errors.

Everything that turns aiohttp's world (exceptions, statuses, headers, bytes) into the typed
errors of ``api.errors`` lives here, so that every request fails the same way. Messages name
the operation template and the provider's problem title/detail only: never URLs with ids,
request bodies, response bodies or credentials.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from ..errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A fully read response: the connection is released before anyone parses it."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Problem:
    """The parts of an RFC 7807 problem body that errors carry."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None


async def async_send(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    *,
    operation: str,
    client_timeout: aiohttp.ClientTimeout,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
) -> RawResponse:
    """Send one request and read its body; transport failures become "unavailable"."""
    try:
        async with session.request(
            method,
            url,
            headers=dict(headers),
            params=params,
            json=json_body,
            data=form,
            timeout=client_timeout,
            allow_redirects=False,
        ) as response:
            body = await response.read()
    except TimeoutError as err:
        _LOGGER.debug("Enode %s timed out", operation)
        raise ProviderUnavailableError(f"Enode {operation} timed out") from err
    except aiohttp.ClientError as err:
        # The exception text can hold the URL (ids); only its class is reported.
        _LOGGER.debug("Enode %s failed: %s", operation, type(err).__name__)
        raise ProviderUnavailableError(f"Enode {operation} failed: {type(err).__name__}") from err
    _LOGGER.debug("Enode %s -> %s", operation, response.status)
    return RawResponse(response.status, response.headers, body)


def decode_json(response: RawResponse, operation: str) -> Any:
    """Decode a successful response's JSON; anything else is an invalid response."""
    try:
        return json.loads(response.body)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidResponseError(
            f"Enode {operation} returned a body that is not JSON", status=response.status
        ) from err


def parse_problem(body: bytes) -> Problem:
    """Read ``type``/``title``/``detail`` from a problem body; tolerate anything else."""
    try:
        document = json.loads(body)
    except ValueError:
        return Problem()
    if not isinstance(document, dict):
        return Problem()

    def text(key: str) -> str | None:
        value = document.get(key)
        return value if isinstance(value, str) and value else None

    return Problem(type=text("type"), title=text("title"), detail=text("detail"))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error for a non-2xx API response (a 401 here is final)."""
    status = response.status
    problem = parse_problem(response.body)
    message = f"Enode {operation} failed with HTTP {status}"
    if problem.title:
        message += f": {problem.title}"
    if problem.detail:
        message += f" ({problem.detail})"
    common: dict[str, Any] = {
        "status": status,
        "problem_type": problem.type,
        "detail": problem.detail,
    }
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error: ProviderError
    if status == 401:
        error = AuthenticationError(message, **common)
    elif status == 403:
        error = ForbiddenError(message, **common)
    elif status in (404, 410):
        error = NotFoundError(message, **common)
    elif status == 409:
        error = ConflictError(message, **common)
    elif status == 429:
        error = RateLimitedError(message, retry_after=retry_after, **common)
    elif status == 408 or status >= 500:
        error = ProviderUnavailableError(message, retry_after=retry_after, **common)
    elif 400 <= status < 500:
        # 400 (failed precondition), 422 (controlled by a schedule/smart charging) and any
        # other client error: the provider will not do this now, as asked.
        error = NotCapableError(message, **common)
    else:
        error = InvalidResponseError(message, **common)
    return error
