"""The client-credentials token: caching, early refresh, sharing, 401 retry, rejection."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from custom_components.connected_ev.api.enode import EnodeClient
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)

from .conftest import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    ENDPOINTS,
    TOKEN_URL,
    VEHICLE_ID,
    FakeClock,
    load_fixture,
    mock_token,
    request_count,
    requests_to,
    token_requests,
)

VEHICLE_URL = f"{API_URL}/vehicles/{VEHICLE_ID}"


def _bearer_tokens(mocked: aioresponses, url: str = VEHICLE_URL) -> list[str]:
    return [call.kwargs["headers"]["Authorization"] for call in requests_to(mocked, "GET", url)]


async def test_token_request_shape(client: EnodeClient, mock_api: aioresponses) -> None:
    """Client credentials go as HTTP Basic with a form-encoded grant type."""
    mock_api.post(TOKEN_URL, payload=load_fixture("token.json"))

    assert await client.async_get_token() == "token-1"

    (call,) = token_requests(mock_api)
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert call.kwargs["headers"] == {
        "Authorization": f"Basic {expected}",
        "Accept": "application/json",
    }
    assert call.kwargs["data"] == {"grant_type": "client_credentials"}
    assert call.kwargs["json"] is None


async def test_token_is_cached(client: EnodeClient, mock_api: aioresponses) -> None:
    """Several requests share one token."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, payload=load_fixture("vehicle.json"), repeat=True)

    await client.async_get_vehicle(VEHICLE_ID)
    await client.async_get_vehicle(VEHICLE_ID)

    assert len(token_requests(mock_api)) == 1
    assert _bearer_tokens(mock_api) == ["Bearer token-1", "Bearer token-1"]


async def test_token_is_refreshed_before_expiry(
    client: EnodeClient, mock_api: aioresponses, clock: FakeClock
) -> None:
    """A token is replaced 60 s before it expires, not after."""
    mock_token(mock_api, "token-1", expires_in=3600)
    mock_token(mock_api, "token-2", expires_in=3600)

    assert await client.async_get_token() == "token-1"
    clock.advance(3600 - 60 - 1)
    assert await client.async_get_token() == "token-1"
    clock.advance(1)
    assert await client.async_get_token() == "token-2"
    assert len(token_requests(mock_api)) == 2


async def test_short_lived_token_uses_half_its_lifetime(
    client: EnodeClient, mock_api: aioresponses, clock: FakeClock
) -> None:
    """A token shorter-lived than twice the margin is refreshed at half its lifetime."""
    mock_token(mock_api, "token-1", expires_in=90)
    mock_token(mock_api, "token-2", expires_in=90)

    assert await client.async_get_token() == "token-1"
    clock.advance(44)
    assert await client.async_get_token() == "token-1"
    clock.advance(1)
    assert await client.async_get_token() == "token-2"


@pytest.mark.parametrize("expires_in", [0, -30, 1])
async def test_nonsense_short_lifetime_is_not_a_token_per_request(
    client: EnodeClient, mock_api: aioresponses, clock: FakeClock, expires_in: float
) -> None:
    """A token "lasting" 0 s or less is used for 30 s: 10 calls make one token request."""
    mock_token(mock_api, "token-1", expires_in=expires_in)
    mock_token(mock_api, "token-2", expires_in=expires_in)
    mock_api.get(VEHICLE_URL, payload=load_fixture("vehicle.json"), repeat=True)

    for _ in range(10):
        await client.async_get_vehicle(VEHICLE_ID)
    assert len(token_requests(mock_api)) == 1

    clock.advance(29)
    assert await client.async_get_token() == "token-1"
    clock.advance(1)
    assert await client.async_get_token() == "token-2"


@pytest.mark.parametrize(
    ("expires_in", "lasts"), [("1000000000", 86400), ("Infinity", 3600), ("NaN", 3600)]
)
async def test_lifetime_is_capped(
    client: EnodeClient,
    mock_api: aioresponses,
    clock: FakeClock,
    expires_in: str,
    lasts: float,
) -> None:
    """A token is kept a day at most; JSON's Infinity and NaN count as no lifetime."""
    mock_api.post(
        TOKEN_URL,
        body=f'{{"access_token": "token-1", "expires_in": {expires_in}}}',
        content_type="application/json",
    )
    mock_token(mock_api, "token-2")

    assert await client.async_get_token() == "token-1"
    clock.advance(lasts - 61)
    assert await client.async_get_token() == "token-1"
    clock.advance(1)
    assert await client.async_get_token() == "token-2"


@pytest.mark.parametrize("expires_in", [None, "3600", True])
async def test_token_without_usable_lifetime_lasts_an_hour(
    client: EnodeClient, mock_api: aioresponses, clock: FakeClock, expires_in: Any
) -> None:
    """A missing or non-numeric ``expires_in`` is taken as one hour."""
    payload: dict[str, Any] = {"access_token": "token-1"}
    if expires_in is not None:
        payload["expires_in"] = expires_in
    mock_api.post(TOKEN_URL, payload=payload)
    mock_token(mock_api, "token-2")

    assert await client.async_get_token() == "token-1"
    clock.advance(3600 - 61)
    assert await client.async_get_token() == "token-1"
    clock.advance(1)
    assert await client.async_get_token() == "token-2"


async def test_concurrent_callers_share_one_token_request(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """Callers arriving while the token is being fetched wait for that same request."""
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_token(url: Any, **kwargs: Any) -> CallbackResult:
        started.set()
        await release.wait()
        return CallbackResult(payload={"access_token": "shared", "expires_in": 3600})

    mock_api.post(TOKEN_URL, callback=slow_token, repeat=True)
    mock_api.get(VEHICLE_URL, payload=load_fixture("vehicle.json"), repeat=True)

    tasks = [asyncio.create_task(client.async_get_vehicle(VEHICLE_ID)) for _ in range(5)]
    await started.wait()
    release.set()
    await asyncio.gather(*tasks)

    assert len(token_requests(mock_api)) == 1
    assert _bearer_tokens(mock_api) == ["Bearer shared"] * 5


async def test_401_refreshes_token_and_retries_once(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """A rejected token is replaced and the request repeated once."""
    mock_token(mock_api, "token-1")
    mock_token(mock_api, "token-2")
    mock_api.get(VEHICLE_URL, status=401)
    mock_api.get(VEHICLE_URL, payload=load_fixture("vehicle.json"))

    vehicle = await client.async_get_vehicle(VEHICLE_ID)

    assert vehicle.id == VEHICLE_ID
    assert _bearer_tokens(mock_api) == ["Bearer token-1", "Bearer token-2"]
    assert len(token_requests(mock_api)) == 2


async def test_second_401_is_authentication_error(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """A fresh token that is rejected as well means the credentials are bad."""
    mock_token(mock_api, repeat=True)
    problem = {
        "type": "https://developers.enode.com/api/problems/unauthorized",
        "title": "Unauthorized",
        "detail": "Invalid access token.",
    }
    mock_api.get(VEHICLE_URL, status=401, payload=problem, repeat=True)

    with pytest.raises(AuthenticationError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.status == 401
    assert excinfo.value.detail == "Invalid access token."
    assert len(_bearer_tokens(mock_api)) == 2
    assert len(token_requests(mock_api)) == 2
    assert "token-1" not in str(excinfo.value)


async def test_invalidate_keeps_a_newer_token(client: EnodeClient, mock_api: aioresponses) -> None:
    """A late 401 for an old token does not throw away the token that replaced it."""
    mock_token(mock_api, "token-1")
    mock_token(mock_api, "token-2")
    auth = client._auth

    assert await auth.async_get_token() == "token-1"
    auth.invalidate("token-1")
    assert await auth.async_get_token() == "token-2"
    auth.invalidate("token-1")
    assert await auth.async_get_token() == "token-2"
    assert len(token_requests(mock_api)) == 2


async def test_validate_credentials_forces_a_new_token(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """Validation asks the token endpoint even when a cached token exists."""
    mock_token(mock_api, "token-1")
    mock_token(mock_api, "token-2")

    await client.async_get_token()
    await client.async_validate_credentials()

    assert await client.async_get_token() == "token-2"
    assert len(token_requests(mock_api)) == 2


@pytest.mark.parametrize(
    ("status", "payload", "body", "problem_type", "detail"),
    [
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            None,
            "invalid_client",
            "Client authentication failed.",
        ),
        (400, {"error": "unauthorized_client"}, None, "unauthorized_client", None),
        (
            403,
            {"type": "https://developers.enode.com/api/problems/forbidden", "detail": "Nope"},
            None,
            "https://developers.enode.com/api/problems/forbidden",
            "Nope",
        ),
        (401, None, "<html>Unauthorized</html>", None, None),
        (400, ["invalid_client"], None, None, None),
    ],
)
async def test_token_rejection_is_authentication_error(
    client: EnodeClient,
    mock_api: aioresponses,
    status: int,
    payload: Any,
    body: str | None,
    problem_type: str | None,
    detail: str | None,
) -> None:
    """The token endpoint refusing the client is a definite credential problem."""
    if body is not None:
        mock_api.post(TOKEN_URL, status=status, body=body, content_type="text/html")
    else:
        mock_api.post(TOKEN_URL, status=status, payload=payload)

    with pytest.raises(AuthenticationError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.status == status
    assert excinfo.value.problem_type == problem_type
    assert excinfo.value.detail == detail
    assert CLIENT_SECRET not in str(excinfo.value)
    assert requests_to(mock_api, "GET", VEHICLE_URL) == []


@pytest.mark.parametrize(("client_id", "client_secret"), [("", "secret"), ("a:b", "s"), ("id", "")])
async def test_malformed_credentials_are_rejected_without_request(
    session: aiohttp.ClientSession,
    mock_api: aioresponses,
    client_id: str,
    client_secret: str,
) -> None:
    """Credentials that HTTP Basic cannot carry never reach the network."""
    client = EnodeClient(session, client_id, client_secret, ENDPOINTS)

    with pytest.raises(AuthenticationError):
        await client.async_validate_credentials()

    assert request_count(mock_api) == 0


@pytest.mark.parametrize("status", [500, 502, 503, 404])
async def test_token_endpoint_failure_is_unavailable(
    client: EnodeClient, mock_api: aioresponses, status: int
) -> None:
    """Server trouble at the token endpoint says nothing about the credentials."""
    mock_api.post(TOKEN_URL, status=status, headers={"Retry-After": "30"})

    with pytest.raises(ProviderUnavailableError) as excinfo:
        await client.async_get_token()

    assert excinfo.value.status == status
    assert excinfo.value.retry_after == 30


async def test_token_endpoint_rate_limit(client: EnodeClient, mock_api: aioresponses) -> None:
    """A 429 at the token endpoint is a rate limit with its Retry-After."""
    mock_api.post(TOKEN_URL, status=429, headers={"Retry-After": "12"})

    with pytest.raises(RateLimitedError) as excinfo:
        await client.async_get_token()

    assert excinfo.value.retry_after == 12


@pytest.mark.parametrize(
    "exception", [TimeoutError(), aiohttp.ClientConnectionError("connection refused")]
)
async def test_token_endpoint_unreachable(
    client: EnodeClient, mock_api: aioresponses, exception: Exception
) -> None:
    """Timeouts and connection errors at the token endpoint are "unavailable"."""
    mock_api.post(TOKEN_URL, exception=exception)

    with pytest.raises(ProviderUnavailableError):
        await client.async_get_token()


@pytest.mark.parametrize(
    "payload",
    [{"token_type": "bearer"}, {"access_token": ""}, {"access_token": 42}, ["token"]],
)
async def test_token_response_without_token(
    client: EnodeClient, mock_api: aioresponses, payload: Any
) -> None:
    """A 200 without a usable access token is an invalid response."""
    mock_api.post(TOKEN_URL, payload=payload)

    with pytest.raises(InvalidResponseError):
        await client.async_get_token()


async def test_token_response_not_json(client: EnodeClient, mock_api: aioresponses) -> None:
    """A 200 whose body is not JSON is an invalid response."""
    mock_api.post(TOKEN_URL, body="access_token=abc", content_type="text/plain")

    with pytest.raises(InvalidResponseError):
        await client.async_get_token()


async def test_frozen_clock_decides_token_expiry(
    session: aiohttp.ClientSession, mock_api: aioresponses, freezer: Any
) -> None:
    """Without a clock given, the client reads the (frozen) clock at call time.

    The mocked API rejects a token once its hour has passed on the frozen clock, as a
    provider on the test's simulated time does: a client that kept the real clock would use
    the expired token and pay a 401 and a retry; it must ask for a new token instead, and
    never while the frozen clock stands still.
    """
    client = EnodeClient(session, CLIENT_ID, CLIENT_SECRET, ENDPOINTS)
    issued: dict[str, float] = {}

    def token(url: Any, **kwargs: Any) -> CallbackResult:
        value = f"token-{len(issued) + 1}"
        issued[value] = time.monotonic()
        return CallbackResult(payload={"access_token": value, "expires_in": 3600})

    def vehicle(url: Any, **kwargs: Any) -> CallbackResult:
        value = kwargs["headers"]["Authorization"].removeprefix("Bearer ")
        if time.monotonic() - issued[value] >= 3600:
            return CallbackResult(status=401, payload={"title": "expired"})
        return CallbackResult(payload=load_fixture("vehicle.json"))

    mock_api.post(TOKEN_URL, callback=token, repeat=True)
    mock_api.get(VEHICLE_URL, callback=vehicle, repeat=True)

    for _ in range(3):
        await client.async_get_vehicle(VEHICLE_ID)
    freezer.tick(3600 - 61)
    await client.async_get_vehicle(VEHICLE_ID)
    assert _bearer_tokens(mock_api) == ["Bearer token-1"] * 4

    freezer.tick(2 * 3600)
    await client.async_get_vehicle(VEHICLE_ID)
    assert _bearer_tokens(mock_api)[4:] == ["Bearer token-2"]  # no 401, no retry
    assert len(token_requests(mock_api)) == 2
