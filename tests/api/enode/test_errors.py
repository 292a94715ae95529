"""API failures become typed errors that carry the problem, never secrets or bodies."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.enode import EnodeClient
from custom_components.connected_ev.api.enode.http import parse_problem
from custom_components.connected_ev.api.errors import (
    ConflictError,
    ForbiddenError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.http import parse_retry_after
from custom_components.connected_ev.api.models import ChargingCommand

from .conftest import (
    ACTION_ID,
    API_URL,
    USER_ID,
    VEHICLE_ID,
    load_fixture,
    mock_token,
)

VEHICLE_URL = f"{API_URL}/vehicles/{VEHICLE_ID}"
CHARGING_URL = f"{VEHICLE_URL}/charging"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, NotCapableError),
        (422, NotCapableError),
        (418, NotCapableError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (408, ProviderUnavailableError),
        (500, ProviderUnavailableError),
        (503, ProviderUnavailableError),
        (302, InvalidResponseError),
    ],
)
async def test_status_maps_to_error(
    client: EnodeClient, mock_api: aioresponses, status: int, error_type: type[ProviderError]
) -> None:
    """Each status class maps to the error Home Assistant reacts to."""
    mock_token(mock_api)
    problem = {
        "type": "https://developers.enode.com/api/problems/bad-request",
        "title": "Bad Request",
        "detail": "The vehicle is already charging.",
        "issues": [{"path": ["action"]}],
    }
    mock_api.post(
        CHARGING_URL,
        status=status,
        payload=problem,
        content_type="application/problem+json; charset=utf-8",
    )

    with pytest.raises(error_type) as excinfo:
        await client.async_set_vehicle_charging(VEHICLE_ID, ChargingCommand.START)

    error = excinfo.value
    assert type(error) is error_type
    assert error.status == status
    assert error.problem_type == problem["type"]
    assert error.detail == "The vehicle is already charging."
    assert str(error) == (
        f"Enode POST /vehicles/{{vehicleId}}/charging failed with HTTP {status}: "
        "Bad Request (The vehicle is already charging.)"
    )
    assert VEHICLE_ID not in str(error)


async def test_not_found_problem_of_the_spec(client: EnodeClient, mock_api: aioresponses) -> None:
    """The spec's own problem example is carried through."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=404, payload=load_fixture("problem_not_found.json"))

    with pytest.raises(NotFoundError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.detail == "The requested asset wasn't found."
    assert excinfo.value.problem_type == "https://developers.enode.com/api/problems/not-found"


async def test_conflict_on_cancel_of_resolved_action(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """409 answers a cancel with the action itself, not a problem: still a conflict."""
    mock_token(mock_api)
    mock_api.post(
        f"{API_URL}/chargers/actions/{ACTION_ID}/cancel",
        status=409,
        payload=load_fixture("charger_action.json"),
    )

    with pytest.raises(ConflictError) as excinfo:
        await client.async_cancel_charger_action(ACTION_ID)

    assert excinfo.value.detail is None
    assert str(excinfo.value).endswith("failed with HTTP 409")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>Bad Gateway</body></html>", "text/html"),
        ("", "application/json"),
        ('["not", "a", "problem"]', "application/json"),
        ('{"title": 5, "detail": ""}', "application/problem+json"),
    ],
)
async def test_error_body_that_is_not_a_problem(
    client: EnodeClient, mock_api: aioresponses, body: str, content_type: str
) -> None:
    """Error bodies that are not problems are tolerated (and never quoted)."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=502, body=body, content_type=content_type)

    with pytest.raises(ProviderUnavailableError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.detail is None
    assert excinfo.value.problem_type is None
    assert str(excinfo.value) == "Enode GET /vehicles/{vehicleId} failed with HTTP 502"


async def test_rate_limit_retry_after_seconds(client: EnodeClient, mock_api: aioresponses) -> None:
    """``Retry-After: <seconds>`` is carried as ``retry_after``."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=429, headers={"Retry-After": "120"})

    with pytest.raises(RateLimitedError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.retry_after == 120.0


async def test_rate_limit_retry_after_http_date(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """``Retry-After: <HTTP-date>`` becomes the seconds until that date."""
    mock_token(mock_api)
    when = datetime.now(UTC) + timedelta(seconds=300)
    mock_api.get(
        VEHICLE_URL, status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )

    with pytest.raises(RateLimitedError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.retry_after is not None
    assert 290 <= excinfo.value.retry_after <= 300


async def test_rate_limit_without_retry_after(client: EnodeClient, mock_api: aioresponses) -> None:
    """Without ``Retry-After`` the wait is unknown."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=429)

    with pytest.raises(RateLimitedError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.retry_after is None


async def test_unavailable_with_retry_after(client: EnodeClient, mock_api: aioresponses) -> None:
    """A 503 with ``Retry-After`` carries it."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=503, headers={"retry-after": "7"})

    with pytest.raises(ProviderUnavailableError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.retry_after == 7.0


NOW = datetime(2024, 1, 7, 17, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("0", 0.0),
        (" 45 ", 45.0),
        ("Sun, 07 Jan 2024 17:01:30 GMT", 90.0),
        ("Sun, 07 Jan 2024 17:01:30 -0000", 90.0),
        ("Sun, 07 Jan 2024 16:00:00 GMT", 0.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Delta-seconds and HTTP-dates are understood; a date in the past means now."""
    assert parse_retry_after(header, now=NOW) == expected


def test_parse_problem_tolerates_bad_bodies() -> None:
    """A problem body that is not JSON or not an object yields an empty problem."""
    assert parse_problem(b"\xff\xfe").title is None
    assert parse_problem(b"42").detail is None


@pytest.mark.parametrize(
    "exception",
    [
        TimeoutError(),
        aiohttp.ServerTimeoutError("read timeout"),
        aiohttp.ClientConnectionError("connection reset"),
        aiohttp.ClientPayloadError("truncated"),
    ],
)
async def test_transport_errors_are_unavailable(
    client: EnodeClient, mock_api: aioresponses, exception: Exception
) -> None:
    """Timeouts and connection failures mean "try again later"."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, exception=exception)

    with pytest.raises(ProviderUnavailableError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.status is None
    assert VEHICLE_ID not in str(excinfo.value)


async def test_malformed_json_is_invalid_response(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """A 200 whose body is not JSON is an invalid response."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, body='{"id": "05ee9df5", ', content_type="application/json")

    with pytest.raises(InvalidResponseError) as excinfo:
        await client.async_get_vehicle(VEHICLE_ID)

    assert excinfo.value.status == 200


async def test_empty_body_where_one_is_expected(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """A 204 where a document is due is an invalid response."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, status=204)

    with pytest.raises(InvalidResponseError):
        await client.async_get_vehicle(VEHICLE_ID)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"id": 5, "userId": USER_ID, "vendor": "TESLA"},
        {"id": VEHICLE_ID, "vendor": "TESLA"},
    ],
)
async def test_wrong_shaped_body_is_invalid_response(
    client: EnodeClient, mock_api: aioresponses, payload: Any
) -> None:
    """A 200 whose document lacks what the model needs is an invalid response."""
    mock_token(mock_api)
    mock_api.get(VEHICLE_URL, payload=payload)

    with pytest.raises(InvalidResponseError):
        await client.async_get_vehicle(VEHICLE_ID)


async def test_logs_hold_no_secrets(
    client: EnodeClient, mock_api: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """Debug logs name operations and statuses, never tokens, ids, VINs or coordinates."""
    caplog.set_level(logging.DEBUG, logger="custom_components.connected_ev.api.enode")
    mock_token(mock_api, "very-secret-token")
    mock_token(mock_api, "another-secret-token")
    mock_api.get(VEHICLE_URL, status=401)
    mock_api.get(VEHICLE_URL, payload=load_fixture("vehicle.json"))
    mock_api.get(f"{API_URL}/vehicles/other", exception=aiohttp.ClientConnectionError(VEHICLE_URL))

    await client.async_get_vehicle(VEHICLE_ID)
    with pytest.raises(ProviderUnavailableError):
        await client.async_get_vehicle("other")

    assert "GET /vehicles/{vehicleId} -> 200" in caplog.text
    for secret in ("secret-token", VEHICLE_ID, "2HGFB2F5XEH542858", "59.91", "client-secret"):
        assert secret not in caplog.text
