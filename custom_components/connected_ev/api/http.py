"""HTTP plumbing every provider client shares: send (observed), read, decode, ``Retry-After``.

Transport failures (timeouts, connection errors) become ``ProviderUnavailableError`` the
same way for every provider; messages name the provider and the operation template only:
never URLs with ids, request bodies, response bodies or credentials. Reading an error body
is each provider's own (their bodies differ); the status and ``Retry-After`` then decide the
typed error the same way for all (``error_for_response``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from .errors import InvalidResponseError, ProviderError, ProviderUnavailableError, error_for_status

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A fully read response: the connection is released before anyone parses it."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


type RequestObserver = Callable[[], None]
"""Told of each request about to be sent; raising refuses it (nothing is sent)."""

_observer: ContextVar[RequestObserver | None] = ContextVar("request_observer", default=None)


@contextmanager
def observe_requests(observer: RequestObserver) -> Iterator[None]:
    """Tell ``observer`` of every request sent in this context (and the tasks started in it).

    A caller counts what a piece of work really costs (token requests and every page
    included) without the clients knowing who is counting, or why.
    """
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


async def async_send(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    *,
    provider: str,
    operation: str,
    client_timeout: aiohttp.ClientTimeout,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
) -> RawResponse:
    """Send one request and read its body; transport failures become "unavailable"."""
    if (observer := _observer.get()) is not None:
        observer()
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
        _LOGGER.debug("%s %s timed out", provider, operation)
        raise ProviderUnavailableError(f"{provider} {operation} timed out") from err
    except aiohttp.ClientError as err:
        # The exception text can hold the URL (ids); only its class is reported.
        _LOGGER.debug("%s %s failed: %s", provider, operation, type(err).__name__)
        raise ProviderUnavailableError(
            f"{provider} {operation} failed: {type(err).__name__}"
        ) from err
    _LOGGER.debug("%s %s -> %s", provider, operation, response.status)
    return RawResponse(response.status, response.headers, body)


def loads_json(body: bytes) -> Any:
    """Decode JSON from a provider; every failure is a ``ValueError``.

    Python's decoder raises ``RecursionError`` on deeply nested arrays (a few hundred
    kilobytes of ``[`` suffice); that is a malformed body like any other, not a crash.
    """
    try:
        return json.loads(body)
    except RecursionError as err:
        raise ValueError("JSON nested too deeply") from err


def decode_json(response: RawResponse, provider: str, operation: str) -> Any:
    """Decode a successful response's JSON; anything else is an invalid response."""
    try:
        return loads_json(response.body)
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, nesting too deep
        raise InvalidResponseError(
            f"{provider} {operation} returned a body that is not JSON", status=response.status
        ) from err


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


def error_for_response(
    response: RawResponse,
    message: str,
    *,
    problem_type: str | None = None,
    detail: str | None = None,
) -> ProviderError:
    """Return the typed error of a non-2xx response, its ``Retry-After`` read once here."""
    return error_for_status(
        response.status,
        message,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        problem_type=problem_type,
        detail=detail,
    )
