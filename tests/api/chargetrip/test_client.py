"""Every ChargetripClient call: where it goes, what it sends, and every documented error."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from custom_components.connected_ev.api.chargetrip import ChargetripClient
from custom_components.connected_ev.api.chargetrip.parse import GraphQLFailure, parse_failure
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import LinkStatus
from tests.api.chargetrip.conftest import (
    APP_ID,
    CLIENT_ID,
    CONNECTED_ID,
    GRAPHQL_URL,
    MODEL_ID,
    TOKEN,
    error,
)
from tests.api.conftest import requests_to


def _sent(mock_api: aioresponses, index: int = -1) -> tuple[dict[str, str], dict[str, Any]]:
    """Return the headers and the JSON body of a request to the GraphQL endpoint."""
    call = requests_to(mock_api, "POST", GRAPHQL_URL)[index]
    return call.kwargs["headers"], call.kwargs["json"]


async def test_validate_sends_the_three_credentials(
    client: ChargetripClient, mock_api: aioresponses
) -> None:
    """One cheap query that needs the token; the token goes verbatim, no Bearer added."""
    mock_api.post(GRAPHQL_URL, payload={"data": {"connectedVehicleList": []}})
    await client.async_validate()
    headers, body = _sent(mock_api)
    assert headers["x-client-id"] == CLIENT_ID
    assert headers["x-app-id"] == APP_ID
    assert headers["authorization"] == TOKEN
    assert body["operationName"] == "Validate"
    assert "connectedVehicleList(size: 1)" in body["query"]
    assert "variables" not in body


@pytest.mark.parametrize("code", ["AUTH_TOKEN_EXPIRED", "auth_token_invalid", "Auth_Token_Expired"])
async def test_rejected_token_is_an_authentication_error(
    client: ChargetripClient, mock_api: aioresponses, code: str
) -> None:
    """HTTP 200 with the code in extensions.exception.code, in either case."""
    mock_api.post(GRAPHQL_URL, payload={"data": None, "errors": [error(code)]})
    with pytest.raises(AuthenticationError) as caught:
        await client.async_validate()
    assert TOKEN not in str(caught.value)
    assert caught.value.problem_type == code.lower()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AUTH_TOKEN_EXPIRED", AuthenticationError),
        ("AUTH_TOKEN_INVALID", AuthenticationError),
        ("CONNECT_PROVIDER_NOT_ALLOWED", NotCapableError),
        ("CONNECTED_VEHICLE_PER_MAKE_LIMIT_REACHED", ForbiddenError),
        ("CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED", ConflictError),
        ("ENODE_PROXY_EXCEPTION", ProviderUnavailableError),
        ("NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE", InvalidRequestError),
        ("VEHICLE_ALREADY_CONNECTED", ConflictError),
        ("CONNECT_MULTIPLE_VEHICLES_NOT_ALLOWED", ConflictError),
        ("AUTH_CODE_INVALID", NotCapableError),
        ("CONNECTED_VEHICLE_FORBIDDEN", NotCapableError),
        ("CONNECTED_VEHICLE_NOT_FOUND", NotFoundError),
        ("OPERATION_NOT_ALLOWED", ForbiddenError),
        ("RATE_LIMIT_EXCEEDED", RateLimitedError),
        ("VEHICLE_NOT_FOUND", NotFoundError),
        ("UNAUTHORIZED", AuthenticationError),
        ("SOMETHING_NEW", ProviderError),
    ],
)
@pytest.mark.parametrize("lower", [False, True])
async def test_every_documented_code_is_typed(
    client: ChargetripClient,
    mock_api: aioresponses,
    code: str,
    expected: type[ProviderError],
    lower: bool,
) -> None:
    """Every code of the reference maps to the error its reaction needs, in either case."""
    wire = code.lower() if lower else code
    mock_api.post(GRAPHQL_URL, payload={"data": None, "errors": [error(wire)]})
    with pytest.raises(ProviderError) as caught:
        await client.async_remove(CONNECTED_ID)
    assert type(caught.value) is expected
    assert CONNECTED_ID not in str(caught.value)


def test_code_falls_back_to_extensions_code() -> None:
    """Servers in front of Chargetrip put codes in extensions.code; read there too."""
    assert parse_failure({"extensions": {"code": "RATE_LIMIT_EXCEEDED"}}) == GraphQLFailure(
        "rate_limit_exceeded"
    )
    assert parse_failure("not an object") == GraphQLFailure(None)
    assert parse_failure({"message": "no extensions", "path": ["d0", 1]}) == GraphQLFailure(
        None, ("d0", 1)
    )
    assert GraphQLFailure(None).error("Op").args == ("Chargetrip Op: error",)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "30"}, RateLimitedError),
        (503, {}, ProviderUnavailableError),
        (401, {}, AuthenticationError),
        (403, {}, AuthenticationError),
        (404, {}, InvalidResponseError),
    ],
)
async def test_http_errors_in_front_of_chargetrip(
    client: ChargetripClient,
    mock_api: aioresponses,
    status: int,
    headers: dict[str, str],
    expected: type[ProviderError],
) -> None:
    """Chargetrip answers 200; other statuses come from gateways and are typed too."""
    mock_api.post(GRAPHQL_URL, status=status, headers=headers, body="<html>")
    with pytest.raises(expected) as caught:
        await client.async_validate()
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"data": []}',
        '{"data": {}, "errors": {}}',
        "{}",
        '{"data": null, "errors": []}',
    ],
)
async def test_malformed_bodies_are_invalid_responses(
    client: ChargetripClient, mock_api: aioresponses, body: str
) -> None:
    """Anything but a GraphQL response object is an invalid response, never a crash."""
    mock_api.post(GRAPHQL_URL, body=body, content_type="application/json")
    with pytest.raises(InvalidResponseError):
        await client.async_validate()


async def test_connection_failure_is_unavailable(
    client: ChargetripClient, mock_api: aioresponses
) -> None:
    """A refused connection means try again later."""
    mock_api.post(GRAPHQL_URL, exception=aiohttp.ClientConnectionError("refused"))
    with pytest.raises(ProviderUnavailableError):
        await client.async_validate()


async def test_search_lists_connectable_models_only(
    client: ChargetripClient, mock_api: aioresponses
) -> None:
    """The query filters on Enode; a model without providers is dropped anyway."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "vehicleList": [
                    {
                        "id": MODEL_ID,
                        "naming": {
                            "make": "Tesla",
                            "model": "Model 3",
                            "version": "Long Range",
                            "edition": "AWD",
                        },
                        "battery": {"usable_kwh": 75},
                        "connect": {"providers": ["Enode"]},
                    },
                    {
                        "id": "m-2",
                        "naming": {"make": "Lada", "model": "Niva"},
                        "battery": {"usable_kwh": 30},
                        "connect": {"providers": None},
                    },
                    {"id": None},
                    "junk",
                ]
            }
        },
    )
    models = await client.async_search("tesla", page=2)
    assert [(m.id, m.title, m.usable_kwh) for m in models] == [
        (MODEL_ID, "Tesla Model 3 Long Range AWD", 75.0)
    ]
    _headers, body = _sent(mock_api)
    assert body["variables"] == {"search": "tesla", "page": 2, "size": 10}
    assert "providers: [Enode]" in body["query"]


async def test_search_without_text_and_odd_pages(
    client: ChargetripClient, mock_api: aioresponses
) -> None:
    """An empty search lists everything; a non-list page is empty."""
    mock_api.post(GRAPHQL_URL, payload={"data": {"vehicleList": None}})
    assert await client.async_search("", page=0) == []
    _headers, body = _sent(mock_api)
    assert body["variables"]["search"] is None


@pytest.mark.parametrize("label", ["Family car", None])
async def test_create_asks_for_every_scope(
    client: ChargetripClient, mock_api: aioresponses, label: str | None
) -> None:
    """Enode needs redirect_uri and scope; all three scopes, the label only when given."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "createConnectedVehicle": {
                    "id": CONNECTED_ID,
                    "status": "pending_authorization",
                    "authorization_url": "https://link.example/x",
                }
            }
        },
    )
    created = await client.async_create(MODEL_ID, "https://ha.example/cb?state=s", label)
    assert created.status is LinkStatus.LINKING
    assert created.authorization_url == "https://link.example/x"
    _headers, body = _sent(mock_api)
    expected: dict[str, Any] = {
        "vehicle_id": MODEL_ID,
        "provider": "Enode",
        "options": {
            "redirect_uri": "https://ha.example/cb?state=s",
            "scope": ["location", "charge_state", "odometer"],
        },
    }
    if label:
        expected["label"] = label
    assert body["variables"] == {"input": expected}


async def test_create_without_a_vehicle_is_invalid(
    client: ChargetripClient, mock_api: aioresponses
) -> None:
    """A null result without errors is not a connected vehicle."""
    mock_api.post(GRAPHQL_URL, payload={"data": {"createConnectedVehicle": None}})
    with pytest.raises(InvalidResponseError):
        await client.async_create(MODEL_ID, "https://ha.example/cb")


@pytest.mark.parametrize(("code", "options"), [("c-1", {"code": "c-1"}), (None, {})])
async def test_authorize_sends_the_code_only_when_there_is_one(
    client: ChargetripClient,
    mock_api: aioresponses,
    code: str | None,
    options: dict[str, str],
) -> None:
    """For Enode the options may be empty: a code is passed only if the redirect had one."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "authorizeConnectedVehicle": {
                    "id": CONNECTED_ID,
                    "status": "authorized",
                    "scope": ["location"],
                }
            }
        },
    )
    vehicle = await client.async_authorize(CONNECTED_ID, code)
    assert vehicle.status is LinkStatus.LINKED
    _headers, body = _sent(mock_api)
    assert body["variables"] == {"input": {"id": CONNECTED_ID, "options": options}}


async def test_remove(client: ChargetripClient, mock_api: aioresponses) -> None:
    """Remove with removeConnectedVehicle and the id as input."""
    mock_api.post(
        GRAPHQL_URL,
        payload={"data": {"removeConnectedVehicle": {"id": CONNECTED_ID, "status": "removed"}}},
    )
    await client.async_remove(CONNECTED_ID)
    _headers, body = _sent(mock_api)
    assert body["operationName"] == "RemoveConnectedVehicle"
    assert body["variables"] == {"input": {"id": CONNECTED_ID}}


@pytest.mark.parametrize("bad", ["", "  ", "a\nb"])
def test_credentials_are_checked_before_anything_is_sent(
    session: aiohttp.ClientSession, bad: str
) -> None:
    """An empty or multi-line header value is refused (no header injection)."""
    with pytest.raises(InvalidRequestError):
        ChargetripClient(session, CLIENT_ID, APP_ID, bad)


def test_repr_and_urls_hide_the_token(session: aiohttp.ClientSession) -> None:
    """The repr names the endpoint; a path in the base URL is kept, ws follows the scheme."""
    client = ChargetripClient(session, CLIENT_ID, APP_ID, TOKEN, base_url="http://h:8/api/")
    assert TOKEN not in repr(client)
    assert "http://h:8/api/graphql" in repr(client)
    assert client._ws_url == URL("ws://h:8/api/subscription")
    production = ChargetripClient(session, CLIENT_ID, APP_ID, TOKEN)
    assert production._ws_url == URL("wss://api.chargetrip.io/subscription")
