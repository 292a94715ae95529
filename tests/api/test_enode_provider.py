"""EnodeProvider: the Provider protocol delegates to the right Enode endpoints."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.enode import ENODE_FEATURES, EnodeClient, EnodeProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
)
from custom_components.connected_ev.api.models import (
    ChargingCommand,
    DeviceKind,
    UserInfo,
)
from custom_components.connected_ev.api.provider import Provider, ProviderFeature

from .conftest import (
    ACTION_ID,
    API_URL,
    CHARGER_ID,
    TOKEN_URL,
    USER_ID,
    VEHICLE_ID,
    load_fixture,
    mock_token,
    request_count,
    requests_to,
)


@pytest.fixture
def provider(client: EnodeClient) -> EnodeProvider:
    """Provide the provider of one Enode user."""
    return EnodeProvider(client, USER_ID)


def test_protocol_and_identity(provider: EnodeProvider, client: EnodeClient) -> None:
    """The provider is a ``Provider`` with every feature, keyed by the user id."""
    as_protocol: Provider = provider  # checked by mypy as well
    assert as_protocol.account_id == USER_ID
    assert as_protocol.features == frozenset(ProviderFeature) == ENODE_FEATURES
    assert provider.client is client


async def test_validate_returns_user(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Validation reads the user, proving the credentials."""
    mock_token(mock_api)
    mock_api.get(f"{API_URL}/users/{USER_ID}", payload=load_fixture("user.json"))

    user = await provider.async_validate()

    assert user.id == USER_ID
    assert [vendor.is_valid for vendor in user.linked_vendors] == [True, False]


async def test_validate_new_user(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """A user id Enode does not know yet is an account without devices."""
    mock_token(mock_api)
    mock_api.get(
        f"{API_URL}/users/{USER_ID}", status=404, payload=load_fixture("problem_not_found.json")
    )

    assert await provider.async_validate() == UserInfo(id=USER_ID)


async def test_validate_bad_credentials(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Rejected credentials surface as ``AuthenticationError``."""
    mock_api.post(TOKEN_URL, status=401, payload={"error": "invalid_client"})

    with pytest.raises(AuthenticationError):
        await provider.async_validate()


async def test_lists(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Vehicles and chargers come from the user's lists."""
    mock_token(mock_api)
    paired = load_fixture("paired.json")
    empty = {"after": None, "before": None}
    mock_api.get(
        f"{API_URL}/users/{USER_ID}/vehicles?pageSize=50",
        payload={"data": [paired["vehicle"]], "pagination": empty},
    )
    mock_api.get(
        f"{API_URL}/users/{USER_ID}/chargers?pageSize=50",
        payload={"data": [paired["charger"]], "pagination": empty},
    )

    vehicles = await provider.async_list_vehicles()
    chargers = await provider.async_list_chargers()

    assert [vehicle.id for vehicle in vehicles] == [VEHICLE_ID]
    assert [charger.id for charger in chargers] == [CHARGER_ID]


@pytest.mark.parametrize(
    ("kind", "scopes"),
    [
        (
            DeviceKind.VEHICLE,
            ["vehicle:read:data", "vehicle:read:location", "vehicle:control:charging"],
        ),
        (DeviceKind.CHARGER, ["charger:read:data", "charger:control:charging"]),
    ],
)
async def test_link_session(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, scopes: list[str]
) -> None:
    """A link session per device kind, with that kind's scopes."""
    mock_token(mock_api)
    url = f"{API_URL}/users/{USER_ID}/link"
    mock_api.post(url, payload=load_fixture("link_session.json"))

    session = await provider.async_create_link_session(kind, "https://ha.example/cb", "en-GB")

    assert session.link_url.startswith("https://link.enode.com/")
    (call,) = requests_to(mock_api, "POST", url)
    assert call.kwargs["json"] == {
        "vendorType": kind.value,
        "scopes": scopes,
        "language": "en-GB",
        "redirectUri": "https://ha.example/cb",
    }


@pytest.mark.parametrize(
    ("kind", "path", "fixture"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{VEHICLE_ID}/charging", "charge_actions.json"),
        (DeviceKind.CHARGER, f"/chargers/{VEHICLE_ID}/charging", "charger_action.json"),
    ],
)
async def test_set_charging(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str, fixture: str
) -> None:
    """Charging commands go to the vehicle or the charger endpoint."""
    mock_token(mock_api)
    payload = load_fixture(fixture)
    mock_api.post(API_URL + path, payload=payload.get("PENDING", payload))

    action = await provider.async_set_charging(kind, VEHICLE_ID, ChargingCommand.STOP)

    assert action.id == ACTION_ID
    (call,) = requests_to(mock_api, "POST", API_URL + path)
    assert call.kwargs["json"] == {"action": "STOP"}


@pytest.mark.parametrize(
    ("kind", "path", "fixture"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/actions/{ACTION_ID}", "charge_actions.json"),
        (DeviceKind.CHARGER, f"/chargers/actions/{ACTION_ID}", "charger_action.json"),
    ],
)
async def test_get_charge_action(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str, fixture: str
) -> None:
    """Actions are read from the endpoint of their device kind."""
    mock_token(mock_api)
    payload = load_fixture(fixture)
    mock_api.get(API_URL + path, payload=payload.get("CONFIRMED", payload))

    action = await provider.async_get_charge_action(kind, ACTION_ID)

    assert action.id == ACTION_ID
    assert action.is_final


async def test_get_charge_action_that_is_max_current(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """An action id of a max-current action is not a charging action."""
    mock_token(mock_api)
    mock_api.get(
        f"{API_URL}/chargers/actions/{ACTION_ID}", payload=load_fixture("max_current_action.json")
    )

    with pytest.raises(InvalidResponseError):
        await provider.async_get_charge_action(DeviceKind.CHARGER, ACTION_ID)


async def test_unknown_device_kind(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """A device kind Enode cannot control is refused without a request."""
    with pytest.raises(InvalidRequestError):
        await provider.async_set_charging(DeviceKind.UNKNOWN, VEHICLE_ID, ChargingCommand.START)
    with pytest.raises(InvalidRequestError):
        await provider.async_get_charge_action(DeviceKind.UNKNOWN, ACTION_ID)
    with pytest.raises(InvalidRequestError):
        await provider.async_create_link_session(DeviceKind.UNKNOWN, "https://x/cb", "en-US")
    with pytest.raises(InvalidRequestError):
        await provider.async_refresh_hint(DeviceKind.UNKNOWN, VEHICLE_ID)
    with pytest.raises(InvalidRequestError):
        await provider.async_set_max_current(DeviceKind.UNKNOWN, CHARGER_ID, 16)

    assert request_count(mock_api) == 0


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{VEHICLE_ID}/refresh-hint"),
        (DeviceKind.CHARGER, f"/chargers/{VEHICLE_ID}/refresh-hint"),
    ],
)
async def test_refresh_hint(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str
) -> None:
    """Refresh hints go to the endpoint of the device kind."""
    mock_token(mock_api)
    mock_api.post(API_URL + path, status=204)

    await provider.async_refresh_hint(kind, VEHICLE_ID)

    assert len(requests_to(mock_api, "POST", API_URL + path)) == 1


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{CHARGER_ID}/max-current"),
        (DeviceKind.CHARGER, f"/chargers/{CHARGER_ID}/max-current"),
    ],
)
async def test_set_max_current(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str
) -> None:
    """Max current goes to the endpoint of the device kind and returns the action."""
    mock_token(mock_api)
    mock_api.post(API_URL + path, payload=load_fixture("max_current_action.json"))

    action = await provider.async_set_max_current(kind, CHARGER_ID, 10)

    assert action.max_current_a == 10
    (call,) = requests_to(mock_api, "POST", API_URL + path)
    assert call.kwargs["json"] == {"maxCurrent": 10}
