"""The Auth API and GraphQL client: device tokens, JWT renewal, 401 once, errors by reaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.connectedcars import (
    ConnectedCarsAuth,
    ConnectedCarsClient,
    InvalidEmailError,
    InvalidPasswordError,
    UnknownNamespaceError,
    async_global_organizations,
)
from custom_components.connected_ev.api.connectedcars.auth import AccessToken
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)

from ..conftest import requests_to
from .conftest import (
    API,
    AUTH,
    DEVICE_LOGIN,
    DEVICE_TOKEN,
    GRAPHQL,
    NAMESPACE,
    Clock,
    load_fixture,
    token_body,
)


def _body(call: Any) -> Any:
    return call.kwargs["json"]


async def test_login_registers_a_device_and_reads_the_user(
    mock_api: aioresponses, auth: ConnectedCarsAuth, utc_clock: Clock
) -> None:
    """The password logs in once; the device is registered with a name of its own."""
    mock_api.post(f"{AUTH}/auth/login/email/password", payload=token_body("jwt-login"))
    mock_api.post(
        f"{AUTH}/user/registerDevice",
        payload={"deviceModel": "Home Assistant", "deviceName": "x", "deviceToken": "dt-2"},
    )
    mock_api.get(
        f"{AUTH}/user/info",
        payload={"id": 1042, "email": "a@example.com", "firstname": "Ann", "lastname": ""},
    )
    access = await auth.async_login_password(" a@example.com ", "pw")
    assert access.token == "jwt-login"
    assert (access.expires_at - utc_clock.now).total_seconds() == 3600
    device = await auth.async_register_device(access)
    user = await auth.async_user_info(access)

    assert device.device_token == "dt-2"
    assert device.device_name.startswith("Home Assistant ")
    assert len(device.device_name) == len("Home Assistant ") + 8
    assert (user.id, user.email, user.firstname, user.lastname) == (
        "1042",
        "a@example.com",
        "Ann",
        None,
    )
    login = requests_to(mock_api, "POST", f"{AUTH}/auth/login/email/password")[0]
    assert _body(login) == {"email": "a@example.com", "password": "pw"}
    assert login.kwargs["headers"]["X-Organization-Namespace"] == NAMESPACE
    register = requests_to(mock_api, "POST", f"{AUTH}/user/registerDevice")[0]
    assert register.kwargs["headers"]["Authorization"] == "Bearer jwt-login"
    assert _body(register) == {"deviceName": device.device_name, "deviceModel": "Home Assistant"}


async def test_empty_login_is_refused_without_a_request(
    mock_api: aioresponses, auth: ConnectedCarsAuth
) -> None:
    """Nothing is sent without an e-mail address and a password."""
    with pytest.raises(InvalidRequestError):
        await auth.async_login_password(" ", "pw")
    with pytest.raises(InvalidRequestError):
        await auth.async_login_password("a@example.com", "")
    assert not mock_api.requests


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"message": "Email is incorrect", "type": "user_not_found"}, InvalidEmailError),
        (404, {"message": "Unknown", "type": "user_not_found"}, InvalidEmailError),
        (401, {"message": "Incorrect password", "type": "x"}, InvalidPasswordError),
        (404, {"message": "Namespace could not be found"}, UnknownNamespaceError),
        (400, {"message": "Namespace could not be found", "error": "e"}, UnknownNamespaceError),
        (401, {"message": "jwt expired", "type": "jwt_verify_error"}, AuthenticationError),
        (403, {"message": "user archived", "type": "user_archived"}, AuthenticationError),
        (400, {"message": "password too short"}, NotCapableError),
        (404, ["not an object"], NotFoundError),
        (500, b"<html>", ProviderUnavailableError),
        (302, {}, InvalidResponseError),
    ],
)
async def test_login_errors_by_reaction(
    mock_api: aioresponses,
    auth: ConnectedCarsAuth,
    status: int,
    body: Any,
    error: type[Exception],
) -> None:
    """Each rejected part of the login is its own error; others map by status."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    mock_api.post(f"{AUTH}/auth/login/email/password", status=status, body=raw)
    with pytest.raises(error) as caught:
        await auth.async_login_password("a@example.com", "secret-password")
    assert type(caught.value) is error
    assert "secret-password" not in str(caught.value)


async def test_a_conflict_is_not_capable_rather_than_an_action_conflict(
    mock_api: aioresponses, auth: ConnectedCarsAuth
) -> None:
    """The Auth API's 409 is about the account (``email_exists``), not an action's state."""
    mock_api.post(
        f"{AUTH}/auth/login/email/password",
        status=409,
        payload={"message": "Email already exists", "type": "email_exists"},
    )
    with pytest.raises(NotCapableError) as caught:
        await auth.async_login_password("a@example.com", "pw")
    assert type(caught.value) is NotCapableError
    assert (caught.value.status, caught.value.problem_type) == (409, "email_exists")


async def test_throttled_login_says_how_long_to_wait(
    mock_api: aioresponses, auth: ConnectedCarsAuth
) -> None:
    """429 with Retry-After is a rate limit with the seconds to wait."""
    mock_api.post(
        f"{AUTH}/auth/login/email/password",
        status=429,
        payload={"message": "Too many requests", "type": "too_many_requests"},
        headers={"Retry-After": "42"},
    )
    with pytest.raises(RateLimitedError) as caught:
        await auth.async_login_password("a@example.com", "pw")
    assert caught.value.retry_after == 42


@pytest.mark.parametrize(
    "body",
    [{"level": "AM1"}, [], {"token": 5}],
)
async def test_login_without_token_is_invalid(
    mock_api: aioresponses, auth: ConnectedCarsAuth, body: Any
) -> None:
    """A 200 without a token string is an invalid response."""
    mock_api.post(f"{AUTH}/auth/login/email/password", payload=body)
    with pytest.raises(InvalidResponseError):
        await auth.async_login_password("a@example.com", "pw")


async def test_registration_without_token_and_user_without_id_are_invalid(
    mock_api: aioresponses, auth: ConnectedCarsAuth, utc_clock: Clock
) -> None:
    """A registration without a device token, a user without an id: invalid responses."""
    access = AccessToken("jwt", utc_clock.now)
    mock_api.post(f"{AUTH}/user/registerDevice", payload={"deviceName": "x"})
    mock_api.get(f"{AUTH}/user/info", payload={"email": "a@example.com"})
    with pytest.raises(InvalidResponseError):
        await auth.async_register_device(access)
    with pytest.raises(InvalidResponseError):
        await auth.async_user_info(access)


async def test_jwt_is_minted_from_the_device_token_and_renewed_before_expiry(
    mock_api: aioresponses, auth: ConnectedCarsAuth, utc_clock: Clock
) -> None:
    """One device login per JWT; a new one 5 minutes before the old one expires."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-2", expires="soon"))
    assert await auth.async_token() == "jwt-1"
    auth.invalidate("an-older-jwt")  # a late 401 of an older token keeps the current one
    utc_clock.advance(3600 - 301)
    assert await auth.async_token() == "jwt-1"
    utc_clock.advance(2)
    assert await auth.async_token() == "jwt-2"
    logins = requests_to(mock_api, "POST", DEVICE_LOGIN)
    assert [_body(call) for call in logins] == [{"deviceToken": DEVICE_TOKEN}] * 2
    # An unreadable lifetime counts as one hour.
    utc_clock.advance(3600 - 301)
    assert await auth.async_token() == "jwt-2"


async def test_no_device_token_needs_reauthentication(mock_api: aioresponses, session: Any) -> None:
    """An account without a device token cannot mint a JWT: the user must log in."""
    auth = ConnectedCarsAuth(session, AUTH, NAMESPACE)
    with pytest.raises(AuthenticationError):
        await auth.async_token()
    assert not mock_api.requests


async def test_deleted_device_token_needs_reauthentication(
    mock_api: aioresponses, auth: ConnectedCarsAuth
) -> None:
    """A device token the Auth API refuses is an authentication error."""
    mock_api.post(
        DEVICE_LOGIN,
        status=401,
        payload={"message": "Device token is invalid", "type": "device_token_invalid"},
    )
    with pytest.raises(AuthenticationError):
        await auth.async_token()


async def test_vehicles_in_one_request(mock_api: aioresponses, client: ConnectedCarsClient) -> None:
    """Every vehicle comes from one GraphQL request with the JWT and the namespace."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(GRAPHQL, payload=load_fixture("vehicles.json"))
    vehicles = await client.async_vehicles()
    assert [vehicle.id for vehicle in vehicles] == ["1", "2", "3"]
    (call,) = requests_to(mock_api, "POST", GRAPHQL)
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == "Bearer jwt-1"
    assert headers["X-Organization-Namespace"] == NAMESPACE
    assert headers["User-Agent"].startswith("HomeAssistant")
    assert _body(call)["operationName"] == "Vehicles"
    assert "viewer" in _body(call)["query"]


async def test_401_renews_the_jwt_once(mock_api: aioresponses, client: ConnectedCarsClient) -> None:
    """A refused JWT is replaced and the request sent once more."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-2"))
    mock_api.post(GRAPHQL, status=401, payload={"message": "jwt expired"})
    mock_api.post(GRAPHQL, payload={"data": {"viewer": {"id": "7", "vehicles": []}}})
    assert await client.async_viewer() == ("7", 0)
    calls = requests_to(mock_api, "POST", GRAPHQL)
    assert [call.kwargs["headers"]["Authorization"] for call in calls] == [
        "Bearer jwt-1",
        "Bearer jwt-2",
    ]


async def test_second_401_needs_reauthentication(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """Refused twice in a row: re-authentication, no third attempt."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"), repeat=True)
    mock_api.post(GRAPHQL, status=401, payload={"message": "no"}, repeat=True)
    with pytest.raises(AuthenticationError):
        await client.async_vehicles()
    assert len(requests_to(mock_api, "POST", GRAPHQL)) == 2


async def test_403_is_not_retried(mock_api: aioresponses, client: ConnectedCarsClient) -> None:
    """Only a 401 is worth a new token."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(GRAPHQL, status=403, payload={"message": "forbidden"})
    with pytest.raises(AuthenticationError):
        await client.async_vehicles()
    assert len(requests_to(mock_api, "POST", GRAPHQL)) == 1


async def test_graphql_throttling_and_errors(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """429 backs off with Retry-After; errors without data are an unavailable provider."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(GRAPHQL, status=429, headers={"Retry-After": "30"}, payload={})
    with pytest.raises(RateLimitedError) as caught:
        await client.async_vehicles()
    assert caught.value.retry_after == 30
    mock_api.post(GRAPHQL, payload={"data": None, "errors": [{"message": "boom"}]})
    with pytest.raises(ProviderUnavailableError):
        await client.async_vehicles()


async def test_partial_data_keeps_what_arrived(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """Errors next to data: the vehicles that resolved are kept."""
    payload = load_fixture("vehicles.json")
    payload["errors"] = [{"message": "lampStates failed", "path": ["viewer", "vehicles", 1]}]
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(GRAPHQL, payload=payload)
    assert len(await client.async_vehicles()) == 3


async def test_global_organizations_need_no_token(mock_api: aioresponses, session: Any) -> None:
    """Regions are read without a token; bare domains become https origins."""
    mock_api.post(
        GRAPHQL,
        payload={
            "data": {
                "globalOrganizations": [
                    {
                        "key": "semler",
                        "apiDomain": "api.connectedcars.io",
                        "authApiDomain": "auth-api.connectedcars.io",
                    },
                    {
                        "key": "local",
                        "apiDomain": "http://127.0.0.1:1/au1/",
                        "authApiDomain": "http://127.0.0.1:1/au1",
                    },
                    {"key": "broken"},
                    "junk",
                ]
            }
        },
    )
    organizations = await async_global_organizations(session, API)
    assert organizations == {
        "semler": (API, AUTH),
        "local": ("http://127.0.0.1:1/au1", "http://127.0.0.1:1/au1"),
    }
    (call,) = requests_to(mock_api, "POST", GRAPHQL)
    assert "Authorization" not in call.kwargs["headers"]


@pytest.mark.parametrize(
    "payload",
    [{"data": {"globalOrganizations": None}}, {"data": {"globalOrganizations": [{"key": "x"}]}}],
)
async def test_no_organizations_is_invalid(
    mock_api: aioresponses, session: Any, payload: Any
) -> None:
    """Without a usable region the answer is invalid."""
    mock_api.post(GRAPHQL, payload=payload)
    with pytest.raises(InvalidResponseError):
        await async_global_organizations(session, API)


async def test_delete_device_by_name(mock_api: aioresponses, auth: ConnectedCarsAuth) -> None:
    """Only the devices registered under the entry's name are deleted."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.get(
        f"{AUTH}/user/devices",
        payload=[
            {"deviceExternalId": "a", "deviceName": "Home Assistant 1a2b3c4d"},
            {"deviceExternalId": "b", "deviceName": "iPhone"},
            {"deviceName": "Home Assistant 1a2b3c4d"},
            "junk",
        ],
    )
    mock_api.post(f"{AUTH}/user/deleteDevice", payload={})
    assert await auth.async_delete_devices_named("Home Assistant 1a2b3c4d") == 1
    (call,) = requests_to(mock_api, "POST", f"{AUTH}/user/deleteDevice")
    assert _body(call) == {"deviceExternalId": "a"}


async def test_device_list_must_be_a_list(mock_api: aioresponses, auth: ConnectedCarsAuth) -> None:
    """An unreadable device list is an invalid response, nothing deleted."""
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.get(f"{AUTH}/user/devices", payload={"devices": []})
    with pytest.raises(InvalidResponseError):
        await auth.async_delete_devices_named("Home Assistant 1a2b3c4d")
