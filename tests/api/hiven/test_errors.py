"""Status codes, transport failures and bad bodies map to the shared typed errors."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.hiven import DeviceOwnedByAnotherUserError, HivenClient
from custom_components.connected_ev.api.hiven.http import parse_error_body

from .conftest import API_KEY, BASE_URL, DEVICE_ID, REDIRECT, load_fixture

STATUS_URL = f"{BASE_URL}/v1/hiven/devices/{DEVICE_ID}/status"
CONNECT_URL = f"{BASE_URL}/v1/hiven/devices/smartcar/connect"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (408, ProviderUnavailableError),
        (500, ProviderUnavailableError),
        (503, ProviderUnavailableError),
        (400, NotCapableError),
        (422, NotCapableError),
        (302, InvalidResponseError),
    ],
)
async def test_status_mapping(
    mock_api: aioresponses,
    hiven: HivenClient,
    status: int,
    error: type[ProviderError],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    mock_api.get(
        STATUS_URL,
        status=status,
        payload={"statusCode": status, "message": "Nope", "error": "Some Error"},
    )
    with pytest.raises(error) as info:
        await hiven.async_get_status(DEVICE_ID)
    assert type(info.value) is error
    assert info.value.status == status
    assert info.value.detail == "Nope"
    assert info.value.problem_type == "Some Error"
    assert "Hiven GET /v1/hiven/devices/{deviceId}/status failed" in str(info.value)
    assert DEVICE_ID not in str(info.value)
    assert API_KEY not in caplog.text


async def test_rate_limit_retry_after(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(STATUS_URL, status=429, headers={"Retry-After": "17"})
    mock_api.get(STATUS_URL, status=503, headers={"Retry-After": "5"})
    mock_api.get(STATUS_URL, status=429)
    with pytest.raises(RateLimitedError) as limited:
        await hiven.async_get_status(DEVICE_ID)
    assert limited.value.retry_after == 17
    with pytest.raises(ProviderUnavailableError) as unavailable:
        await hiven.async_get_status(DEVICE_ID)
    assert unavailable.value.retry_after == 5
    with pytest.raises(RateLimitedError) as unknown:
        await hiven.async_get_status(DEVICE_ID)
    assert unknown.value.retry_after is None


async def test_error_message_from_list(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(STATUS_URL, status=400, payload=load_fixture("error.json"))
    with pytest.raises(NotCapableError) as info:
        await hiven.async_get_status(DEVICE_ID)
    assert info.value.detail == "readyTime must be HH:mm; targetSoC.value must be a number"
    assert str(info.value).endswith(info.value.detail)


def test_error_body_leniency() -> None:
    assert parse_error_body(b"not json").message is None
    assert parse_error_body(b"[1]").message is None
    assert parse_error_body(b'{"message": 5, "error": ""}').message is None
    long = parse_error_body(b'{"message": "' + b"x" * 400 + b'"}').message
    assert long is not None
    assert len(long) == 300


@pytest.mark.parametrize(
    ("exception", "text"),
    [(TimeoutError(), "timed out"), (aiohttp.ClientConnectionError(), "ClientConnectionError")],
)
async def test_transport_failures(
    mock_api: aioresponses, hiven: HivenClient, exception: Exception, text: str
) -> None:
    mock_api.get(STATUS_URL, exception=exception)
    with pytest.raises(ProviderUnavailableError) as info:
        await hiven.async_get_status(DEVICE_ID)
    assert str(info.value).startswith("Hiven GET")
    assert text in str(info.value)


async def test_bad_json(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(STATUS_URL, body=b'{"soc": ')
    with pytest.raises(InvalidResponseError, match="not JSON"):
        await hiven.async_get_status(DEVICE_ID)


async def test_connect_conflict_is_typed(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.post(
        CONNECT_URL,
        status=409,
        payload={"statusCode": 409, "message": "owned", "error": "Conflict"},
    )
    with pytest.raises(DeviceOwnedByAnotherUserError) as info:
        await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)
    assert isinstance(info.value, ConflictError)
    assert info.value.status == 409
    assert info.value.detail == "owned"


@pytest.mark.parametrize(
    ("status", "error"), [(500, ProviderUnavailableError), (204, InvalidResponseError)]
)
async def test_connect_other_statuses(
    mock_api: aioresponses, hiven: HivenClient, status: int, error: type[ProviderError]
) -> None:
    mock_api.post(CONNECT_URL, status=status)
    with pytest.raises(error):
        await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)


@pytest.mark.parametrize(
    "payload",
    [
        {"message": "no id"},
        [],
        {"deviceId": ""},
    ],
)
async def test_connect_bad_body(
    mock_api: aioresponses, hiven: HivenClient, payload: object
) -> None:
    mock_api.post(CONNECT_URL, status=201, payload=payload)
    with pytest.raises(InvalidResponseError):
        await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)
